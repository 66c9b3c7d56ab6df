"""Calibrate the answerability threshold of an embedding model on public QA data.

Each question is scored three ways by its best cosine similarity:

- answerable: against its own article's sentences;
- unanswerable, near miss: against its own article with the sentences that hold the
  answer removed (same topic, answer absent: the hard case a reader actually hits);
- unanswerable, off topic: against another, random article.

The threshold that best balances answering the first against refusing the other two
(each refusal kind weighted equally), among those that still answer at least
``--min-answer-rate`` of the answerable questions, is written to ``bot/calibration.json``, once for
same-language and once for cross-language (English question, French article) pairs.
Only PIAF's development half is used; the held-out half stays for reporting.

Why a floor on the answer rate: a near miss (same topic, answer absent) scores close
to a real answer, so no similarity threshold separates them well (AUC ≈ 0.78 here, and
a logistic regression over top-1, gaps and means did no better). Refusing a question
the article does answer is the failure a reader notices most, and the answer step
(the model's sentinel, then citation checks) gets a second say on near misses.

    .venv/bin/python -m bench.calibrate [--articles 120] [--seed 0]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.datasets import DEFAULT_DIR, QA, Corpus, load_piaf, load_xling, split_articles
from bot.app import make_embedder
from bot.calibration import CALIBRATION_FILE
from bot.settings import Settings
from index.embedder import Embedder
from index.splitter import split_sentences

RESULTS = Path(__file__).resolve().parent / "results"


class VectorCache:
    """Embeddings on disk (``.npy``, no pickle) so re-running a benchmark is cheap."""

    def __init__(self, folder: Path, embedder: Embedder) -> None:
        self.folder = folder / re.sub(r"[^\w.-]+", "_", embedder.model_id)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.embedder = embedder

    def _get(self, kind: str, texts: Sequence[str], fn: Callable[[], np.ndarray]) -> np.ndarray:
        key = hashlib.sha256("\0".join([kind, *texts]).encode()).hexdigest()[:32]
        path = self.folder / f"{key}.npy"
        if path.exists():
            return np.load(path, allow_pickle=False)
        vecs = fn()
        np.save(path, vecs, allow_pickle=False)
        return vecs

    def documents(self, texts: Sequence[str]) -> np.ndarray:
        prompt = self.embedder.document_prompt
        return self._get("doc" + prompt, texts, lambda: self.embedder.embed_documents(texts))

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        prompt = self.embedder.query_prompt
        return self._get("query" + prompt, texts,
                         lambda: np.stack([self.embedder.embed_query(t) for t in texts]))


def sentences_with_spans(paragraph: str) -> list[tuple[str, int, int]]:
    """Sentences of ``paragraph`` with their character span in it."""
    out, pos = [], 0
    for s in split_sentences(paragraph):
        # The splitter folds white space; find the sentence back by its words.
        pattern = r"\s+".join(re.escape(w) for w in s.split(" "))
        m = re.compile(pattern).search(paragraph, pos)
        start, end = (m.start(), m.end()) if m else (pos, pos + len(s))
        out.append((s, start, end))
        pos = end
    return out


def article_sentences(corpus: Corpus, aid: str) -> list[tuple[int, str, int, int]]:
    return [(p, s, a, b) for p, par in enumerate(corpus.articles[aid])
            for s, a, b in sentences_with_spans(par)]


def gold_rows(q: QA, rows: list[tuple[int, str, int, int]]) -> set[int]:
    gold = set()
    for text, start in zip(q.answers, q.answer_starts, strict=False):
        for i, (p, _, a, b) in enumerate(rows):
            if p == q.paragraph and a <= start + len(text) and start < b:
                gold.add(i)
    return gold


def best_threshold(
    pos: np.ndarray, negs: dict[str, np.ndarray], min_answer_rate: float = 0.0
) -> dict[str, float]:
    candidates = np.unique(np.concatenate([pos, *negs.values()]))
    best: dict[str, float] = {"balanced_accuracy": -1.0}
    for t in candidates:
        answer = float((pos >= t).mean())
        if answer < min_answer_rate:
            continue
        refusals = {k: float((v < t).mean()) for k, v in negs.items()}
        bal = (answer + float(np.mean(list(refusals.values())))) / 2
        if bal > best["balanced_accuracy"]:
            best = {"threshold": float(t), "balanced_accuracy": bal, "answer_rate": answer,
                    **{f"refusal_{k}": r for k, r in refusals.items()}}
    return best


def score(corpus: Corpus, questions: list[QA], cache: VectorCache, seed: int):
    rng = random.Random(seed)
    ids = sorted({q.article for q in questions})
    rows = {aid: article_sentences(corpus, aid) for aid in ids}
    vecs = {aid: cache.documents([r[1] for r in rows[aid]]) for aid in ids}
    qv = cache.queries([q.question for q in questions])
    pos, near, off = [], [], []
    for q, v in zip(questions, qv, strict=True):
        sims = vecs[q.article] @ v
        gold = gold_rows(q, rows[q.article])
        keep = [i for i in range(len(sims)) if i not in gold]
        if not gold or not keep:
            continue
        pos.append(float(sims.max()))
        near.append(float(sims[keep].max()))
        other = rng.choice([a for a in ids if a != q.article])
        off.append(float((vecs[other] @ v).max()))
    return np.array(pos), {"near_miss": np.array(near), "off_topic": np.array(off)}


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--bench-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--articles", type=int, default=120, help="PIAF articles to sample")
    ap.add_argument("--per-article", type=int, default=3, help="PIAF questions per article")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--min-answer-rate", type=float, default=0.9,
                    help="answer at least this share of answerable questions")
    ap.add_argument("--gate-answer-rate", type=float, default=0.97,
                    help="the same, for the gate before an answer model")
    args = ap.parse_args()

    settings = Settings()
    embedder = make_embedder(settings)
    cache = VectorCache(settings.data_dir / "bench-cache", embedder)
    started = time.perf_counter()

    rng = random.Random(args.seed)
    piaf = load_piaf(args.bench_dir)
    dev, _ = split_articles(list(piaf.articles), args.seed)
    chosen = rng.sample(sorted(dev), args.articles)
    piaf_qs = []
    for aid in chosen:
        own = [q for q in piaf.questions if q.article == aid]
        piaf_qs += rng.sample(own, min(args.per_article, len(own)))
    groups: dict[str, list] = {"same_language": [], "cross_language": []}
    report = {}
    for name, corpus, qs, group in [
        ("piaf-fr", piaf, piaf_qs, "same_language"),
        ("xling-fr", load_xling(args.bench_dir, "fr"), None, "same_language"),
        ("xling-en", load_xling(args.bench_dir, "en"), None, "cross_language"),
    ]:
        qs = qs if qs is not None else corpus.questions
        print(f"{name}: {len(qs)} questions…", flush=True)
        pos, negs = score(corpus, qs, cache, args.seed)
        groups[group].append((pos, negs))
        report[name] = {"questions": len(pos), **best_threshold(pos, negs),
                        "mean_answerable": float(pos.mean()),
                        **{f"mean_{k}": float(v.mean()) for k, v in negs.items()}}
    entry: dict = {"model": embedder.model_id, "seed": args.seed,
                   "min_answer_rate": args.min_answer_rate,
                   "date": datetime.now(UTC).date().isoformat(), "per_dataset": report}
    for group, parts in groups.items():
        pos = np.concatenate([p for p, _ in parts])
        negs = {k: np.concatenate([n[k] for _, n in parts]) for k in parts[0][1]}
        fit = best_threshold(pos, negs, args.min_answer_rate)
        entry[group] = round(fit["threshold"], 4)
        entry[f"{group}_fit"] = fit
        gate = best_threshold(pos, negs, args.gate_answer_rate)
        entry[f"gate_{group}"] = round(gate["threshold"], 4)
        entry[f"gate_{group}_fit"] = gate
    entry["claim_bar"] = min(entry["same_language"], entry["cross_language"])
    all_pos = np.concatenate([p for parts in groups.values() for p, _ in parts])
    entry["name_bar"] = round(float(all_pos.mean()), 4)
    entry["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(entry, indent=2))

    calib = json.loads(CALIBRATION_FILE.read_text()) if CALIBRATION_FILE.exists() else {}
    calib.setdefault("models", {})[embedder.model_id] = {
        "same_language": entry["same_language"], "cross_language": entry["cross_language"],
        "claim_bar": entry["claim_bar"], "name_bar": entry["name_bar"],
        "gate_same_language": entry["gate_same_language"],
        "gate_cross_language": entry["gate_cross_language"],
        "source": "bench/calibrate.py on PIAF (dev half) and xling, seed "
        f"{args.seed}, min answer rate {args.min_answer_rate} (gate "
        f"{args.gate_answer_rate}), {entry['date']}",
        "same_language_fit": entry["same_language_fit"],
        "cross_language_fit": entry["cross_language_fit"],
    }
    CALIBRATION_FILE.write_text(json.dumps(calib, indent=2) + "\n")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"calibration-{embedder.model_id}.json").write_text(json.dumps(entry, indent=2))


if __name__ == "__main__":
    main()
