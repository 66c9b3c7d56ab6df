"""The answer probe: does this one sentence give the number (date, place, name) asked for?

A near miss passes every other check: "How many American soldiers are deployed in
Syria?" finds the sentence on two soldiers killed, the model answers "two [1]", the
claim is close to its sentence and its number is there. The answer model, asked the
narrow question with the sentence quoted alone ("copy the number that answers the
question, or write NONE") tells the two apart far better than a yes/no on the whole
answer: P(NONE) separates the answer's sentence from another sentence of its
paragraph that holds a fact of the same kind with AUC 0.74-0.91 on PIAF and xling
(``bench/calibrate_probe.py``, which fits a bar for each kind of fact). It is off unless
``bot/calibration.json`` holds those bars: with them, the 1.5B model refused none of
the default article's near misses, which sit inside PIAF's spread (README, "Benchmarks").

A local model reports P(NONE) from its first-token logits; a remote model's reply
counts as 1 when it opens with NONE, else 0.

The same question, answered in full (``copy``), says which of the sentence's numbers
or dates the model takes for the answer: ``bot/roles.py`` compares it with the answer's.

A yes-or-no question asks for no fact to copy: ``p_settles`` asks instead whether the
sentence says yes, no, or neither (``bench/calibrate_polar.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, runtime_checkable

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot.answer_type import Kind, expected_kind
from bot.judge import NO, YES, ChoiceScorer
from bot.prompts import load_prompt

log = logging.getLogger(__name__)

NONE = "NONE"
UNKNOWN = "unknown"
# How each kind of fact is named to the model; kinds absent here are never probed.
SLOTS: dict[Kind, str] = {
    Kind.NUMBER: "number", Kind.DATE: "date", Kind.PLACE: "place", Kind.NAME: "name",
}
_REMEMBERED = 64
# Enough for "12 novembre 2024" or "7,5 millions"; the copy is read, not shown.
_COPY_TOKENS = 10
T = TypeVar("T")


@runtime_checkable
class OpeningScorer(Protocol):
    """A chat model that can say how likely its reply opens with a given word."""

    def opening_prob(self, messages: Sequence[BaseMessage], word: str) -> float: ...


@dataclass(frozen=True)
class Settled:
    """How likely the model is to say a sentence answers a yes-or-no question with yes,
    with no, or not at all (the three sum to 1)."""

    yes: float
    no: float
    unknown: float

    @property
    def p_settles(self) -> float:
        return self.yes + self.no

    def leans(self, yes_ratio: float | None, no_ratio: float | None) -> str | None:
        """"yes" or "no" when the model prefers it to the other by the given ratio (None:
        never said), else None."""
        if yes_ratio is not None and self.yes > 0 and self.yes >= yes_ratio * self.no:
            return YES
        if no_ratio is not None and self.no > 0 and self.no >= no_ratio * self.yes:
            return NO
        return None


@dataclass
class Probe:
    """Asks ``model`` whether a sentence gives what a question asks for.

    ``bars``: for each slot name ("number", …), the P(NONE) above which a sentence does
    not give it; a kind with no bar is not probed.
    """

    model: BaseChatModel
    system_text: str
    bars: Mapping[str, float]
    # One question probes the same sentence for the answer and again for a quote;
    # keyed by both, so that chats answered side by side never share an entry.
    _seen: dict[tuple[str, str], float] = field(default_factory=dict, repr=False)
    _copied: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _settled: dict[tuple[str, str], Settled] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.user = load_prompt("probe_user")
        self.settles_user = load_prompt("settles_user")

    def messages(self, question: str, sentence: str, slot: str) -> list[BaseMessage]:
        # The answer step's system message, word for word: its KV cache is reused.
        return [SystemMessage(self.system_text),
                HumanMessage(self.user.format(question=question, sentence=sentence, slot=slot))]

    def p_none(self, question: str, sentence: str, slot: str) -> float:
        """How likely the model is to say ``sentence`` does not give the ``slot``."""
        def ask() -> float:
            messages = self.messages(question, sentence, slot)
            if isinstance(self.model, OpeningScorer):
                return self.model.opening_prob(messages, NONE)
            reply = self.model.invoke(messages, stop=["\n"], max_tokens=4)
            return 1.0 if reply.text.strip().upper().startswith(NONE) else 0.0

        return _remembered(self._seen, (question, sentence), ask)

    def gives(self, question: str, sentence: str, asked: str = "") -> bool:
        """False only when ``question`` asks for a probed kind of fact and the model is
        surer than the calibrated bar that ``sentence`` does not give it. ``asked``: the
        question as the model should read it (a follow-up after the one it follows)."""
        kind = expected_kind(question)
        slot = SLOTS.get(kind) if kind else None
        if slot is None or slot not in self.bars:
            return True
        try:
            return self.p_none(asked or question, sentence, slot) <= self.bars[slot]
        except Exception as e:  # noqa: BLE001 - a failing probe leaves the answer alone
            log.warning("answer probe failed: %s: %s", type(e).__name__, e)
            return True

    def p_settles(self, question: str, sentence: str) -> float | None:
        """How likely the model is to find that ``sentence`` says whether the answer to
        the yes-or-no ``question`` is yes or no: P(yes or no) against P(unknown), from a
        local model's first-token logits.

        None for a model that cannot say (a remote server): its greedy reply is no
        probability, and the bar was fitted on probabilities. Read that way through
        ``llama_cpp.server``, "unknown" turned away 6 of the 9 answerable questions of
        ``bench/questions/palmyre_polar.jsonl``.
        """
        settled = self.settles(question, sentence)
        return None if settled is None else settled.p_settles

    def settles(self, question: str, sentence: str) -> Settled | None:
        """The model's yes, no and unknown for ``sentence`` and the yes-or-no
        ``question`` (one prompt, cached); None for a model without probabilities."""
        if not isinstance(self.model, ChoiceScorer):
            return None
        model = self.model

        def ask() -> Settled:
            messages = [SystemMessage(self.system_text), HumanMessage(
                self.settles_user.format(question=question, sentence=sentence))]
            return Settled(*model.choice_probs(messages, (YES, NO, UNKNOWN)))

        return _remembered(self._settled, (question, sentence), ask)

    def copy(self, question: str, sentence: str, slot: str) -> str:
        """What the model copies from ``sentence`` as the ``slot`` answering ``question``
        (its greedy reply, a few tokens: "3", "NONE", "12 November")."""
        def ask() -> str:
            return self.model.invoke(self.messages(question, sentence, slot), stop=["\n"],
                                     max_tokens=_COPY_TOKENS).text

        return _remembered(self._copied, (f"copy:{slot}:{question}", sentence), ask)


def _remembered(cache: dict[tuple[str, str], T], key: tuple[str, str],
                ask: Callable[[], T]) -> T:
    """``cache[key]``, asked for once; the cache is emptied when it holds ``_REMEMBERED``."""
    if key not in cache:
        if len(cache) >= _REMEMBERED:
            cache.clear()
        cache[key] = ask()
    return cache[key]
