"""The extractive answerer: quote the best supporting sentence(s), no model needed."""

from __future__ import annotations

from collections.abc import Sequence

from bot.messages import message
from bot.types import Citation, Lang
from index.types import Hit

# A second sentence is quoted only when it scores nearly as well as the best one.
SECOND_SENTENCE_MARGIN = 0.03


def supporting_hits(hits: Sequence[Hit], threshold: float, max_citations: int) -> list[Hit]:
    """The hits worth quoting: above the threshold and close to the best."""
    if not hits or hits[0].score < threshold:
        return []
    best = hits[0].score
    return [
        h for h in hits[:max_citations] if h.score >= max(threshold, best - SECOND_SENTENCE_MARGIN)
    ]


def extractive_answer(support: Sequence[Hit], lang: Lang) -> tuple[str, list[Citation]]:
    """An answer that quotes ``support`` verbatim, in article order, each with its ``[n]``."""
    ordered = sorted(support, key=lambda h: (h.sentence.doc_id, h.sentence.n))
    citations = [Citation(n, h.sentence.id, h.sentence.text) for n, h in enumerate(ordered, 1)]
    quotes = " ".join(f"« {c.text} » [{c.n}]" for c in citations)
    return f"{message('extractive_intro', lang)} {quotes}", citations
