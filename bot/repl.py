"""The chat loops: an interactive REPL and the line-per-object ``--json`` mode."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from rich.markup import escape

from bot.app import Citebot
from bot.render import render_reply
from bot.session import ChatSession, Reply
from bot.settings import Settings


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


def _prompt_lines(settings: Settings) -> Iterable[str]:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory

    prompt: PromptSession[str] = PromptSession(history=FileHistory(str(history_file(settings))))
    while True:
        try:
            yield prompt.prompt("? ")
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


def run_interactive(bot: Citebot, console: Any, settings: Settings) -> None:
    session = ChatSession(bot)
    titles = escape(", ".join(s.title for s in bot.sources()))  # titles are article text
    console.print(f"[bold]citebot[/bold] — {titles}. /help for commands, /quit to leave.")
    for notice in bot.notices:
        console.print(f"[yellow]{escape(notice)}[/yellow]")
    lines = _prompt_lines(settings) if sys.stdin.isatty() else _decoded_lines(sys.stdin.buffer)
    for line in lines:
        reply = _answer_streaming(session, line, console)
        if reply.quit:
            break
        render_reply(console, reply)
        console.print()
