"""Calibrate the yes-or-no gate (``CitedQA._settling``): the bar on the answer model's
P(yes or no) against P(unknown) that a sentence needs to be quoted for a yes-or-no
question.

``bench/calibration/polar_piaf.jsonl``: 80 yes-or-no questions written by hand (half in
English) over 20 PIAF paragraphs, read from ``../shared/benchmarks`` and never copied:
50 settled by one sentence of their paragraph (25 yes, 25 no: the paragraph gives
another date, place or person) and 30 near misses on the paragraph's topic, naming its
people and places, that it does not settle. As the chain asks it, each question is put
to the sentence of its paragraph retrieval ranks first (and the second, when it scores
as close as the chain quotes two), each alone, and the likeliest one is quoted if it
clears the bar; the paragraph plays the article, in the system prefix as the chain
shows the article. The bar is fitted on the paragraphs of
even rank (best balanced accuracy: answerable questions quoted from their settling
sentence, near misses refused) and checked on the others.

The same prompt gives P(yes) and P(no) apart: the answer may open with "Yes." or "No."
when the model finds one a set number of times likelier than the other in the quoted
sentence. Each word's ratio is the lowest at which saying it is right (an answerable
question quoted from its settling sentence, whose answer it is) 95 % of the time on the
fitted half; it is stored only if the word is right as often on the other half.

    .venv/bin/python -m bench.calibrate_polar [--write]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from langchain_core.language_models.chat_models import BaseChatModel

from bench.calibrate import RESULTS, _auc, sentences_with_spans
from bench.datasets import DEFAULT_DIR, load_piaf
from bot.app import create_citebot
from bot.calibration import CALIBRATION_FILE, calibration_key
from bot.extractive import SECOND_SENTENCE_MARGIN
from bot.generate import Generator
from bot.probe import Probe
from bot.settings import Settings
from index.embedder import Embedder, variant_of
from index.types import Sentence

QUESTIONS = Path(__file__).with_name("calibration") / "polar_piaf.jsonl"


@dataclass(frozen=True)
class Case:
    question: str
    lang: str
    answer: str | None  # "yes", "no", or None: unanswerable
    fold: int  # 0: fitted on, 1: checked on
    # P(settles) of the top-ranked sentences, in retrieval order, and which of them is
    # the settling one (None: unanswerable, or retrieval missed it).
    probs: tuple[float, ...]
    settler: int | None
    # The model's P(yes) and P(no) for the same sentences.
    leans: tuple[tuple[float, float], ...] = ()

    @property
    def answerable(self) -> bool:
        return self.answer is not None

    def quoted(self, bar: float) -> int | None:
        """The sentence quoted at ``bar`` (as ``CitedQA._settling`` picks), if any."""
        best = int(np.argmax(self.probs))
        return best if self.probs[best] >= bar else None

    def right(self, bar: float) -> bool:
        quoted = self.quoted(bar)
        return quoted is None if not self.answerable else \
            quoted is not None and quoted == self.settler


def measure(model: BaseChatModel, embedder: Embedder, top_k: int, margin: float,
            progress: bool = True) -> list[Case]:
    """Each question asked of its paragraph's likeliest sentences, the paragraph playing
    the article in the product's layout (the whole text in the fixed system prefix)."""
    corpus = load_piaf(DEFAULT_DIR)
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    paragraphs = list(dict.fromkeys((r["article"], r["paragraph"]) for r in rows))
    cases = []
    started = time.perf_counter()
    for fold_rank, (aid, p) in enumerate(paragraphs):
        texts = [s for s, _, _ in sentences_with_spans(corpus.articles[aid][p])]
        article = [Sentence(f"{aid}:{n}", aid, n, p, text)
                   for n, text in enumerate(texts, start=1)]
        probe = Probe(model, Generator(model, article=article).system_text, {})
        vectors = embedder.embed_documents(texts)
        for r in (r for r in rows if (r["article"], r["paragraph"]) == (aid, p)):
            scores = vectors @ np.asarray(embedder.embed_query(r["question"]))
            ranked = [int(i) for i in np.argsort(-scores)[:top_k]]
            # As the chain quotes: a second sentence only when it scores close to the best.
            top = [i for i in ranked
                   if scores[i] >= scores[ranked[0]] - margin]
            settler = next((rank for rank, i in enumerate(top)
                            if r["settling"] and r["settling"] in texts[i]), None)
            settled = [probe.settles(r["question"], texts[i]) for i in top]
            cases.append(Case(r["question"], r["lang"],
                              r["answer"] if r["answerable"] else None,
                              fold_rank % 2, tuple(s.p_settles for s in settled if s), settler,
                              tuple((s.yes, s.no) for s in settled if s)))
            if progress:
                print(f"\r{len(cases)}/{len(rows)} questions, "
                      f"{time.perf_counter() - started:.0f} s", end="", flush=True)
    if progress:
        print()
    return cases


