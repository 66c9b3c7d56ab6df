"""The generative answer step: numbered sentences in, a cited answer (or sentinel) out.

Two layouts of the same contract:

- article in the prefix (small corpora): every indexed sentence, numbered in article
  order, sits in the system message after the contract. That message never varies, so
  llama.cpp evaluates it once at warm-up and each question only pays for its own few
  tokens; retrieval names the likeliest sentences as a hint.
- retrieved sentences (large corpora): the top retrieved sentences, numbered, come
  with the question.
"""

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
# The contract asks for one short sentence: a blank line starts something else
# (an explanation, a second try) that would only cost time and be dropped.
STOP = ["\n\n"]
# Characters per token assumed for models whose tokenizer we cannot run (a French
# news sentence averages ~3.5 with Qwen's tokenizer: err towards too many tokens).
CHARS_PER_TOKEN = 3.0

TokenSink = Callable[[str], None]

@dataclass(frozen=True)
class Draft:
    """What the model wrote, and how likely it was to open with the sentinel (None when
    the model does not say, e.g. a remote server)."""

    text: str
    sentinel_prob: float | None = None


def numbered_lines(sentences: Sequence[Sentence]) -> str:
    return "\n".join(f"[{i}] {s.text}" for i, s in enumerate(sentences, start=1))


def count_tokens(model: BaseChatModel, text: str) -> int:
    """The model's own count when it can tokenize offline, else a cautious estimate."""
    from bot.llm import LocalChatModel

    if isinstance(model, LocalChatModel):
        return model.get_num_tokens(text)
    return int(len(text) / CHARS_PER_TOKEN) + 1


@dataclass
class Generator:
    """Formats the prompt, runs the chat model, streams tokens to ``on_token``.

    ``article``: the sentences held in the fixed prefix, numbered 1..n in this order;
    empty for the retrieved-sentences layout.
    """

    model: BaseChatModel
    history_turns: int = 2
    article: Sequence[Sentence] = ()

    def __post_init__(self) -> None:
        self.system = load_prompt("answer_system")
        self.user: Prompt = load_prompt("answer_user")
        self.user_article = load_prompt("answer_user_article")
        self.turn: Prompt = load_prompt("history_turn")
        self.hint = load_prompt("article_hint")
        self.translation = load_prompt("translate_user")
        self.system_text = self.system.format(sentinel=SENTINEL)
        if self.article:
            # "Sentence [n]: …" rather than "[n] …": answers imitate the layout they see,
            # and a line opening with a marker invites copying it whole.
            self.system_text += load_prompt("article_context").format(sentences="\n".join(
                f"Sentence [{i}]: {s.text}" for i, s in enumerate(self.article, start=1)))
        self._number = {s.id: i for i, s in enumerate(self.article, start=1)}

    def number_of(self, sentence_id: str) -> int | None:
        """The ``[n]`` of an article sentence in the prefix."""
        return self._number.get(sentence_id)

    def _hint_line(self, hint: Sequence[int]) -> str:
        """Retrieval's likeliest sentences, as the whole-article prompt names them."""
        marks = ", ".join(f"[{n}]" for n in hint)
        return self.hint.format(marks=marks) if marks else ""

    def messages(
        self,
        question: str,
        lang: Lang,
        numbered: Sequence[Sentence],
        history: Sequence[Turn],
        hint: Sequence[int] = (),
    ) -> list[SystemMessage | HumanMessage]:
        # Old [n] markers point into another numbering: drop them.
        # Refused turns are left out: a model shown "not in the article" repeats it.
        answered = [t for t in history if t.cited_ids][-self.history_turns :]
        past = "".join(
            self.turn.format(question=t.question, answer=MARKER.sub("", t.answer)) + "\n"
            for t in answered
        )
        if self.article:
            # Everything before the question is the cached prefix.
            user = self.user_article.format(
                history=past, question=question, language=LANGUAGE_NAMES[lang],
                hint=self._hint_line(hint))
        else:
            user = self.user.format(history=past, sentences=numbered_lines(numbered),
                                    question=question, language=LANGUAGE_NAMES[lang])
        # The system prompt never varies, so llama.cpp reuses its KV cache every time.
        return [SystemMessage(self.system_text), HumanMessage(user)]

    def translate(self, sentence: Sentence, lang: Lang) -> str:
        """The model's rendering of an article sentence in ``lang``, cited ``[n]`` (its
        number in the article of the prefix, when it is there)."""
        # The sentence itself, not its number: asked to translate "sentence [8]", the
        # model translated [9] or [7].
        user = self.translation.format(sentence=sentence.text, language=LANGUAGE_NAMES[lang])
        reply = self.model.invoke([SystemMessage(self.system_text), HumanMessage(user)],
                                  stop=["\n"])
        text = MARKER.sub("", reply.text).strip()
        n = self.number_of(sentence.id)
        return f"{text} [{n}]" if text and n is not None else text

    def generate(
        self,
        question: str,
        lang: Lang,
        numbered: Sequence[Sentence],
        history: Sequence[Turn],
        on_token: TokenSink | None = None,
        hint: Sequence[int] = (),
    ) -> Draft:
        prob: float | None = None
        # The small model opens one draft in ten by copying retrieval's hint line ("The
        # search found these sentences closest: [2], [7]."): held back, never shown.
        echo = EchoFilter(self._hint_line(hint).strip() if self.article else "", on_token)
        for chunk in self.model.stream(self.messages(question, lang, numbered, history, hint),
                                       stop=STOP):
            if prob is None and "sentinel_prob" in chunk.response_metadata:
                prob = float(chunk.response_metadata["sentinel_prob"])
            if chunk.text:
                echo.feed(chunk.text)
        return Draft(echo.finish().strip(), prob)


class EchoFilter:
    """Passes streamed text on, except a leading copy of ``echo``."""

    def __init__(self, echo: str, on_token: TokenSink | None) -> None:
        self.echo = echo
        self.on_token = on_token
        self.text = ""
        self.held = bool(echo)  # still possibly copying the echo

    def feed(self, piece: str) -> None:
        self.text += piece
        if self.held:
            opening = self.text.lstrip()
            if opening.startswith(self.echo):
                self.text = opening[len(self.echo):].lstrip()
            elif self.echo.startswith(opening):
                return  # maybe the echo: wait for more
            self.held = False
            piece = self.text
        if piece and self.on_token:
            self.on_token(piece)

    def finish(self) -> str:
        """Everything kept; a draft that stopped inside the echo is the echo, and empty."""
        return "" if self.held else self.text


def declined(text: str) -> bool:
    """The model said the sentences do not answer, or said nothing but markers."""
    bare = MARKER.sub("", text)
    return SENTINEL in text.replace(" ", "_").upper() or not any(c.isalnum() for c in bare)
