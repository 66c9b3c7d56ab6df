"""Per-conversation memory: the last few questions and answers, bounded."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from bot.types import Lang


@dataclass(frozen=True, slots=True)
class Turn:
    question: str
    answer: str
    language: Lang
    cited_ids: tuple[str, ...]


@dataclass
class Conversation:
    max_turns: int = 6
    forced_lang: Lang | None = None
    turns: deque[Turn] = field(default_factory=deque)

    def add(self, turn: Turn) -> None:
        self.turns.append(turn)
        while len(self.turns) > self.max_turns:
            self.turns.popleft()

    def reset(self) -> None:
        self.turns.clear()

    @property
    def last_language(self) -> Lang | None:
        return self.turns[-1].language if self.turns else None
