"""Query-time retrieval over a ``SentenceIndex``."""

from __future__ import annotations

import time

from index.embedder import Embedder
from index.store import SentenceIndex
from index.types import Hit


class Retriever:
    """Embeds a query and returns the closest sentences, best first."""

    def __init__(self, index: SentenceIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder
        self.last_embed_ms = 0.0

    def search(self, query: str, k: int) -> list[Hit]:
        started = time.perf_counter()
        vec = self.embedder.embed_query(query)
        self.last_embed_ms = (time.perf_counter() - started) * 1000
        return self.index.search(vec, k)
