"""Query-time retrieval over a ``SentenceIndex``: dense, or hybrid dense + BM25.

Hybrid merges the dense and the BM25 rankings with reciprocal rank fusion; each hit
keeps its cosine similarity as ``score`` (the answerability thresholds are calibrated
on cosine), only the order comes from the fusion. ``bench/quality.py`` measures both.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Literal

import numpy as np

from index.embedder import Embedder
from index.fusion import reciprocal_rank_fusion
from index.lexical import LexicalIndex
from index.store import SentenceIndex
from index.types import Hit, Sentence

RetrievalMode = Literal["dense", "hybrid"]

# Each ranking contributes this many candidates to the fusion: enough for a sentence
# that one ranking misses entirely to surface from the other.
FUSION_CANDIDATES = 50


class Retriever:
    """Embeds a query and returns the closest sentences, best first."""

    def __init__(
        self,
        index: SentenceIndex,
        embedder: Embedder,
        lexical: LexicalIndex | None = None,
        candidates: int = FUSION_CANDIDATES,
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.lexical = lexical
        self.candidates = candidates
        self.last_embed_ms = 0.0

    @property
    def mode(self) -> RetrievalMode:
        return "dense" if self.lexical is None else "hybrid"

    # Overridable seams: the benchmark filters candidates here to ask questions of an
    # index without their source article.
    def dense_candidates(self, vec: np.ndarray, n: int) -> list[Hit]:
        return self.index.search(vec, n)

    def lexical_candidates(self, query: str, n: int) -> list[Sentence]:
        assert self.lexical is not None
        return [self.index.sentences[r] for r in self.lexical.top(query, n)]

    def search(self, query: str | Sequence[str], k: int) -> list[Hit]:
        """The ``k`` closest sentences to ``query``, or to several queries averaged.

        Several queries (a follow-up joined to the question it follows, and the
        follow-up alone) rank by their mean vector, so each pulls the ranking its way.
        Each hit is scored by the closer of that mean and the first query, the
        standalone form the answerability thresholds were calibrated on: averaging
        must reorder what is found, not push what was found under the thresholds.
        """
        queries = (query,) if isinstance(query, str) else tuple(query)
        if not queries:
            raise ValueError("search needs at least one query")
        started = time.perf_counter()
        vecs = [np.asarray(self.embedder.embed_query(q), dtype=np.float32) for q in queries]
        self.last_embed_ms = (time.perf_counter() - started) * 1000
        if len(vecs) == 1:
            return self._search(vecs[0], queries[0], k)
        mean = np.mean(vecs, axis=0)
        hits = self._search(mean / max(float(np.linalg.norm(mean)), 1e-12), " ".join(queries), k)
        if not hits:
            return hits
        own = self.index.vectors([h.sentence.id for h in hits]) @ vecs[0]
        return [replace(h, score=max(h.score, float(s))) for h, s in zip(hits, own, strict=True)]

    def _search(self, vec: np.ndarray, text: str, k: int) -> list[Hit]:
        if self.lexical is None:
            return self.dense_candidates(vec, k)
        n = max(k, self.candidates)
        dense = self.dense_candidates(vec, n)
        lexical = self.lexical_candidates(text, n)
        cosine = {h.sentence.id: h.score for h in dense}
        missing = [s.id for s in lexical if s.id not in cosine]
        if missing:
            sims = self.index.vectors(missing) @ np.asarray(vec, dtype=np.float32)
            cosine.update(zip(missing, (float(x) for x in sims), strict=True))
        by_id = {h.sentence.id: h.sentence for h in dense} | {s.id: s for s in lexical}
        fused = reciprocal_rank_fusion([[h.sentence.id for h in dense], [s.id for s in lexical]])
        return [Hit(by_id[sid], cosine[sid], rank)
                for rank, (sid, _) in enumerate(fused[:k], start=1)]


def make_retriever(
    index: SentenceIndex, embedder: Embedder, mode: RetrievalMode = "dense"
) -> Retriever:
    """The retriever a setting names; hybrid builds its BM25 index from the sentences."""
    lexical = LexicalIndex([s.text for s in index.sentences]) if mode == "hybrid" else None
    return Retriever(index, embedder, lexical)
