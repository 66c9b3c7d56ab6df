"""Rich terminal rendering of answers and replies."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from bot.session import Reply
from bot.types import Answer


def render_answer(console: Console, answer: Answer) -> None:
    for notice in answer.notices:
        console.print(f"[yellow]{escape(notice)}[/yellow]")
    style = "bold" if answer.answered else "italic"
    console.print(Text(answer.answer, style=style))
    for c in answer.citations:
        line = Text(f"  [{c.n}] ", style="cyan")
        line.append(c.text)
        line.append(f"  ({c.id})", style="dim")
        console.print(line)


def render_reply(console: Console, reply: Reply) -> None:
    if reply.answer is not None:
        render_answer(console, reply.answer)
    elif reply.kind == "error":
        console.print(Text(reply.text, style="yellow"))
    elif reply.text:
        console.print(Text(reply.text))
