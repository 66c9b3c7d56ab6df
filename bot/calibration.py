"""The answerability decision, calibrated on public QA data rather than picked by hand.

``bench/calibrate.py`` measures, for each embedding model, the top retrieval score of
questions asked against their own article (answerable) and against another article
(unanswerable), in the same language and across languages, and stores the threshold
that best separates the two in ``bot/calibration.json``.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

log = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


@dataclass(frozen=True)
class DeclineModel:
    """Whether to answer, from retrieval and the answer model together.

    A logistic model over the best retrieval score, the logit of the model's
    probability of opening with the "not in the article" sentinel, and whether the
    question and the article differ in language; fitted by ``bench/calibrate.py
    --decline`` on PIAF and xling paragraphs with the answer's sentence taken out (near
    misses) or kept (answerable). Neither signal alone separates near misses well: a
    topical sentence scores high, and the model's own yes/no is a coin flip at 0.5.
    """

    weights: tuple[float, float, float]
    bias: float
    threshold: float

    def margin(self, score: float, sentinel_prob: float, cross_language: bool) -> float:
        p = min(max(sentinel_prob, 1e-6), 1 - 1e-6)
        x = (score, math.log(p / (1 - p)), float(cross_language))
        return sum(w * v for w, v in zip(self.weights, x, strict=True)) + self.bias - self.threshold

    def answers(self, score: float, sentinel_prob: float, cross_language: bool) -> bool:
        return self.margin(score, sentinel_prob, cross_language) >= 0


@dataclass(frozen=True)
class CorpusThresholds:
    """The bars for an index of at least ``min_articles`` articles (``bench/
    calibrate_corpus.py``): there an unanswerable question still finds the closest of
    thousands of sentences from other articles, which scores higher than the best
    sentence of one unrelated article."""

    same_language: float
    cross_language: float
    min_articles: int


@dataclass(frozen=True)
class Thresholds:
    """Similarity bars, all measured by ``bench/calibrate.py``.

    ``same_language``/``cross_language``: the best score a question needs to be deemed
    answered by the article. ``claim_bar``: how close an answer claim must be to the
    sentence it cites (at least as close as an answerable question is to its article).
    ``name_bar``: the stronger bar for a claim that names something the article never
    mentions (the mean score of answerable questions); also how sure retrieval must be
    to overrule the answer model's "not in the article". ``gate_*``: the lower,
    recall-first bars used when an answer model judges the sentences afterwards.
    """

    same_language: float
    cross_language: float
    claim_bar: float = 0.0
    name_bar: float = 0.0
    gate_same_language: float = 0.0
    gate_cross_language: float = 0.0
    decline: DeclineModel | None = None  # None: the model's sampled reply decides alone
    # The support judge's P(yes) a verified model answer needs (bench/calibrate.py
    # --judge); None: no judge.
    judge: float | None = None
    corpus: CorpusThresholds | None = None
    # For each kind of fact ("number", "date", …), the answer model's P(NONE) above
    # which a sentence does not give it (bench/calibrate_probe.py); empty: no probe.
    probe: Mapping[str, float] = field(default_factory=dict)
    # The question-answer cosine under which a verified answer is about something else
    # (bench/calibrate.py --relevance); None: not checked.
    relevance: float | None = None
    # How far under the best retrieval score the sentences a verified answer cites may
    # be before retrieval's best sentence is preferred to the model's pick
    # (bench/calibrate.py --relevance); None: the model's pick stands.
    rank_gap: float | None = None
    # Whether an answer citing sentences that write every name the question does is
    # spared the rank gap (fitted with it): "What is al-Shaibani's job?" is answered by
    # the sentence naming him as minister, ranked under one where he speaks.
    rank_gap_spares_named: bool = False
    # The answer model's P(yes or no, not "unknown") a sentence needs to be quoted for a
    # yes-or-no question (bench/calibrate_polar.py); None: not asked.
    polar: float | None = None
    # How many times likelier than "no" the model must find "yes" (and "no" than "yes")
    # in the sentence quoted for a yes-or-no question for the answer to say it
    # (bench/calibrate_polar.py); None: never said, the quote alone answers.
    polar_yes: float | None = None
    polar_no: float | None = None

    def for_corpus(self, articles: int) -> Thresholds:
        """These thresholds for an index of ``articles`` articles: the answer bars of a
        large index, and the gates before a model at those same bars (the claim and name
        bars compare a claim with its sentence, whatever the index).

        A gate below the answer bar counts on the model to turn away near misses. With
        one article in its prompt it partly does (the calibrated decline); shown a large
        index's retrieved sentences it answered 97-100 % of PIAF and xling questions and
        refused 17-40 % of their unanswerable variants, against 77-95 % for quoting
        (``bench.quality``, 30 questions a group)."""
        c = self.corpus
        if c is None or articles < c.min_articles:
            return self
        same = max(self.same_language, c.same_language)
        cross = max(self.cross_language, c.cross_language)
        return replace(self, same_language=same, cross_language=cross,
                       gate_same_language=same, gate_cross_language=cross)

    def for_pair(self, question_lang: str, article_lang: str, gate: bool = False) -> float:
        same = question_lang == article_lang
        if gate:
            return self.gate_same_language if same else self.gate_cross_language
        return self.same_language if same else self.cross_language


def _decline(entry: dict[str, object] | None) -> DeclineModel | None:
    if not entry:
        return None
    w = [float(x) for x in entry["weights"]]  # type: ignore[attr-defined]
    return DeclineModel((w[0], w[1], w[2]), float(entry["bias"]),  # type: ignore[arg-type]
                        float(entry["threshold"]))  # type: ignore[arg-type]


def _corpus(entry: dict[str, object] | None) -> CorpusThresholds | None:
    if not entry:
        return None
    return CorpusThresholds(float(entry["same_language"]),  # type: ignore[arg-type]
                            float(entry["cross_language"]),  # type: ignore[arg-type]
                            int(entry["min_articles"]))  # type: ignore[call-overload]


def _claim_bar(entry: dict[str, object]) -> float:
    """The stricter of the question-level bar and the one fitted on the answer model's
    verified claims (``bench/calibrate.py --relevance``), when there is one."""
    bar = float(entry["claim_bar"])  # type: ignore[arg-type]
    fitted = (entry.get("relevance") or {}).get("claim_bar")  # type: ignore[attr-defined]
    return max(bar, float(fitted["threshold"])) if fitted else bar


def _rank_gap(entry: dict[str, object]) -> float | None:
    fitted = (entry.get("relevance") or {}).get("rank_gap")  # type: ignore[attr-defined]
    # A fit that found the rule mends no more answers than it breaks stores no threshold.
    return float(fitted["threshold"]) if fitted and fitted.get("threshold") is not None \
        else None


# Only for models nobody calibrated: low enough to answer, a warning says to calibrate.
UNCALIBRATED = Thresholds(same_language=0.3, cross_language=0.25, claim_bar=0.25,
                          name_bar=0.5, gate_same_language=0.25, gate_cross_language=0.2)


def _polar_ratio(entry: dict[str, object], key: str) -> float | None:
    polar = entry.get("polar")
    ratio = polar.get(key) if isinstance(polar, dict) else None
    return float(ratio) if ratio is not None else None


def calibration_key(model_id: str, variant: str = "") -> str:
    """Where a model's thresholds live: per variant (backend and precision shift the
    similarity scores a little), e.g. ``embeddinggemma-300m@onnx-int8``."""
    return f"{model_id}@{variant}" if variant else model_id


def load_thresholds(model_id: str, variant: str = "", *,
                    path: Path = CALIBRATION_FILE) -> Thresholds:
    """The variant's calibration, else the model's (calibrated on torch fp32)."""
    try:
        models = json.loads(path.read_text(encoding="utf-8"))["models"]
        key = calibration_key(model_id, variant)
        if key not in models:
            log.info("no calibration for %s: using %s's", key, model_id)
            key = model_id
        entry = models[key]
        return Thresholds(
            float(entry["same_language"]), float(entry["cross_language"]),
            claim_bar=_claim_bar(entry), name_bar=float(entry["name_bar"]),
            gate_same_language=float(entry["gate_same_language"]),
            gate_cross_language=float(entry["gate_cross_language"]),
            decline=_decline(entry.get("decline")),
            judge=float(entry["judge"]["threshold"]) if entry.get("judge") else None,
            corpus=_corpus(entry.get("corpus")),
            probe={k: float(v) for k, v in entry.get("probe", {}).get("bars", {}).items()},
            relevance=(float(entry["relevance"]["threshold"]) if entry.get("relevance")
                       else None),
            rank_gap=_rank_gap(entry),
            rank_gap_spares_named=bool(
                ((entry.get("relevance") or {}).get("rank_gap") or {}).get("exempt_named")),
            polar=float(entry["polar"]["threshold"]) if entry.get("polar") else None,
            polar_yes=_polar_ratio(entry, "yes_ratio"),
            polar_no=_polar_ratio(entry, "no_ratio"),
        )
    except (OSError, KeyError, ValueError, TypeError):
        log.warning(
            "no answerability calibration for %s; run bench/calibrate.py (using %s)",
            model_id, UNCALIBRATED,
        )
        return UNCALIBRATED
