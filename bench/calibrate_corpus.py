"""Calibrate the answerability thresholds for indexes of many articles.

``bench/calibrate.py`` asks each question of one article: its own (answerable) or
another (unanswerable). In an index of hundreds of articles the unanswerable case is
harder: the best sentence is the closest among thousands of sentences from hundreds
of other articles, so it scores higher, and thresholds fitted on single articles
answer most unanswerable questions (PIAF, full corpus: refusal 0.56).

Here the whole PIAF + xling corpus is one index, built by the real ``index/`` code. Each
question is scored against it (answerable) and against it without its source article
(unanswerable). The same rule as for single articles picks the thresholds (the best
balanced accuracy among those answering at least ``--min-answer-rate``), written to
``bot/calibration.json`` as the model's ``corpus`` entry: the product uses them once an
index holds ``--min-articles`` articles or more.

Questions: PIAF's development half (never reported by ``bench.quality``), and xling
questions outside ``bench.quality``'s seeded sample.

    .venv/bin/python -m bench.calibrate_corpus [--limit 400] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.baselines.cache import CachedEmbedder
from bench.baselines.corpus import Question, wiki_corpus
from bench.calibrate import best_threshold
from bench.datasets import DEFAULT_DIR
from bench.quality import sample
from bot.app import make_embedder
from bot.calibration import CALIBRATION_FILE, calibration_key
from bot.settings import Settings
from index.articles import load_articles
from index.embedder import variant_of
from index.store import open_index

RESULTS = Path(__file__).resolve().parent / "results"
GROUPS = {"piaf-fr": "same_language", "xling-fr": "same_language", "xling-en": "cross_language"}


def calibration_questions(bench_dir: Path, limit: int, seed: int) -> list[Question]:
    """Questions ``bench.quality`` never reports: PIAF's dev half, xling outside its
    sample (``--limit 200 --seed 0``, its documented run)."""
    everything = wiki_corpus(bench_dir, held_out_only=False).questions
    reported = wiki_corpus(bench_dir).questions
    held_out = {q.id for q in reported if q.benchmark == "piaf"}
    sampled = {q.id for qs in sample(reported, 200, 0).values() for q in qs}
    pool = [q for q in everything if q.id not in held_out and q.id not in sampled]
    rng = random.Random(seed)
    chosen: list[Question] = []
    for group in GROUPS:
        mine = [q for q in pool if q.group == group]
        chosen += rng.sample(mine, min(limit, len(mine)))
    return chosen


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--bench-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--limit", type=int, default=400, help="questions per group")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--min-answer-rate", type=float, default=0.86,
                    help="the target is 0.85 on held-out questions: a point of margin")
    ap.add_argument("--min-articles", type=int, default=20,
                    help="indexes with at least this many articles use these thresholds")
    args = ap.parse_args()
    started = time.perf_counter()
    settings = Settings()
    settings.ensure_data_dir()
    embedder = make_embedder(settings)
    corpus = wiki_corpus(args.bench_dir, held_out_only=False)
    workdir = settings.data_dir / "bench-quality"
    articles = corpus.write_jsonl(workdir / f"{corpus.name}.jsonl")
    index = open_index(workdir / "indexes" / corpus.name, load_articles([articles]),
                       CachedEmbedder(embedder, settings.data_dir / "bench-cache" / "vectors"),
                       titles_from=settings.embed_titles_from)
    docs = np.array([s.doc_id for s in index.sentences])
    vectors = index.vectors([s.id for s in index.sentences])
    questions = calibration_questions(args.bench_dir, args.limit, args.seed)
    print(f"{len(index)} sentences, {len(corpus.articles)} articles; "
          f"{len(questions)} questions", flush=True)
    scores: dict[str, dict[str, list[float]]] = {
        g: {"pos": [], "neg": []} for g in set(GROUPS.values())}
    for q in questions:
        sims = vectors @ np.asarray(embedder.embed_query(q.text), dtype=np.float32)
        bucket = scores[GROUPS[q.group]]
        bucket["pos"].append(float(sims.max()))
        bucket["neg"].append(float(sims[docs != q.doc_id].max()))
    entry: dict = {"min_articles": args.min_articles}
    report: dict = {"model": embedder.model_id, "questions": len(questions),
                    "articles": len(corpus.articles), "sentences": len(index),
                    "seed": args.seed, "min_answer_rate": args.min_answer_rate}
    for group, s in scores.items():
        pos, neg = np.array(s["pos"]), np.array(s["neg"])
        fit = best_threshold(pos, {"other_articles": neg}, args.min_answer_rate)
        entry[group] = round(fit["threshold"], 4)
        report[f"{group}_fit"] = {**fit, "answerable": len(pos)}
    entry["source"] = (f"bench/calibrate_corpus.py on the PIAF + xling corpus "
                       f"({len(corpus.articles)} articles), PIAF dev half and unreported xling, "
                       f"seed {args.seed}, min answer rate {args.min_answer_rate}, "
                       f"{datetime.now(UTC).date()}")
    entry["fit"] = {g: report[f"{g}_fit"] for g in scores}
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))

    calib = json.loads(CALIBRATION_FILE.read_text())
    key = calibration_key(embedder.model_id, variant_of(embedder))
    calib["models"].setdefault(key, {})["corpus"] = entry
    CALIBRATION_FILE.write_text(json.dumps(calib, indent=2) + "\n")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"calibration-corpus-{key}.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
