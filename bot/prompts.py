"""Prompt files from ``prompts/``, loaded by name with their placeholders checked.

A prompt that lacks a placeholder the code fills, or has one it does not, fails at
start-up rather than producing a silently wrong prompt at question time.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from pathlib import Path

from index.errors import CitebotError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"

# Each prompt and exactly the placeholders the code fills in.
EXPECTED: dict[str, frozenset[str]] = {
    "answer_system": frozenset({"sentinel"}),
    "answer_user": frozenset({"history", "sentences", "question", "language"}),
    "history_turn": frozenset({"question", "answer"}),
    "article_context": frozenset({"sentences"}),
    "answer_user_article": frozenset({"history", "question", "hint", "language"}),
    "translate_user": frozenset({"sentence", "language"}),
    "article_hint": frozenset({"marks"}),
    "judge_user": frozenset({"history", "question", "answer", "evidence", "which"}),
    "probe_user": frozenset({"sentence", "question", "slot"}),
    "settles_user": frozenset({"sentence", "question"}),
}


@dataclass(frozen=True)
class Prompt:
    name: str
    template: str
    fields: frozenset[str]

    def format(self, **values: str) -> str:
        missing = self.fields - values.keys()
        if missing:
            raise KeyError(f"prompt {self.name} needs {sorted(missing)}")
        return self.template.format(**{k: values[k] for k in self.fields})


def placeholders(template: str) -> frozenset[str]:
    return frozenset(f for _, f, _, _ in string.Formatter().parse(template) if f)


def load_prompt(name: str, folder: Path = PROMPTS_DIR) -> Prompt:
    path = folder / f"{name}.md"
    try:
        template = path.read_text(encoding="utf-8")
    except OSError as e:
        raise CitebotError(f"Prompt {name!r} not found at {path}.") from e
    try:
        found = placeholders(template)
    except ValueError as e:
        raise CitebotError(f"Prompt {path} is malformed: {e}") from e
    expected = EXPECTED.get(name)
    if expected is not None and found != expected:
        raise CitebotError(
            f"Prompt {path} has placeholders {sorted(found)}, expected {sorted(expected)}."
        )
    return Prompt(name, template, found)
