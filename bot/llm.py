"""Chat models for the answer step, all LangChain ``BaseChatModel``s.

- ``local``: a GGUF model through llama-cpp-python (``LocalChatModel`` below), loaded
  once and kept. Its system prompt is fixed and comes first, so llama.cpp's prefix
  matching reuses the KV cache for it on every question.
- ``openai``: any OpenAI-compatible server through ``langchain-openai``.
- ``none``: no model; the chain quotes the article instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from bot.generate import SENTINEL
from bot.prefix_state import PrefixStates
from bot.settings import Settings
from index.errors import CitebotError
from index.models import QWEN_CODER_1_5B, check_model

log = logging.getLogger(__name__)

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}
# sys.stderr is process-wide: two models loading at once must not nest their sinks.
_LOUD_LOAD = threading.Lock()


class LocalChatModel(BaseChatModel):
    """A llama.cpp GGUF chat model, loaded lazily and kept for the process's life."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None
    n_batch: int = 512
    max_tokens: int = 160
    temperature: float = 0.0
    timeout_s: float = 60.0
    # When set, the first streamed chunk reports in ``response_metadata["sentinel_prob"]``
    # how likely the model was to open with this text: a calibrated decline signal,
    # where the sampled reply only says which side of 0.5 it fell.
    sentinel: str = ""
    # Texts the reply may not open with. A small model that opens an answer with a
    # marker ("[7] …") goes on to copy a sentence, often not the one it numbered.
    banned_openings: list[str] = []
    # Where the evaluated system prompt is saved, so that the next start restores it in
    # milliseconds instead of evaluating it again (bot/prefix_state.py); None: never.
    state_dir: str | None = None

    _llama: Any = PrivateAttr(default=None)
    _sentinel_ids: list[int] = PrivateAttr(default_factory=list)
    _banned_ids: list[int] = PrivateAttr(default_factory=list)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-local"

    def load(self) -> Any:
        with self._lock:
            if self._llama is None:
                try:
                    from llama_cpp import Llama
                except ImportError as e:
                    raise CitebotError(
                        "llama-cpp-python is not installed: `pip install -e .[llm]`."
                    ) from e
                # llama-cpp-python defaults to half the cores: on 2 cores that is one
                # thread and half the speed.
                threads = self.n_threads or os.cpu_count() or 1
                # Its quiet mode points file descriptors 1 and 2 at /dev/null while it
                # loads, swallowing whatever other threads print meanwhile (the chat
                # prompt, an answer). Its verbose mode writes only to Python's
                # sys.stderr, which a sink can take for that second instead.
                with _LOUD_LOAD, open(os.devnull, "w") as sink, \
                        contextlib.redirect_stderr(sink):
                    try:
                        self._llama = Llama(
                            model_path=self.model_path, n_ctx=self.n_ctx,
                            n_threads=threads, n_threads_batch=threads,
                            n_batch=self.n_batch, verbose=True,
                        )
                    finally:
                        # verbose=True turned llama.cpp's own log on for the process:
                        # back to errors only, as the quiet mode would have left it.
                        logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
                self._llama.verbose = False
                self._sentinel_ids = self._openings(self.sentinel) if self.sentinel else []
                self._banned_ids = sorted({i for t in self.banned_openings
                                           for i in self._openings(t)})
            return self._llama

    def _openings(self, text: str) -> list[int]:
        """Token ids a reply starting with ``text`` can open with (with or without a space)."""
        ids = {self._llama.tokenize(v.encode(), add_bos=False, special=False)[0]
               for v in (text, " " + text)}
        return sorted(ids)

    def get_num_tokens(self, text: str) -> int:
        return len(self.load().tokenize(text.encode(), add_bos=False, special=False))

    def warm_up(self, system_prompt: str) -> bool:
        """Load the model and put the fixed system prompt in the KV cache: restored from
        ``state_dir`` when saved there before (returns True), else evaluated and saved."""
        llama = self.load()
        states = PrefixStates(Path(self.state_dir)) if self.state_dir else None
        with self._lock:
            key = states.key(self.model_path, self.n_ctx, system_prompt) if states else {}
            if states and states.restore(llama, key):
                return True
            llama.create_chat_completion(
                messages=[{"role": "system", "content": system_prompt},
                          {"role": "user", "content": "."}],
                max_tokens=1, temperature=0.0,
            )
            if states:
                states.save(llama, key)
        return False

    def _first_logits(self, messages: Sequence[BaseMessage]) -> np.ndarray:
        """The logits of the reply's first token; one token decoded."""
        llama = self.load()
        payload = [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        seen: list[np.ndarray] = []

        def watch(_: Any, scores: np.ndarray) -> np.ndarray:
            if not seen:
                seen.append(np.array(scores, dtype=np.float64))
            return scores

        with self._lock:
            llama.create_chat_completion(messages=payload, max_tokens=1, temperature=0.0,
                                         logits_processor=[watch])
        return seen[0]

    def _any_case(self, word: str) -> list[int]:
        return sorted({i for v in (word, word.capitalize()) for i in self._openings(v)})

    def choice_probs(self, messages: Sequence[BaseMessage],
                     choices: Sequence[str | Sequence[str]]) -> list[float]:
        """How likely the reply is to open with each of ``choices`` rather than another
        of them, from the first token's logits (any case, with or without a leading
        space); each choice may be several words, e.g. ("yes", "no") against "unknown"."""
        logits = self._first_logits(messages)
        found = [_probability(logits, self._words(c)) for c in choices]
        total = sum(found)
        return [p / total for p in found] if total > 0 else [1 / len(found)] * len(found)

    def _words(self, words: str | Sequence[str]) -> list[int]:
        group = (words,) if isinstance(words, str) else words
        return sorted({i for w in group for i in self._any_case(w)})

    def opening_prob(self, messages: Sequence[BaseMessage], word: str) -> float:
        """P(the reply opens with ``word``), from the first token's logits."""
        return _probability(self._first_logits(messages), self._any_case(word))

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        llama = self.load()
        payload = [{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages]
        deadline = time.monotonic() + self.timeout_s
        said = False
        first: list[np.ndarray] = []

        def watch(_: Any, scores: np.ndarray) -> np.ndarray:
            if not first:
                first.append(np.array(scores, dtype=np.float64))
                scores[self._banned_ids] = -np.inf
            return scores

        # One generation at a time: the model and its KV cache are shared.
        with self._lock:
            for part in llama.create_chat_completion(
                messages=payload, max_tokens=kwargs.get("max_tokens", self.max_tokens),
                temperature=self.temperature, stop=stop, stream=True,
                logits_processor=[watch] if self._sentinel_ids or self._banned_ids else None,
            ):
                text = part["choices"][0]["delta"].get("content") or ""
                if text:
                    meta = {}
                    if not said and first:
                        meta["sentinel_prob"] = _probability(first[0], self._sentinel_ids)
                    said = True
                    chunk = ChatGenerationChunk(
                        message=AIMessageChunk(content=text, response_metadata=meta))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk
                if time.monotonic() > deadline:
                    raise TimeoutError(f"local model exceeded {self.timeout_s:.0f}s")
        if not said:
            # An empty answer is an answer (the chain judges it), not a stream error.
            meta = {"sentinel_prob": _probability(first[0], self._sentinel_ids)} if first else {}
            yield ChatGenerationChunk(message=AIMessageChunk(content="", response_metadata=meta))

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))


