"""Calibrate the answer probe (``bot/probe.py``): one P(NONE) bar per kind of fact.

For PIAF questions asking for a number, a date, a place or a name, the answer model
is shown, each time alone with the question:

- the sentence holding the answer span (the probe must let it through);
- another sentence of the same paragraph that holds a fact of the same kind but not
  the answer: the near miss the kind check lets through ("two soldiers killed" for
  "how many were wounded?").

Each kind's bar keeps ``--keep`` of the answer sentences. It is fitted on PIAF's
development half and checked on the held-out half and on the English xling questions
over French sentences (AUC, answer sentences kept, near misses refused).

    .venv/bin/python -m bench.calibrate_probe [--per-kind 60] [--check 30] [--keep 0.95] [--write]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.calibrate import RESULTS, _auc, article_sentences, gold_rows
from bench.datasets import DEFAULT_DIR, Corpus, load_piaf, load_xling, split_articles
from bot.answer_type import expected_kind, holds_kind
from bot.app import create_citebot
from bot.calibration import CALIBRATION_FILE, calibration_key
from bot.probe import SLOTS, Probe
from bot.settings import Settings
from index.embedder import variant_of

KINDS = {slot: kind for kind, slot in SLOTS.items()}


@dataclass(frozen=True)
class Case:
    question: str
    answer_sentence: str
    near_miss: str


def cases(corpus: Corpus, articles: set[str], slot: str, limit: int, seed: int
          ) -> Iterator[Case]:
    """Up to ``limit`` questions of the kind, each with its answer's sentence and a
    near miss from the same paragraph."""
    rng = random.Random(seed)
    questions = [q for q in corpus.questions
                 if q.article in articles and expected_kind(q.question) is KINDS[slot]]
    rng.shuffle(questions)
    found = 0
    for q in questions:
        rows = article_sentences(corpus, q.article)
        gold = gold_rows(q, rows)
        if len(gold) != 1:  # an answer across sentences has no one sentence to probe
            continue
        (g,) = gold
        others = [text for i, (p, text, _, _) in enumerate(rows)
                  if p == q.paragraph and i != g
                  and not any(a in text for a in q.answers)
                  and holds_kind(q.question, [text])]
        if not others:
            continue
        yield Case(q.question, rows[g][1], rng.choice(others))
        found += 1
        if found >= limit:
            return


def measure(probe: Probe, slot: str, sample: list[Case]) -> tuple[np.ndarray, np.ndarray]:
    answers, misses = [], []
    for i, c in enumerate(sample, 1):
        answers.append(probe.p_none(c.question, c.answer_sentence, slot))
        misses.append(probe.p_none(c.question, c.near_miss, slot))
        print(f"\r  {slot}: {i}/{len(sample)}", end="", flush=True)
    print()
    return np.array(answers), np.array(misses)


def check(bar: float, answers: np.ndarray, misses: np.ndarray) -> dict[str, float]:
    return {"n": len(answers), "auc": round(_auc(misses, answers), 3),
            "kept": round(float((answers <= bar).mean()), 3),
            "refused_near_miss": round(float((misses > bar).mean()), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--bench-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--per-kind", type=int, default=60, help="questions per kind to fit on")
    ap.add_argument("--check", type=int, default=30, help="questions per kind and check set")
    ap.add_argument("--keep", type=float, default=0.95,
                    help="share of answer sentences each bar must let through")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--write", action="store_true", help="store the bars in bot/calibration.json")
    args = ap.parse_args()

    started = time.perf_counter()
    settings = Settings()
    bot = create_citebot(settings)
    generator = bot.qa.generator
    if generator is None:
        raise SystemExit("the probe needs an answer model: CITEBOT_LLM=local or openai")
    # The product's own system message (the contract, and the article when it fits),
    # so the bars hold for the prompts the probe really sees.
    probe = Probe(generator.model, generator.system_text, {})
    piaf = load_piaf(args.bench_dir)
    dev, held_out = split_articles(list(piaf.articles), args.seed)
    xling = load_xling(args.bench_dir, "en")
    report: dict[str, dict] = {}
    for slot in SLOTS.values():
        fit = list(cases(piaf, dev, slot, args.per_kind, args.seed))
        answers, misses = measure(probe, slot, fit)
        bar = float(np.quantile(answers, args.keep))
        report[slot] = {"bar": round(bar, 4), "fit": check(bar, answers, misses)}
        for name, corpus, articles in [("piaf_held_out", piaf, held_out),
                                       ("xling_en", xling, set(xling.articles))]:
            sample = list(cases(corpus, articles, slot, args.check, args.seed))
            if sample:
                report[slot][name] = check(bar, *measure(probe, slot, sample))
        print(slot, json.dumps(report[slot]), flush=True)
    entry = {"date": datetime.now(UTC).date().isoformat(), "keep": args.keep,
             "seed": args.seed, "per_kind": args.per_kind, "check": args.check,
             "seconds": round(time.perf_counter() - started, 1), "kinds": report}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "probe-calibration.json").write_text(json.dumps(entry, indent=2) + "\n")
    if args.write:
        embedder = bot.qa.retriever.embedder
        calib = json.loads(CALIBRATION_FILE.read_text())
        key = calibration_key(embedder.model_id, variant_of(embedder))
        calib["models"][key]["probe"] = {
            "bars": {slot: r["bar"] for slot, r in report.items()},
            "source": f"bench/calibrate_probe.py (PIAF dev half, {args.per_kind} questions "
            f"a kind, keep {args.keep}, Qwen2.5-Coder-1.5B, seed {args.seed}), {entry['date']}",
        }
        CALIBRATION_FILE.write_text(json.dumps(calib, indent=2) + "\n")


if __name__ == "__main__":
    main()
