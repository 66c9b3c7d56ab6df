"""Value objects the chain hands to the interfaces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Lang = Literal["fr", "en"]


@dataclass(frozen=True, slots=True)
class Citation:
    """A quoted article sentence: ``n`` is the ``[n]`` marker used in the answer."""

    n: int
    id: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "id": self.id, "text": self.text}


@dataclass(slots=True)
class Answer:
    """One reply to one question. ``answer`` cites with ``[n]``; unanswered has no citations."""

    question: str
    language: Lang
    answered: bool
    answer: str
    citations: list[Citation] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notices: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "question": self.question,
            "language": self.language,
            "answered": self.answered,
            "answer": self.answer,
            "citations": [c.to_dict() for c in self.citations],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
        }
        if self.notices:
            out["notices"] = list(self.notices)
        return out
