"""Calibrate the answerability threshold of an embedding model on public QA data.

Answerable: a question against its own article's sentences. Unanswerable: the same
question against another, random article. The threshold on the top cosine score that
best separates the two (balanced accuracy) is written to ``bot/calibration.json``,
separately for same-language and cross-language (English question, French article).
Only PIAF's development half is used; the held-out half stays for reporting.

    .venv/bin/python -m bench.calibrate [--articles 120] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.datasets import DEFAULT_DIR, Corpus, load_piaf, load_xling, split_articles
from bot.app import make_embedder
from bot.calibration import CALIBRATION_FILE
from bot.settings import Settings
from index.splitter import sentences_of

RESULTS = Path(__file__).resolve().parent / "results"


def best_threshold(pos: np.ndarray, neg: np.ndarray) -> dict[str, float]:
    candidates = np.unique(np.concatenate([pos, neg]))
    best = {"threshold": 0.0, "balanced_accuracy": 0.0}
    for t in candidates:
        tpr = float((pos >= t).mean())
        tnr = float((neg < t).mean())
        bal = (tpr + tnr) / 2
        if bal > best["balanced_accuracy"]:
            best = {"threshold": float(t), "balanced_accuracy": bal, "answer_rate": tpr,
                    "refusal_rate": tnr}
    return best


def scores(corpus: Corpus, questions, embed_docs, embed_query, seed: int):
    rng = random.Random(seed)
    ids = sorted({q.article for q in questions})
    vecs = {aid: embed_docs(aid) for aid in ids}
    pos, neg = [], []
    q_vecs = embed_query([q.question for q in questions])
    for q, qv in zip(questions, q_vecs, strict=True):
        pos.append(float((vecs[q.article] @ qv).max()))
        other = rng.choice([a for a in ids if a != q.article])
        neg.append(float((vecs[other] @ qv).max()))
    return np.array(pos), np.array(neg)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--articles", type=int, default=120, help="PIAF articles to sample")
    ap.add_argument("--per-article", type=int, default=3, help="PIAF questions per article")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    settings = Settings()
    embedder = make_embedder(settings)
    started = time.perf_counter()
    cache: dict[str, np.ndarray] = {}

    def doc_vectors(corpus: Corpus):
        def embed(aid: str) -> np.ndarray:
            if aid not in cache:
                texts = [s.text for p in corpus.articles[aid] for s in sentences_of(aid, p)]
                cache[aid] = embedder.embed_documents(texts)
            return cache[aid]
        return embed

    def embed_queries(texts: list[str]) -> np.ndarray:
        return np.stack([embedder.embed_query(t) for t in texts])

    rng = random.Random(args.seed)
    piaf = load_piaf(args.bench_dir)
    dev, _ = split_articles(list(piaf.articles), args.seed)
    chosen = rng.sample(sorted(dev), args.articles)
    piaf_qs = []
    for aid in chosen:
        own = [q for q in piaf.questions if q.article == aid]
        piaf_qs += rng.sample(own, min(args.per_article, len(own)))
    groups = {"same_language": [], "cross_language": []}
    report = {}
    for name, corpus, qs, group in [
        ("piaf-fr", piaf, piaf_qs, "same_language"),
        ("xling-fr", load_xling(args.bench_dir, "fr"), None, "same_language"),
        ("xling-en", load_xling(args.bench_dir, "en"), None, "cross_language"),
    ]:
        qs = qs if qs is not None else corpus.questions
        print(f"{name}: {len(qs)} questions…", flush=True)
        pos, neg = scores(corpus, qs, doc_vectors(corpus), embed_queries, args.seed)
        groups[group].append((pos, neg))
        report[name] = {"questions": len(qs), **best_threshold(pos, neg),
                        "pos_mean": float(pos.mean()), "neg_mean": float(neg.mean())}
    entry = {"model": embedder.model_id, "seed": args.seed,
             "date": datetime.now(UTC).date().isoformat(), "per_dataset": report}
    for group, parts in groups.items():
        pos = np.concatenate([p for p, _ in parts])
        neg = np.concatenate([n for _, n in parts])
        fit = best_threshold(pos, neg)
        entry[group] = round(fit["threshold"], 4)
        entry[f"{group}_fit"] = fit
    entry["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(entry, indent=2))

    calib = json.loads(CALIBRATION_FILE.read_text()) if CALIBRATION_FILE.exists() else {}
    calib.setdefault("models", {})[embedder.model_id] = {
        "same_language": entry["same_language"], "cross_language": entry["cross_language"],
        "source": "bench/calibrate.py on PIAF (dev half) and xling, seed "
        f"{args.seed}, {entry['date']}",
    }
    CALIBRATION_FILE.write_text(json.dumps(calib, indent=2) + "\n")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"calibration-{embedder.model_id}.json").write_text(json.dumps(entry, indent=2))


if __name__ == "__main__":
    main()
