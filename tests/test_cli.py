"""The CLI driven as a user or a script would, with the fake embedder behind the factory."""

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.app import create_citebot
from bot.repl import run_interactive, run_json
from bot.settings import Settings
from tests.conftest import ARTICLE
from tests.fakes import FakeDetector, FakeEmbedder


def _run(args: list[str], stdin: str | bytes | None = None):
    from bot.cli import app

    return CliRunner().invoke(app, args, input=stdin, catch_exceptions=False)


def test_chat_json_one_object_per_line_commands_included(cli_env: Path) -> None:
    lines = [
        "Quels soldats américains ont trouvé la mort lors de l’embuscade ?",
        "",
        "/sources",
        "🙂🙂",
        "/reset",
        "/bogus",
        "x" * 12000,
        "/quit",
        "never read",
    ]
    result = _run(["chat", "--json"], "\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 8  # one per line up to /quit, nothing after
    first = out[0]
    assert first["answered"] and "palmyre.fr:7" in [c["id"] for c in first["citations"]]
    assert out[1]["error"] == "empty_question" and out[1]["answered"] is False
    assert out[2]["sources"] == [
        {"id": "palmyre.fr", "title": "palmyre", "lang": "fr", "sentences": 10}
    ]
    assert out[3]["error"] == "no_words"
    assert out[4]["command"] == "reset"
    assert out[5]["error"] == "unknown_command"
    assert out[6]["notices"]  # truncated, still answered or refused, no crash
    assert out[7] == {"command": "quit"}


def test_chat_json_survives_invalid_utf8(cli_env: Path) -> None:
    result = _run(["chat", "--json"], b"\xff\xfe\xfa\n\x00\x00\nPalmyre ?\n")
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 3
    assert out[0]["error"] in ("empty_question", "no_words")


def test_ask_json(cli_env: Path) -> None:
    result = _run(["ask", "--json", "Who won the 2022 World Cup?"])
    obj = json.loads(result.stdout)
    assert obj["answered"] is False and obj["citations"] == []


def test_index_build_info_and_search(cli_env: Path) -> None:
    assert _run(["index", "build"]).exit_code == 0
    info = json.loads(_run(["index", "info", "--json"]).stdout)
    assert info["count"] == 10 and info["spec"]["model_id"] == "fake-bow"
    hits = json.loads(_run(["search", "--json", "-k", "2", "province de Homs"]).stdout)
    assert hits[0]["id"] == "palmyre.fr:8" and len(hits) == 2


def test_config_lists_every_setting(cli_env: Path) -> None:
    result = _run(["config"])
    for name in Settings.model_fields:
        assert f"CITEBOT_{name.upper()}" in result.stdout


def test_user_errors_are_messages_not_tracebacks(cli_env: Path, capsys) -> None:
    from bot.cli import main

    with pytest.raises(SystemExit) as e:
        import sys

        sys.argv = ["citebot", "ask", "--article", "/nonexistent.txt", "hello"]
        main()
    assert e.value.code == 1
    err = capsys.readouterr().err
    assert "Article not found" in err and "Traceback" not in err


def test_repl_scripted(settings: Settings) -> None:
    from rich.console import Console

    bot_ = create_citebot(settings.model_copy(update={"answer_threshold": 0.2}),
                          embedder=FakeEmbedder(), detector=FakeDetector(), chat_model=None)
    console = Console(file=io.StringIO(), width=200)
    import sys

    stdin = io.TextIOWrapper(io.BytesIO(
        b"/help\nWhere is the province de Homs rural operation?\n\n/quit\n"))
    old = sys.stdin
    sys.stdin = stdin
    try:
        run_interactive(bot_, console, settings)
    finally:
        sys.stdin = old
    text = console.file.getvalue()
    assert "Commands" in text or "Commandes" in text
    assert "[1]" in text and "palmyre.fr:8" in text
    assert "Please type a question" in text


def test_run_json_direct(settings: Settings) -> None:
    bot_ = create_citebot(settings, embedder=FakeEmbedder(), detector=FakeDetector(),
                          chat_model=None)
    out = io.StringIO()
    run_json(bot_, io.BytesIO(b"/help\n/lang en\n"), out)
    objs = [json.loads(x) for x in out.getvalue().splitlines()]
    assert [o["command"] for o in objs] == ["help", "lang"]
    assert ARTICLE.exists()


def test_scripts_get_the_start_up_notices_with_the_first_answer(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CITEBOT_LLM", "local")
    monkeypatch.setenv("CITEBOT_MODELS_DIR", str(cli_env / "no-models"))  # the GGUF is missing
    question = "Quels soldats américains ont trouvé la mort lors de l’embuscade ?\n"
    result = _run(["chat", "--json"], question * 2)
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert any("models pull" in n for n in first["notices"]) and first["answered"]
    assert "notices" not in second
    single = json.loads(_run(["ask", "--json", question.strip()]).stdout)
    assert any("models pull" in n for n in single["notices"])


def test_repl_prompt_comes_before_the_bot_is_ready(settings: Settings) -> None:
    import os
    import sys
    import threading
    import time

    from rich.console import Console

    from bot.loading import Loading

    gate = threading.Event()

    def make(progress):  # stands for the models loading and the index building
        progress(3, 10)
        gate.wait(30)
        made = create_citebot(settings.model_copy(update={"answer_threshold": 0.2}),
                              embedder=FakeEmbedder(), detector=FakeDetector(),
                              chat_model=None)
        made.notices.append("said at start-up")
        return made

    loading = Loading(make)
    console = Console(file=io.StringIO(), width=200)
    read, write = os.pipe()
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(os.fdopen(read, "rb"))
    repl = threading.Thread(target=run_interactive,
                            args=(loading, console, settings, ["Palmyre"]), daemon=True)

    def until(done, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            time.sleep(0.01)
        return done()

    try:
        repl.start()
        assert until(lambda: "Palmyre" in console.file.getvalue())  # the banner…
        assert until(lambda: loading.status.startswith("indexing the article: 3/10"))
        assert not loading.ready  # …while the bot is still being made
        os.write(write, b"Where is the province de Homs rural operation?\n")
        time.sleep(0.3)
        assert "[1]" not in console.file.getvalue()  # the question waits for the bot…
    finally:
        gate.set()
        os.close(write)
        repl.join(30)
        sys.stdin = old
    text = console.file.getvalue()
    assert not repl.is_alive()
    assert "said at start-up" in text  # …and is answered once it is ready, notices first
    assert text.index("said at start-up") < text.index("palmyre.fr:8")


def test_repl_reports_a_failed_load_when_asked(settings: Settings) -> None:
    import sys

    from rich.console import Console

    from bot.loading import Loading
    from index.errors import CitebotError

    def make(progress):
        raise CitebotError("the embedding model is damaged")

    console = Console(file=io.StringIO(), width=200)
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b"Qui est mort ?\n"))
    try:
        with pytest.raises(CitebotError, match="damaged"):
            run_interactive(Loading(make), console, settings, ["Palmyre"])
    finally:
        sys.stdin = old


def test_repl_quits_without_waiting_for_the_models(settings: Settings) -> None:
    import sys
    import threading

    from rich.console import Console

    from bot.loading import Loading

    never = threading.Event()

    def make(progress):
        never.wait(30)
        raise AssertionError("not needed")

    console = Console(file=io.StringIO(), width=200)
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(b"/quit\n"))
    try:
        run_interactive(Loading(make), console, settings, ["Palmyre"])
    finally:
        sys.stdin = old
        never.set()
