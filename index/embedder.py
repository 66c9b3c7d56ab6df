"""Sentence embedders: the seam between retrieval and a concrete model.

``SentenceTransformerEmbedder`` (torch) and ``index.runtimes.RuntimeEmbedder`` (ONNX
Runtime, OpenVINO) are the real ones; tests pass a hand-written fake with the same
``Embedder`` protocol. Vectors are L2-normalised float32, so inner product is cosine.

What the real ones share lives in ``BatchedEmbedder``: texts sorted by length into
batches (padding is what a transformer spends most of a mixed batch on), Matryoshka
truncation, and a cache of query vectors for repeated questions.
"""

from __future__ import annotations

import logging
import os
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from index.variants import PRECISIONS

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)

Progress = Callable[[int], None]

# A document prompt holding this field takes each sentence's article title
# (EmbeddingGemma's "title: {title} | text: "): a sentence alone often does not say
# which of hundreds of articles it is about ("Il est mort en 1905.").
TITLE_FIELD = "{title}"
NO_TITLE = "none"  # EmbeddingGemma's word for a document without a title


def titled(prompt: str, title: str | None) -> str:
    """``prompt`` with its title field filled (white space folded, as in a heading)."""
    if TITLE_FIELD not in prompt:
        return prompt
    clean = " ".join((title or "").replace("_", " ").split()) or NO_TITLE
    return prompt.replace(TITLE_FIELD, clean)


class Embedder(Protocol):
    """What the index needs from an embedding model.

    An embedder may also have a ``variant`` string (backend, precision, dimension); the
    index records it so vectors from different variants are never mixed.
    """

    @property
    def model_id(self) -> str: ...

    @property
    def query_prompt(self) -> str: ...

    @property
    def document_prompt(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_documents(
        self, texts: Sequence[str], progress: Progress | None = None,
        titles: Sequence[str] | None = None,
    ) -> np.ndarray:
        """Document vectors; ``titles`` (one per text) fill a title field of the prompt."""
        ...

    def embed_query(self, text: str) -> np.ndarray: ...


def variant_of(embedder: Embedder) -> str:
    """The embedder's variant, or "" for one that does not tell (fakes, older code)."""
    return str(getattr(embedder, "variant", ""))


def normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def truncate(vectors: np.ndarray, dim: int | None) -> np.ndarray:
    """Matryoshka truncation: keep the first ``dim`` components and re-normalise."""
    if dim is None or dim >= vectors.shape[-1]:
        return np.asarray(vectors, dtype=np.float32)
    return normalise(vectors[..., :dim])


def length_batches(lengths: Sequence[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, longest first.

    Longest first makes a memory problem show up at once. Batches of 16 measured
    fastest on two cores (bench/speed.py): larger ones pad more and leave the cache.
    """
    order = sorted(range(len(lengths)), key=lambda i: lengths[i], reverse=True)
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


class BatchedEmbedder(ABC):
    """Length-bucketed batching, Matryoshka dimension and a query cache around a model.

    Subclasses load lazily and implement ``_encode_batch`` (normalised full-size vectors
    for texts that already carry their prompt) and ``native_dimension``.
    """

    backend: str = ""

    def __init__(
        self,
        *,
        model_id: str,
        query_prompt: str = "",
        document_prompt: str = "",
        batch_size: int = 16,
        dim: int | None = None,
        precision: str = "fp32",
        query_cache_size: int = 256,
    ) -> None:
        self._model_id = model_id
        self._query_prompt = query_prompt
        self._document_prompt = document_prompt
        self._batch_size = batch_size
        self._dim = dim
        self.precision = precision
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

    @property
    def variant(self) -> str:
        return f"{self.backend}-{self.precision}"

    @property
    def dimension(self) -> int:
        native = self.native_dimension
        return min(self._dim, native) if self._dim else native

    @property
    @abstractmethod
    def native_dimension(self) -> int: ...

    @abstractmethod
    def _encode_batch(self, texts: list[str]) -> np.ndarray: ...

    def _lengths(self, texts: Sequence[str]) -> list[int]:
        """What batches are sorted by: characters, a free proxy for tokens."""
        return [len(t) for t in texts]

    def _encode(self, texts: Sequence[str], prompts: Sequence[str],
                progress: Progress | None) -> np.ndarray:
        out: np.ndarray | None = None
        for rows in length_batches(self._lengths(texts), self._batch_size):
            vecs = truncate(self._encode_batch([prompts[i] + texts[i] for i in rows]),
                            self._dim)
            if out is None:
                out = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
            out[rows] = vecs
            if progress:
                progress(len(rows))
        if out is None:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return out

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None,
                        titles: Sequence[str] | None = None) -> np.ndarray:
        if titles is not None and len(titles) != len(texts):
            raise ValueError(f"{len(titles)} titles for {len(texts)} texts")
        prompts = [titled(self._document_prompt, titles[i] if titles else None)
                   for i in range(len(texts))]
        return self._encode(texts, prompts, progress)

    def embed_query(self, text: str) -> np.ndarray:
        hit = self._cache.get(text)
        if hit is not None:
            self._cache.move_to_end(text)
            return hit
        vec = self._encode([text], [self._query_prompt], None)[0]
        vec.setflags(write=False)  # shared by every caller that asks the same question
        self._cache[text] = vec
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return vec


class SentenceTransformerEmbedder(BatchedEmbedder):
    """A sentence-transformers model in torch, loaded lazily from a path or a hub id."""

    backend = "torch"

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
        precision: str = "fp32",
        dim: int | None = None,
    ) -> None:
        if precision not in PRECISIONS["torch"]:
            raise ValueError(f"torch embeddings support {PRECISIONS['torch']}, not {precision}")
        super().__init__(
            model_id=model_id or model, query_prompt=query_prompt,
            document_prompt=document_prompt, batch_size=batch_size, dim=dim,
            precision=precision, query_cache_size=query_cache_size,
        )
        self._model_ref = model
        self._threads = threads
        self._offline = offline
        self._model: SentenceTransformer | None = None

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
            log.info("loading embedding model %s (%s)", self._model_ref, self.precision)
            model = SentenceTransformer(self._model_ref, device="cpu")
            if self.precision == "bf16":
                model = model.to(torch.bfloat16)
            self._model = model
        return self._model

    @property
    def native_dimension(self) -> int:
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

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        import torch

        with torch.inference_mode():
            vecs: Any = self.load().encode(
                texts, batch_size=len(texts), convert_to_tensor=True,
                normalize_embeddings=True, show_progress_bar=False,
            )
        # bf16 vectors are cast up and re-normalised: the index stores float32.
        return normalise(vecs.float().numpy())
