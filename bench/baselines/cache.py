"""Document embeddings cached on disk per text, so re-running a benchmark is cheap.

Each model (and backend) has a folder of shards: ``<shard>.npy`` (vectors, loaded with
``allow_pickle=False``) and ``<shard>.json`` (the key of each row, and how long the
shard took to embed, so a rerun can still report the model's sentences per second).
A key is the sha256 of the document prompt and the text: a sample that overlaps an
earlier one only embeds what is new.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from index.embedder import TITLE_FIELD, Embedder, Progress, titled, variant_of


def backend_of(embedder: object) -> str:
    """The inference backend an embedder reports (torch when it says nothing)."""
    return str(getattr(embedder, "backend", None) or "torch")


class CachedEmbedder:
    """An ``Embedder`` that serves document vectors from disk and embeds only the new ones.

    Queries are never cached here: their latency is part of what the benchmark measures.
    """

    def __init__(self, inner: Embedder, folder: Path, backend: str | None = None) -> None:
        self.inner = inner
        self.backend = backend or backend_of(inner)
        # The variant (backend and precision) when the embedder tells it: int8 and fp32
        # vectors of one backend differ and must not be served for each other.
        slug = re.sub(r"[^\w.-]+", "_", f"{inner.model_id}@{variant_of(inner) or self.backend}")
        self.folder = folder / slug
        self.folder.mkdir(parents=True, exist_ok=True)
        self._rows: dict[str, np.ndarray] = {}
        self.history_texts = 0
        self.history_seconds = 0.0
        for meta_path in sorted(self.folder.glob("*.json")):
            vec_path = meta_path.with_suffix(".npy")
            if not vec_path.exists():
                continue
            meta = json.loads(meta_path.read_text())
            vecs = np.load(vec_path, allow_pickle=False)
            if len(vecs) != len(meta["keys"]):
                continue  # a shard cut short by a killed run
            self._rows.update(zip(meta["keys"], vecs, strict=True))
            self.history_texts += int(meta["count"])
            self.history_seconds += float(meta["seconds"])
        self.fresh_texts = 0
        self.fresh_seconds = 0.0
        self.cached_texts = 0

    # -- the Embedder protocol, delegated ------------------------------------------------
    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def variant(self) -> str:
        # The product reads it (thresholds are calibrated per variant; the index
        # manifest records it).
        return variant_of(self.inner)

    @property
    def query_prompt(self) -> str:
        return self.inner.query_prompt

    @property
    def document_prompt(self) -> str:
        return self.inner.document_prompt

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def _key(self, text: str, title: str | None) -> str:
        prompt = titled(self.document_prompt, title)
        if title is not None and TITLE_FIELD in self.document_prompt:
            # The whole embedded string, prompt and title included.
            return hashlib.sha256(f"\0{prompt}{text}".encode()).hexdigest()[:32]
        return hashlib.sha256(f"{prompt}\0{text}".encode()).hexdigest()[:32]

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None,
                        titles: Sequence[str] | None = None) -> np.ndarray:
        keys = [self._key(t, titles[i] if titles else None) for i, t in enumerate(texts)]
        missing = sorted({k: i for i, k in enumerate(keys) if k not in self._rows}.values())
        hits = len(texts) - len(missing)
        self.cached_texts += hits
        if progress and hits:
            progress(hits)
        if missing:
            # Shards of a few hundred texts: a killed run keeps what it finished.
            for start in range(0, len(missing), 512):
                part = missing[start : start + 512]
                began = time.perf_counter()
                vecs = (self.inner.embed_documents([texts[i] for i in part], progress=progress)
                        if titles is None else self.inner.embed_documents(
                            [texts[i] for i in part], progress=progress,
                            titles=[titles[i] for i in part]))
                seconds = time.perf_counter() - began
                self._save([keys[i] for i in part], vecs, seconds)
                self.fresh_texts += len(part)
                self.fresh_seconds += seconds
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([self._rows[k] for k in keys]).astype(np.float32, copy=False)

    def _save(self, keys: list[str], vecs: np.ndarray, seconds: float) -> None:
        name = f"{time.time_ns()}-{len(keys)}"
        np.save(self.folder / f"{name}.npy", np.asarray(vecs, dtype=np.float32),
                allow_pickle=False)
        meta = {"keys": keys, "count": len(keys), "seconds": round(seconds, 3),
                "model": self.model_id, "backend": self.backend}
        # The .json last: a shard without it is ignored.
        (self.folder / f"{name}.json").write_text(json.dumps(meta))
        self._rows.update(zip(keys, np.asarray(vecs, dtype=np.float32), strict=True))
        self.history_texts += len(keys)
        self.history_seconds += seconds

    def texts_per_second(self) -> tuple[float, bool]:
        """Embedding rate, and whether it was measured in this run (else from the cache)."""
        if self.fresh_texts:
            return self.fresh_texts / max(self.fresh_seconds, 1e-9), True
        if self.history_texts:
            return self.history_texts / max(self.history_seconds, 1e-9), False
        return 0.0, False