def report(cases: list[Case], bar: float) -> dict[str, float]:
    """AUC of the settling sentence's P against a near miss's best; answerable questions
    quoted from their settling sentence (all, and those answered yes or no), with the bar
    and without it; near misses refused."""
    answerable = [c for c in cases if c.answerable]
    unanswerable = [c for c in cases if not c.answerable]
    pos = np.array([c.probs[c.settler] for c in answerable if c.settler is not None])
    neg = np.array([max(c.probs) for c in unanswerable])

    def share(group: list[Case], at: float) -> float:
        return round(float(np.mean([c.right(at) for c in group])), 3) if group else float("nan")

    return {
        "auc": round(_auc(pos, neg), 3),
        "answered_right": share(answerable, bar),
        "answered_right_yes": share([c for c in answerable if c.answer == "yes"], bar),
        "answered_right_no": share([c for c in answerable if c.answer == "no"], bar),
        "answered_right_without_gate": share(answerable, 0.0),
        "refused": share(unanswerable, bar),
        "answerable": len(answerable), "unanswerable": len(unanswerable),
    }


def fit(cases: list[Case]) -> float:
    """The bar of best balanced accuracy on ``cases`` (the lowest of ties)."""
    def balanced(bar: float) -> float:
        a = [c.right(bar) for c in cases if c.answerable]
        u = [c.right(bar) for c in cases if not c.answerable]
        return (float(np.mean(a)) + float(np.mean(u))) / 2
    bars = sorted({0.0, *(p for c in cases for p in c.probs)})
    best = max(bars, key=lambda b: (balanced(b), -b))
    return float(best)


def _said(cases: list[Case], bar: float, word: str) -> list[tuple[float, bool]]:
    """For each question quoted at ``bar``: how many times likelier the model finds
    ``word`` than the other in the quoted sentence, and whether saying it would be right
    (an answerable question quoted from its settling sentence, whose answer it is)."""
    said = []
    for c in cases:
        quoted = c.quoted(bar)
        if quoted is None or not c.leans:
            continue
        yes, no = c.leans[quoted]
        mine, other = (yes, no) if word == "yes" else (no, yes)
        if mine > 0:
            ratio = mine / other if other > 0 else float("inf")
            said.append((ratio, c.answer == word and quoted == c.settler))
    return said


def fit_ratio(cases: list[Case], bar: float, word: str, precision: float,
              least: int = 3) -> float | None:
    """The lowest ratio at which saying ``word`` is right at least ``precision`` of the
    time over ``least`` questions or more; None if no ratio is (the word is never said)."""
    said = _said(cases, bar, word)
    for ratio in sorted({r for r, _ in said if 1 <= r < float("inf")}):
        chosen = [right for r, right in said if r >= ratio]
        if len(chosen) >= least and float(np.mean(chosen)) >= precision:
            return float(ratio)
    return None


