"""The generative answer step: numbered sentences in, a cited answer (or sentinel) out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from bot.citations import MARKER
from bot.conversation import Turn
from bot.prompts import Prompt, load_prompt
from bot.types import Lang
from index.types import Sentence

SENTINEL = "NOT_IN_ARTICLE"
LANGUAGE_NAMES: dict[Lang, str] = {"fr": "French", "en": "English"}

TokenSink = Callable[[str], None]


@dataclass
class Generator:
    """Formats the prompt, runs the chat model, streams tokens to ``on_token``."""

    model: BaseChatModel
    history_turns: int = 2

    def __post_init__(self) -> None:
        self.system = load_prompt("answer_system")
        self.user: Prompt = load_prompt("answer_user")
        self.turn: Prompt = load_prompt("history_turn")
        self.system_text = self.system.format(sentinel=SENTINEL)

    def messages(
        self, question: str, lang: Lang, numbered: Sequence[Sentence], history: Sequence[Turn]
    ) -> list[SystemMessage | HumanMessage]:
        # Old [n] markers point into another numbering: drop them.
        # Refused turns are left out: a model shown "not in the article" repeats it.
        answered = [t for t in history if t.cited_ids][-self.history_turns :]
        past = "".join(
            self.turn.format(question=t.question, answer=MARKER.sub("", t.answer)) + "\n"
            for t in answered
        )
        sentences = "\n".join(f"[{i}] {s.text}" for i, s in enumerate(numbered, start=1))
        user = self.user.format(history=past, sentences=sentences, question=question,
                                language=LANGUAGE_NAMES[lang])
        # The system prompt never varies, so llama.cpp reuses its KV cache every time.
        return [SystemMessage(self.system_text), HumanMessage(user)]

    def generate(
        self,
        question: str,
        lang: Lang,
        numbered: Sequence[Sentence],
        history: Sequence[Turn],
        on_token: TokenSink | None = None,
    ) -> str:
        parts = []
        for chunk in self.model.stream(self.messages(question, lang, numbered, history)):
            text = chunk.text
            if text:
                parts.append(text)
                if on_token:
                    on_token(text)
        return "".join(parts).strip()


def declined(text: str) -> bool:
    """The model said the sentences do not answer, or said nothing but markers."""
    bare = MARKER.sub("", text)
    return SENTINEL in text.replace(" ", "_").upper() or not any(c.isalnum() for c in bare)
