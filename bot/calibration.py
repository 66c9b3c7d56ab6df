"""The answerability decision, calibrated on public QA data rather than picked by hand.

``bench/calibrate.py`` measures, for each embedding model, the top retrieval score of
questions asked against their own article (answerable) and against another article
(unanswerable), in the same language and across languages, and stores the threshold
that best separates the two in ``bot/calibration.json``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CALIBRATION_FILE = Path(__file__).with_name("calibration.json")


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

    def for_pair(self, question_lang: str, article_lang: str, gate: bool = False) -> float:
        same = question_lang == article_lang
        if gate:
            return self.gate_same_language if same else self.gate_cross_language
        return self.same_language if same else self.cross_language


# Only for models nobody calibrated: low enough to answer, a warning says to calibrate.
UNCALIBRATED = Thresholds(same_language=0.3, cross_language=0.25, claim_bar=0.25,
                          name_bar=0.5, gate_same_language=0.25, gate_cross_language=0.2)


def load_thresholds(model_id: str, path: Path = CALIBRATION_FILE) -> Thresholds:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))["models"][model_id]
        return Thresholds(
            float(entry["same_language"]), float(entry["cross_language"]),
            claim_bar=float(entry["claim_bar"]), name_bar=float(entry["name_bar"]),
            gate_same_language=float(entry["gate_same_language"]),
            gate_cross_language=float(entry["gate_cross_language"]),
        )
    except (OSError, KeyError, ValueError, TypeError):
        log.warning(
            "no answerability calibration for %s; run bench/calibrate.py (using %s)",
            model_id, UNCALIBRATED,
        )
        return UNCALIBRATED
