"""The support judge: after a cited answer is verified, ask the answer model whether the
cited sentences really state it in reply to the question.

Verification checks that a claim is close to its sentence and invents no number or
name; it cannot tell a sentence on the topic ("deux soldats … avaient trouvé la mort")
from one that answers *this* question ("how many civilians were wounded?"). The
judge's yes/no is asked of the same model with the same fixed system message, so with
the article in the cached prefix it costs only its own ~60 tokens and one output token.

A local model reports P(yes) from its first-token logits, which ``bench/calibrate.py
--judge`` calibrates into a threshold; a remote model's sampled "yes"/"no" counts as
1 or 0, and a reply that is neither leaves the answer alone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from bot.citations import MARKER
from bot.conversation import Turn
from bot.prompts import load_prompt

log = logging.getLogger(__name__)

YES, NO = "yes", "no"
_WORD = re.compile(r"[a-zA-Z]+")


@runtime_checkable
class ChoiceScorer(Protocol):
    """A chat model that can say how likely its reply opens with one word or another."""

    def choice_probs(self, messages: Sequence[BaseMessage],
                     choices: Sequence[str | Sequence[str]]) -> list[float]:
        """P(reply opens with each choice), normalised over ``choices``; each choice one
        word or several."""
        ...


@dataclass(frozen=True)
class Evidence:
    """A cited sentence as the judge is shown it: by its number in the cached article,
    or (``text`` set) quoted in the question."""

    n: int
    text: str = ""


@dataclass
class Judge:
    model: BaseChatModel
    system_text: str
    history_turns: int = 2

    def __post_init__(self) -> None:
        self.user = load_prompt("judge_user")
        self.turn = load_prompt("history_turn")

    def messages(self, question: str, answer: str, evidence: Sequence[Evidence],
                 history: Sequence[Turn] = ()) -> list[BaseMessage]:
        answered = [t for t in history if t.cited_ids][-self.history_turns:]
        past = "".join(self.turn.format(question=t.question, answer=MARKER.sub("", t.answer))
                       + "\n" for t in answered)
        marks = " and ".join(f"[{e.n}]" for e in evidence)
        which = f"sentence{'s' if len(evidence) > 1 else ''} {marks}"
        quoted = "".join(f"Sentence [{e.n}]: {e.text}\n" for e in evidence if e.text)
        user = self.user.format(
            history=past, question=question, answer=MARKER.sub("", answer).strip(),
            evidence=quoted, which=which if quoted else f"{which} of the article")
        # The system message is the answer step's, word for word: its KV cache is reused.
        return [SystemMessage(self.system_text), HumanMessage(user)]

    def p_yes(self, question: str, answer: str, evidence: Sequence[Evidence],
              history: Sequence[Turn] = ()) -> float | None:
        """How sure the model is that ``evidence`` states ``answer`` to ``question``;
        None when it gives no usable reply (the answer then stands as verified)."""
        messages = self.messages(question, answer, evidence, history)
        if isinstance(self.model, ChoiceScorer):
            return self.model.choice_probs(messages, (YES, NO))[0]
        # One word is wanted: a few tokens let "Yes." through and cut an explanation.
        reply = self.model.invoke(messages, stop=["\n"], max_tokens=4)
        words = _WORD.findall(reply.text.lower())
        if words and words[0] in (YES, NO):
            return 1.0 if words[0] == YES else 0.0
        log.debug("judge gave no yes/no: %r", reply.text[:80])
        return None