def report_words(cases: list[Case], bar: float, ratios: dict[str, float | None]
                 ) -> dict[str, int]:
    """How often each word is said at the fitted ratios, and how often rightly; of the
    answerable questions quoted from their settling sentence, how many get their word."""
    out: dict[str, int] = {}
    for word, ratio in ratios.items():
        said = [right for r, right in _said(cases, bar, word)
                if ratio is not None and r >= ratio]
        out[f"{word}_said"], out[f"{word}_right"] = len(said), int(sum(said))
    out["quoted_right"] = sum(c.answerable and c.quoted(bar) == c.settler for c in cases)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top-k", type=int, default=2,
                        help="sentences asked per question (the chain's max_citations)")
    parser.add_argument("--margin", type=float, default=SECOND_SENTENCE_MARGIN,
                        help="how close to the best a second sentence must score to be "
                             "asked (the chain's)")
    parser.add_argument("--precision", type=float, default=0.95,
                        help="how often a yes or no said must be right on the fitted half")
    parser.add_argument("--write", action="store_true", help="store the bar")
    args = parser.parse_args()
    base = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        settings = base.model_copy(update={"data_dir": Path(tmp), "llm": "local",
                                           "models_dir": base.models_root})
        bot = create_citebot(settings)
        generator = bot.qa.generator
        if generator is None:
            raise SystemExit("the local answer model is not available")
        embedder = bot.qa.retriever.embedder
        started = time.perf_counter()
        cases = measure(generator.model, embedder, args.top_k, args.margin)
        seconds = time.perf_counter() - started
    bar = fit([c for c in cases if c.fold == 0])
    fitted = {word: fit_ratio([c for c in cases if c.fold == 0], bar, word, args.precision)
              for word in ("yes", "no")}
    checked = report_words([c for c in cases if c.fold == 1], bar, fitted)
    # A word is said only if it is right as often on the half it was not fitted on.
    ratios = {word: ratio if checked[f"{word}_said"] and checked[f"{word}_right"]
              >= args.precision * checked[f"{word}_said"] else None
              for word, ratio in fitted.items()}
    result = {
        "threshold": round(bar, 4),
        "yes_ratio": None if ratios["yes"] is None else round(ratios["yes"], 3),
        "no_ratio": None if ratios["no"] is None else round(ratios["no"], 3),
        "ratios_fitted": {w: None if r is None else round(r, 3) for w, r in fitted.items()},
        "words_fitted": report_words([c for c in cases if c.fold == 0], bar, fitted),
        "words_checked": checked,
        "fitted": report([c for c in cases if c.fold == 0], bar),
        "checked": report([c for c in cases if c.fold == 1], bar),
        "checked_en": report([c for c in cases if c.fold == 1 and c.lang == "en"], bar),
        "checked_fr": report([c for c in cases if c.fold == 1 and c.lang == "fr"], bar),
        "top_k": args.top_k,
        "margin": args.margin,
        "seconds": round(seconds, 1),
        "source": f"bench/calibrate_polar.py on {QUESTIONS.name} (PIAF paragraphs, "
                  f"Qwen2.5-Coder-1.5B), fitted on half the paragraphs, "
                  f"{datetime.now(UTC).date()}",
    }
    print(json.dumps(result, indent=2))
    out = RESULTS / "calibration-polar.json"
    out.write_text(json.dumps({**result, "cases": [c.__dict__ for c in cases]}, indent=1,
                              ensure_ascii=False) + "\n", encoding="utf-8")
    if args.write:
        key = calibration_key(embedder.model_id, variant_of(embedder))
        data = json.loads(CALIBRATION_FILE.read_text(encoding="utf-8"))
        data["models"][key]["polar"] = {
            k: v for k, v in result.items() if k != "seconds"}
        CALIBRATION_FILE.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
        print(f"stored under {key} in {CALIBRATION_FILE}")


if __name__ == "__main__":
    main()
