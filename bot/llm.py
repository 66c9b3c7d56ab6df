"""Chat models for the answer step, all LangChain ``BaseChatModel``s.

- ``local``: a GGUF model through llama-cpp-python (``LocalChatModel`` below), loaded
  once and kept. Its system prompt is fixed and comes first, so llama.cpp's prefix
  matching reuses the KV cache for it on every question.
- ``openai``: any OpenAI-compatible server through ``langchain-openai``.
- ``none``: no model; the chain quotes the article instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from pydantic import PrivateAttr

from bot.settings import Settings
from index.errors import CitebotError
from index.models import QWEN_CODER_1_5B, check_model

log = logging.getLogger(__name__)

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


class LocalChatModel(BaseChatModel):
    """A llama.cpp GGUF chat model, loaded lazily and kept for the process's life."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None
    n_batch: int = 512
    max_tokens: int = 160
    temperature: float = 0.0
    timeout_s: float = 60.0

    _llama: Any = PrivateAttr(default=None)
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
                self._llama = Llama(
                    model_path=self.model_path, n_ctx=self.n_ctx, n_threads=threads,
                    n_threads_batch=threads, n_batch=self.n_batch, verbose=False,
                )
            return self._llama

    def warm_up(self, system_prompt: str) -> None:
        """Load the model and evaluate the fixed system prompt into the KV cache."""
        llama = self.load()
        with self._lock:
            llama.create_chat_completion(
                messages=[{"role": "system", "content": system_prompt},
                          {"role": "user", "content": "."}],
                max_tokens=1, temperature=0.0,
            )

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
        # One generation at a time: the model and its KV cache are shared.
        with self._lock:
            for part in llama.create_chat_completion(
                messages=payload, max_tokens=kwargs.get("max_tokens", self.max_tokens),
                temperature=self.temperature, stop=stop, stream=True,
            ):
                text = part["choices"][0]["delta"].get("content") or ""
                if text:
                    said = True
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                    if run_manager:
                        run_manager.on_llm_new_token(text, chunk=chunk)
                    yield chunk
                if time.monotonic() > deadline:
                    raise TimeoutError(f"local model exceeded {self.timeout_s:.0f}s")
        if not said:
            # An empty answer is an answer (the chain judges it), not a stream error.
            yield ChatGenerationChunk(message=AIMessageChunk(content=""))

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return generate_from_stream(self._stream(messages, stop, run_manager, **kwargs))


def make_chat_model(settings: Settings) -> BaseChatModel | None:
    """The chat model the settings ask for, or None for extractive answers.

    Raises ``CitebotError`` when the model cannot be had; the caller falls back.
    """
    if settings.llm == "none":
        return None
    if settings.llm == "openai":
        from langchain_openai import ChatOpenAI

        if not settings.openai_model:
            raise CitebotError("CITEBOT_OPENAI_MODEL must name the model to use.")
        return ChatOpenAI(
            base_url=settings.openai_base_url,
            api_key=settings.openai_api_key,
            model=settings.openai_model,
            temperature=0.0,
            max_completion_tokens=settings.llm_max_tokens,
            timeout=settings.llm_timeout_s,
            max_retries=1,
        )
    root = check_model(settings.models_root, QWEN_CODER_1_5B)
    return LocalChatModel(
        model_path=str(root / QWEN_CODER_1_5B.main_file),
        n_threads=settings.llm_threads,
        n_ctx=settings.llm_context,
        max_tokens=settings.llm_max_tokens,
        timeout_s=settings.llm_timeout_s,
    )