def _probability(logits: np.ndarray, ids: list[int]) -> float:
    top = logits.max()
    weights = np.exp(logits - top)
    return float(weights[ids].sum() / weights.sum())


def _deadline_chat_openai() -> type[BaseChatModel]:
    """``ChatOpenAI`` whose stream gives up once ``deadline_s`` is spent.

    httpx's timeout bounds each read, not the answer: a server trickling one token just
    within it would keep the reader waiting indefinitely. Built on first use so the
    import of ``langchain-openai`` stays lazy.
    """
    from langchain_openai import ChatOpenAI

    class DeadlineChatOpenAI(ChatOpenAI):
        deadline_s: float = 60.0

        def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                    run_manager: CallbackManagerForLLMRun | None = None,
                    **kwargs: Any) -> Iterator[ChatGenerationChunk]:
            deadline = time.monotonic() + self.deadline_s
            # Closing the inner generator (when this one raises) closes the response.
            stream = super()._stream(messages, stop, run_manager, **kwargs)
            try:
                for chunk in stream:
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"answer server exceeded {self.deadline_s:.0f}s")
                    yield chunk
            finally:
                close = getattr(stream, "close", None)
                if close:
                    close()

    return DeadlineChatOpenAI


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model the settings ask for, or None for extractive answers.

    Raises ``CitebotError`` when the model cannot be had; the caller falls back.
    """
    if settings.llm == "none":
        return None
    if settings.llm == "openai":
        if not settings.openai_model:
            raise CitebotError("CITEBOT_OPENAI_MODEL must name the model to use.")
        return _deadline_chat_openai()(
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            model=settings.openai_model,
            temperature=0.0,
            max_completion_tokens=settings.llm_max_tokens,
            timeout=settings.llm_timeout_s,
            deadline_s=settings.llm_timeout_s,
            # A retry would double the wait the timeout promises; the chain quotes instead.
            max_retries=0,
        )
    root = check_model(settings.models_root, QWEN_CODER_1_5B)
    return LocalChatModel(
        model_path=str(root / QWEN_CODER_1_5B.main_file),
        n_threads=settings.llm_threads,
        n_ctx=settings.llm_context,
        max_tokens=settings.llm_max_tokens,
        timeout_s=settings.llm_timeout_s,
        sentinel=SENTINEL,
        banned_openings=["[", "[["],
        state_dir=str(settings.llm_state_dir) if settings.llm_state_cache else None,
    )
