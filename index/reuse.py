"""Vectors an index build need not compute again: the previous index's and a checkpoint's.

A sentence's vector depends only on its text (and its article's title, for a document
prompt with a title field) and on how it was embedded (model, document prompt, backend
variant, dimension): the ``EmbeddingKey``. A build looks each sentence up
by the sha256 of its text, first among the vectors it already has, and embeds only the
rest. So adding an article embeds only its sentences, and a build interrupted halfway
resumes from its checkpoint: every embedded batch is saved as it is made, in
``<index>.checkpoint/`` (``.npy`` vectors, never pickle, plus the text digests, written
last so a half-written batch is simply not there), and removed when the build succeeds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

KEY_FILE = "key.json"


@dataclass(frozen=True)
class EmbeddingKey:
    """What a document vector depends on besides its text."""

    model_id: str
    document_prompt: str
    variant: str
    dimension: int

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


def text_digest(text: str, title: str | None = None) -> bytes:
    """What a vector is looked up by: its text, and its article's title when the document
    prompt embeds it (a renamed article is then embedded anew)."""
    keyed = text if title is None else f"{title}\0{text}"
    return hashlib.sha256(keyed.encode("utf-8")).digest()[:16]


class Checkpoint:
    """Batches of freshly embedded vectors, saved as they are made."""

    def __init__(self, folder: Path, key: EmbeddingKey) -> None:
        self.folder = folder
        self._rows: dict[bytes, tuple[int, int]] = {}  # digest -> (chunk, row)
        self._chunks: list[np.ndarray] = []
        try:
            saved = json.loads((folder / KEY_FILE).read_text())
        except (OSError, ValueError):
            saved = None
        if saved != key.digest():
            # Vectors from another model or variant are of no use: start afresh.
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True, mode=0o700)
            (folder / KEY_FILE).write_text(json.dumps(key.digest()))
            return
        for keys in sorted(folder.glob("*.keys")):
            try:
                vectors = np.load(keys.with_suffix(".npy"), mmap_mode="r", allow_pickle=False)
                digests = bytes.fromhex(keys.read_text())
            except (OSError, ValueError) as e:
                log.warning("ignoring damaged checkpoint batch %s: %s", keys.name, e)
                continue
            if len(digests) != 16 * len(vectors) or vectors.ndim != 2 or (
                    vectors.shape[1] != key.dimension):
                log.warning("ignoring inconsistent checkpoint batch %s", keys.name)
                continue
            self._add_chunk(digests, vectors)
        if self._rows:
            log.info("resuming an index build: %d vectors already embedded", len(self._rows))

    def __len__(self) -> int:
        return len(self._rows)

    def _add_chunk(self, digests: bytes, vectors: np.ndarray) -> None:
        chunk = len(self._chunks)
        self._chunks.append(vectors)
        for row in range(len(vectors)):
            self._rows[digests[16 * row : 16 * (row + 1)]] = (chunk, row)

    def get(self, digest: bytes) -> np.ndarray | None:
        found = self._rows.get(digest)
        return None if found is None else np.asarray(self._chunks[found[0]][found[1]])

    def save(self, digests: Sequence[bytes], vectors: np.ndarray) -> None:
        name = f"{len(self._chunks):06d}"
        tmp = self.folder / f".{name}.npy"
        with tmp.open("wb") as f:
            np.save(f, vectors, allow_pickle=False)
        os.replace(tmp, self.folder / f"{name}.npy")
        # The digests go last: they are what marks the batch as complete.
        tmp_keys = self.folder / f".{name}.keys"
        tmp_keys.write_text(b"".join(digests).hex())
        os.replace(tmp_keys, self.folder / f"{name}.keys")
        self._add_chunk(b"".join(digests), np.load(self.folder / f"{name}.npy", mmap_mode="r"))

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PreviousVectors:
    """The vectors of the index being replaced, by text digest, when embedded alike."""

    def __init__(self, digests: Sequence[bytes], faiss_index: object) -> None:
        self._rows = {d: row for row, d in enumerate(digests)}
        self._faiss = faiss_index

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, digest: bytes) -> np.ndarray | None:
        row = self._rows.get(digest)
        if row is None:
            return None
        return self._faiss.reconstruct(row)  # type: ignore[attr-defined,no-any-return]
