"""citebot's ``Embedder`` as a LangChain ``Embeddings``, so the tutorial pipeline uses the
very same model (and prompts, and vector cache) as citebot."""

from __future__ import annotations

from collections.abc import Callable

from langchain_core.embeddings import Embeddings

from index.embedder import Embedder


class LangChainEmbeddings(Embeddings):
    def __init__(self, embedder: Embedder, progress: Callable[[int, int], None] | None = None,
                 total: int = 0) -> None:
        self.embedder = embedder
        self._progress = progress
        self._total = total
        self._done = 0

    def _step(self, n: int) -> None:
        self._done += n
        if self._progress:
            self._progress(self._done, self._total)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed_documents(texts, progress=self._step).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embedder.embed_query(text).tolist()
