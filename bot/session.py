"""One chat session: turns each input line into a reply, for the REPL and ``--json`` alike.

Commands and questions go through ``handle``; the interfaces only read lines and
render what comes back, so the CLI and scripted use cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.app import Citebot
from bot.generate import TokenSink
from bot.inputs import BadQuestion, echo, without_surrogates
from bot.messages import message
from bot.types import Answer, Lang


@dataclass
class Reply:
    """What one input line produced: an answer, a command result, or a refusal."""

    kind: str  # "answer" | "command" | "error"
    payload: dict[str, Any]
    answer: Answer | None = None
    text: str = ""
    quit: bool = False


@dataclass
class ChatSession:
    bot: Citebot
    conversation: Any = field(init=False)

    # Scripts see no start-up banner: the start-up notices (e.g. "the answer model is
    # missing") ride on the first answer instead.
    carry_startup_notices: bool = False
    _pending: list[str] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self.conversation = self.bot.new_conversation()
        if self.carry_startup_notices:
            self._pending = list(self.bot.notices)

    @property
    def lang(self) -> Lang:
        return (
            self.conversation.forced_lang
            or self.conversation.last_language
            or self.bot.qa.article_lang
        )

    def handle(self, line: str, on_token: TokenSink | None = None) -> Reply:
        line = without_surrogates(line)  # whatever comes back must be printable
        stripped = line.strip()
        if stripped.startswith("/") and len(stripped) > 1 and " " not in stripped.split()[0][1:]:
            return self._command(stripped)
        try:
            answer = self.bot.ask(line, self.conversation, on_token)
        except BadQuestion as e:
            return self._refusal(line, e.key, str(e))
        if self._pending:
            answer.notices[:0], self._pending = self._pending, []
        return Reply("answer", answer.to_dict(), answer=answer)

    def _refusal(self, line: str, key: str, text: str) -> Reply:
        # The input is echoed cleaned and cut, like an answered question is.
        shown = echo(line, self.bot.settings.max_question_chars)
        payload = {
            "question": shown, "language": self.lang, "answered": False, "answer": text,
            "citations": [], "timings_ms": {}, "error": key,
        }
        return Reply("error", payload, text=text)

    def _command(self, line: str) -> Reply:
        name, *args = line[1:].split()
        name = name.lower()
        if name in ("quit", "exit", "q"):
            return Reply("command", {"command": "quit"}, quit=True)
        if name == "reset":
            self.conversation.reset()
            text = message("reset", self.lang)
            return Reply("command", {"command": "reset", "message": text}, text=text)
        if name == "help":
            text = message("help", self.lang)
            return Reply("command", {"command": "help", "message": text}, text=text)
        if name == "sources":
            sources = [
                {"id": s.id, "title": s.title, "lang": s.lang, "sentences": s.sentences}
                for s in self.bot.sources()
            ]
            text = "\n".join(f"{s['title']} ({s['id']}): {s['sentences']} sentences"
                             for s in sources)
            return Reply("command", {"command": "sources", "sources": sources}, text=text)
        if name == "lang":
            if len(args) != 1 or args[0] not in ("fr", "en", "auto"):
                text = "/lang fr|en|auto"
                return Reply("error", {"command": "lang", "error": "usage", "message": text},
                             text=text)
            self.conversation.forced_lang = None if args[0] == "auto" else args[0]
            text = f"language: {args[0]}"
            return Reply("command", {"command": "lang", "lang": args[0]}, text=text)
        text = message("unknown_command", self.lang, command=f"/{name}")
        return Reply("error", {"command": name, "error": "unknown_command", "message": text},
                     text=text)
