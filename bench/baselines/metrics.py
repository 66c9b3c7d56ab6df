"""Scoring one system's replies against gold spans (SQuAD-style normalisation).

- recall@k / MRR: rank of the first retrieved unit that overlaps a gold answer span
  (for sentence systems, a gold sentence; for the tutorial, a chunk holding the span).
- containment: a gold answer, normalised, appears in the normalised answer.
- token F1: the best SQuAD token F1 of the answer against the gold answers.
- citation precision: cited units that hold an answer / all cited units (answered only);
  citation recall: answerable questions with at least one cited unit holding an answer.
- answer rate on answerable questions, refusal rate on their unanswerable variants.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from bench.baselines.corpus import Question, Span
from bench.stats import percentile

_ARTICLES = re.compile(
    r"\b(?:le|la|les|l|un|une|des|du|de|d|the|a|an)\b", re.IGNORECASE
)
_MARKERS = re.compile(r"\[\d{1,3}\]")


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", _MARKERS.sub(" ", text)).lower()
    text = "".join(" " if unicodedata.category(c).startswith("P") else c for c in text)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def token_f1(prediction: str, gold: str) -> float:
    pred, ref = normalise(prediction).split(), normalise(gold).split()
    common = sum((Counter(pred) & Counter(ref)).values())
    if not common:
        return 0.0
    p, r = common / len(pred), common / len(ref)
    return 2 * p * r / (p + r)


def contains(answer: str, golds: tuple[str, ...]) -> bool:
    text = f" {normalise(answer)} "
    return any(f" {normalise(g)} " in text for g in golds if normalise(g))


@dataclass
class Reply:
    """What a system returned for one question."""

    ranked: list[Span]  # retrieval ranking, best first (at least 10 when available)
    answered: bool
    answer: str
    citations: list[Span]
    timings_ms: dict[str, float] = field(default_factory=dict)


def first_gold_rank(q: Question, ranked: list[Span]) -> int | None:
    return next((i for i, s in enumerate(ranked, start=1) if s.holds(q)), None)


@dataclass
class Tally:
    """Running totals for one (system, benchmark, question language) cell."""

    answerable: int = 0
    r1: int = 0
    r5: int = 0
    rr: float = 0.0
    answered: int = 0
    contained: int = 0
    f1: float = 0.0
    cited: int = 0
    cited_right: int = 0
    recalled: int = 0
    unanswerable: int = 0
    refused: int = 0
    timings: dict[str, list[float]] = field(default_factory=dict)

    def add_answerable(self, q: Question, reply: Reply) -> None:
        self.answerable += 1
        rank = first_gold_rank(q, reply.ranked)
        if rank is not None:
            self.r1 += rank == 1
            self.r5 += rank <= 5
            self.rr += 1 / rank if rank <= 10 else 0.0
        for stage, ms in reply.timings_ms.items():
            self.timings.setdefault(stage, []).append(ms)
        if not reply.answered:
            return
        self.answered += 1
        self.contained += contains(reply.answer, q.answers)
        self.f1 += max((token_f1(reply.answer, g) for g in q.answers), default=0.0)
        right = sum(c.holds(q) for c in reply.citations)
        self.cited += len(reply.citations)
        self.cited_right += right
        self.recalled += right > 0

    def add_unanswerable(self, reply: Reply) -> None:
        self.unanswerable += 1
        self.refused += not reply.answered

    def row(self) -> dict[str, float | int | None]:
        def ratio(a: float, b: int) -> float | None:
            return round(a / b, 3) if b else None

        out: dict[str, float | int | None] = {
            "questions": self.answerable,
            "recall@1": ratio(self.r1, self.answerable),
            "recall@5": ratio(self.r5, self.answerable),
            "mrr@10": ratio(self.rr, self.answerable),
            "answer_rate": ratio(self.answered, self.answerable),
            # Over all answerable questions: a refusal neither contains nor overlaps.
            "containment": ratio(self.contained, self.answerable),
            "token_f1": ratio(self.f1, self.answerable),
            "citation_precision": ratio(self.cited_right, self.cited),
            "citation_recall": ratio(self.recalled, self.answerable),
            "unanswerable": self.unanswerable,
            "refusal": ratio(self.refused, self.unanswerable),
        }
        for stage, values in sorted(self.timings.items()):
            out[f"{stage}_p50_ms"] = round(statistics.median(values), 1)
            out[f"{stage}_p95_ms"] = round(percentile(values, 0.95), 1)
        return out
