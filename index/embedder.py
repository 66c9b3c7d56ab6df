"""Sentence embedders: the seam between retrieval and a concrete model.

``SentenceTransformerEmbedder`` is the real one; tests pass a hand-written fake with the
same ``Embedder`` protocol. Vectors are L2-normalised float32, so inner product is cosine.
"""

from __future__ import annotations

import logging
import os
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


class Embedder(Protocol):
    """What the index needs from an embedding model."""

    @property
    def model_id(self) -> str: ...

    @property
    def query_prompt(self) -> str: ...

    @property
    def document_prompt(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_documents(
        self, texts: Sequence[str], progress: Progress | None = None
    ) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded lazily, on first use, from a path or a hub id."""

    def __init__(
        self,
        model: str,
        *,
        model_id: str | None = None,
        query_prompt: str = "",
        document_prompt: str = "",
        batch_size: int = 16,
        threads: int | None = None,
        offline: bool = True,
        query_cache_size: int = 256,
    ) -> None:
        self._model_ref = model
        self._model_id = model_id or model
        self._query_prompt = query_prompt
        self._document_prompt = document_prompt
        self._batch_size = batch_size
        self._threads = threads
        self._offline = offline
        self._model: SentenceTransformer | None = None
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = query_cache_size

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def query_prompt(self) -> str:
        return self._query_prompt

    @property
    def document_prompt(self) -> str:
        return self._document_prompt

    def load(self) -> SentenceTransformer:
        if self._model is None:
            if self._offline:
                # Set before the import: huggingface_hub reads it once, at import time.
                os.environ["HF_HUB_OFFLINE"] = "1"
                os.environ["TRANSFORMERS_OFFLINE"] = "1"
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            # Its "Loading weights" bar would garble the chat and the JSON stream's stderr.
            transformers.utils.logging.disable_progress_bar()
            if self._threads:
                torch.set_num_threads(self._threads)
            log.info("loading embedding model %s", self._model_ref)
            self._model = SentenceTransformer(self._model_ref, device="cpu")
        return self._model

    @property
    def dimension(self) -> int:
        model = self.load()
        # Renamed in sentence-transformers 6; older releases only have the long name.
        getter = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        dim = getter()
        if dim is None:
            raise RuntimeError(f"model {self._model_ref} does not report its dimension")
        return int(dim)

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vecs = self.load().encode(
                list(texts), prompt=prompt, batch_size=self._batch_size,
                convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False,
            )
        return np.asarray(vecs, dtype=np.float32)

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        # Chunks of a few batches keep the progress bar moving on long builds.
        step = self._batch_size * 4
        parts = []
        for i in range(0, len(texts), step):
            parts.append(self._encode(texts[i : i + step], self._document_prompt))
            if progress:
                progress(len(parts[-1]))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(parts)

    def embed_query(self, text: str) -> np.ndarray:
        hit = self._cache.get(text)
        if hit is not None:
            self._cache.move_to_end(text)
            return hit
        vec = self._encode([text], self._query_prompt)[0]
        self._cache[text] = vec
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vec
