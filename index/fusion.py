"""Reciprocal rank fusion: merge rankings by rank alone, so scores on different scales
(cosine, BM25) need no normalisation (Cormack, Clarke & Büttcher, SIGIR 2009)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import TypeVar

K = TypeVar("K", bound=Hashable)

# The constant from the paper: it damps the weight of the very first ranks.
RRF_K = 60


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[K]], k: int = RRF_K, weights: Sequence[float] | None = None
) -> list[tuple[K, float]]:
    """Items of all ``rankings`` (best first), scored by ``sum(w / (k + rank))``, best first.

    Ties keep the order in which items were first seen, earlier rankings first.
    """
    weights = weights or [1.0] * len(rankings)
    fused: dict[K, float] = {}
    for ranking, w in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + w / (k + rank)
    return sorted(fused.items(), key=lambda kv: -kv[1])
