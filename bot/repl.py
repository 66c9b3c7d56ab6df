"""The chat loops: an interactive REPL and the line-per-object ``--json`` mode."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from rich.markup import escape

from bot.app import Citebot
from bot.loading import Loading
from bot.render import render_reply
from bot.session import ChatSession, Reply
from bot.settings import Settings

QUIT = ("/quit", "/exit", "/q")


def _decoded_lines(stream: IO[bytes]) -> Iterable[str]:
    # Bytes in, so that invalid UTF-8 becomes U+FFFD instead of killing the session.
    for raw in stream:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def run_json(bot: Citebot, stdin: IO[bytes], stdout: IO[str]) -> None:
    """Exactly one JSON object per input line, commands included."""
    session = ChatSession(bot, carry_startup_notices=True)
    for line in _decoded_lines(stdin):
        reply = session.handle(line)
        stdout.write(json.dumps(reply.payload, ensure_ascii=False) + "\n")
        stdout.flush()
        if reply.quit:
            break


def history_file(settings: Settings) -> Path:
    """The REPL's line history, created private: it holds everything the user asked."""
    path = settings.ensure_data_dir() / "chat_history.txt"
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)  # an older file, or one made under a lax umask
    return path


def _prompt_lines(settings: Settings, loading: Loading) -> Iterable[str]:
    # Made before the loading starts: the loading thread's imports would slow these down.
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    prompt: PromptSession[str] = PromptSession(history=FileHistory(str(history_file(settings))))
    loading.start()
    return _prompted(prompt, loading)


def _prompted(prompt: Any, loading: Loading) -> Iterable[str]:
    from prompt_toolkit.patch_stdout import patch_stdout

    while True:
        # What is still loading shows under the prompt; the reader can type meanwhile.
        toolbar = None if loading.ready else (lambda: loading.status)
        try:
            # What the loading thread logs meanwhile is printed above the prompt.
            with patch_stdout(raw=True):
                line = prompt.prompt("? ", bottom_toolbar=toolbar,
                                     refresh_interval=0.5 if toolbar else 0)
            yield line
        except KeyboardInterrupt:
            continue  # Ctrl-C drops the current line, as in a shell
        except EOFError:
            return


def _answer_streaming(session: ChatSession, line: str, console: Any) -> Reply:
    """The draft grows on screen as the model writes; the verified answer replaces it."""
    from rich.live import Live
    from rich.text import Text

    draft: list[str] = []
    with Live(Text(""), console=console, transient=True, refresh_per_second=12) as live:

        def on_token(token: str) -> None:
            draft.append(token)
            live.update(Text("".join(draft), style="dim"))

        return session.handle(line, on_token)


def _session(loading: Loading, console: Any) -> ChatSession:
    """The chat session once the bot is ready, its start-up notices said."""
    if not loading.ready:
        with console.status(loading.status) as shown:
            while not loading.wait(0.2):
                shown.update(loading.status)
    bot = loading.result()
    for notice in bot.notices:
        console.print(f"[yellow]{escape(notice)}[/yellow]")
    return ChatSession(bot)


def run_interactive(bot: Citebot | Loading, console: Any, settings: Settings,
                    titles: Sequence[str] = ()) -> None:
    """The REPL. ``bot`` may still be loading: the prompt shows at once and the first
    question waits for it. ``titles``: the articles', for the banner meanwhile."""
    loading = bot if isinstance(bot, Loading) else Loading.done(bot)
    if loading.ready:
        titles = [s.title for s in loading.result().sources()]
    shown = escape(", ".join(titles))  # titles are article text
    console.print(f"[bold]citebot[/bold] — {shown}. /help for commands, /quit to leave.")
    session: ChatSession | None = None
    if sys.stdin.isatty():
        lines = _prompt_lines(settings, loading)
    else:
        loading.start()
        lines = _decoded_lines(sys.stdin.buffer)
    for line in lines:
        if session is None:
            if not loading.ready and line.strip().lower() in QUIT:
                break  # no need to wait for the models to leave
            session = _session(loading, console)
        reply = _answer_streaming(session, line, console)
        if reply.quit:
            break
        render_reply(console, reply)
        console.print()
