"""Hand-written fakes for the seams the tests go through."""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from index.embedder import Progress, normalise, titled


class FakeEmbedder:
    """Bag of hashed words: texts sharing words are close, others orthogonal-ish.

    Deterministic and fast; monolingual only, so cross-lingual cases need the real model.
    """

    def __init__(self, dim: int = 4096, model_id: str = "fake-bow",
                 document_prompt: str = "d: ") -> None:
        self._dim = dim
        self.model_id = model_id
        self.query_prompt = "q: "
        self.document_prompt = document_prompt
        self.documents_embedded = 0

    @property
    def dimension(self) -> int:
        return self._dim

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self._dim, dtype=np.float32)
        for word in re.findall(r"\w{4,}", text.lower()):
            v[zlib.crc32(word.encode()) % self._dim] += 1.0
        if not v.any():
            v[0] = 1e-3
        return v

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None,
                        titles: Sequence[str] | None = None) -> np.ndarray:
        self.documents_embedded += len(texts)
        # Like the real ones, the prompt (with its title) is part of what is embedded.
        full = [titled(self.document_prompt, titles[i] if titles else None) + t
                for i, t in enumerate(texts)]
        out = normalise(np.stack([self._vec(t) for t in full])) if texts else np.zeros(
            (0, self._dim), np.float32)
        if progress:
            progress(len(texts))
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return normalise(self._vec(text))


class FakeDetector:
    """Language by a few function words; the real detector has its own tests."""

    EN = {"who", "what", "where", "when", "how", "the", "did", "is", "and", "which"}

    def detect(self, text: str, fallback: str) -> str:
        words = set(re.findall(r"\w+", text.lower()))
        if words & self.EN:
            return "en"
        return "fr" if words else fallback

    # French words an English answer may copy from the article.
    FRENCH = {"reprise", "syrien", "économique", "ministre", "étrangères"}

    def copied_words(self, text: str, source: str, lang: str) -> list[str]:
        words = re.findall(r"\w+", text)
        return [w for w in words if lang == "en" and w in self.FRENCH and w in source]

    def warm_up(self) -> None:
        pass


class TextOnlyChatModel(BaseChatModel):
    """A chat model that replies with queued answers and records what it was sent, like
    a remote model: sampled replies, no probabilities.

    A queued ``Exception`` is raised instead of answering.
    """

    replies: list[str | Exception] = []
    received: list[list[BaseMessage]] = []
    # Replies to the answer probe's prompt (its sampled reply, or the fact it copies for
    # bot/roles.py), served apart from the answers: asked with none queued, the model
    # fails, which leaves the answer alone.
    probe_replies: list[str] = []
    probe_asked: list[list[BaseMessage]] = []

    @property
    def _llm_type(self) -> str:
        return "text-only-fake"

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: Any = None, **kwargs: Any) -> ChatResult:
        if "Copy from the sentence" in messages[-1].text:
            self.probe_asked.append(list(messages))
            if not self.probe_replies:
                raise RuntimeError("no probe reply queued")
            reply: str | Exception = self.probe_replies.pop(0)
            return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])
        self.received.append(list(messages))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=reply))])


class QueueChatModel(TextOnlyChatModel):
    """The queue-fed model, streaming, and scoring openings like ``LocalChatModel``."""

    # Optional, one per reply: reported like LocalChatModel's chance of opening with
    # the sentinel, in the first streamed chunk's response_metadata.
    sentinel_probs: list[float] = []
    stops: list[list[str] | None] = []
    # The support judge's P(yes), one per judged answer, served by ``choice_prob`` like
    # LocalChatModel's first-token logits; the messages it was shown go to ``judged``.
    yes_probs: list[float | tuple[float, ...]] = []
    judged: list[list[BaseMessage]] = []
    # The answer probe's P(NONE), one per probed sentence, served by ``opening_prob``;
    # the messages it was shown go to ``probed``.
    none_probs: list[float] = []
    probed: list[list[BaseMessage]] = []

    @property
    def _llm_type(self) -> str:
        return "queue-fake"

    def choice_probs(self, messages: Sequence[BaseMessage],
                     choices: Sequence[str | Sequence[str]]) -> list[float]:
        # A queued float is P(the first choice), or for yes / no / unknown P(yes or no),
        # all of it "yes"; a queued tuple is the probabilities themselves.
        self.judged.append(list(messages))
        if not self.yes_probs:
            raise RuntimeError("no judge probability queued")
        p = self.yes_probs.pop(0)
        if isinstance(p, tuple):
            return list(p)
        return [p, 1 - p] if len(choices) == 2 else [p, 0.0, 1 - p]

    def opening_prob(self, messages: Sequence[BaseMessage], word: str) -> float:
        self.probed.append(list(messages))
        if not self.none_probs:
            raise RuntimeError("no probe probability queued")
        return self.none_probs.pop(0)

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: Any = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        self.stops.append(stop)
        text = self._generate(messages, stop).generations[0].message.text
        meta = {"sentinel_prob": self.sentinel_probs.pop(0)} if self.sentinel_probs else {}
        for piece in re.findall(r"\S+\s*", text) or [""]:  # word by word, like a real stream
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece,
                                                             response_metadata=meta))
            meta = {}

