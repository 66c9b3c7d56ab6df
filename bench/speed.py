"""Embedding speed against quality: every backend variant side by side with fp32 torch.

For each variant, on the same sentences and the same questions, in one process:

- document throughput (sentences/s) embedding the sentences of a seeded sample of PIAF
  paragraphs and of the cross-lingual set's contexts, with the variant's batching;
- query embedding latency p50/p95 (one question at a time, cache cold; a repeated
  question is a cache hit, reported once);
- sentence-level recall@5 over each sample's sentence pool (gold: a sentence holding an
  answer span), PIAF with French questions, xling with English questions;
- the FAISS index size on disk for those vectors, and Matryoshka truncations of them
  (512/256 dimensions, re-normalised: recall and size without re-embedding);
- ratios to the fp32 torch baseline, and which variant the adoption rule picks
  (recall@5 within one point of fp32 on both sets and at least 3x its throughput).

    .venv/bin/python -m bench.speed [--paragraphs 40] [--questions 120] [--variants ...]

A variant is ``backend-precision``, optionally ``/batch`` for another batch size than
``--batch-size`` (16): ``onnx-int8/64``.

Writes ``bench/results/speed.json`` and ``speed.png`` (with date and machine).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench.calibrate import gold_rows, sentences_with_spans
from bench.datasets import DEFAULT_DIR, QA, Corpus, load_piaf, load_xling
from bench.stats import machine
from bot.app import make_embedder
from bot.settings import Settings
from index.embedder import BatchedEmbedder, truncate

RESULTS = Path(__file__).resolve().parent / "results"
VARIANTS = ["torch-fp32", "torch-fp32/4", "torch-bf16", "onnx-fp32", "onnx-int8",
            "onnx-int8/4", "onnx-int8/64", "openvino-fp32", "openvino-bf16", "openvino-int8"]
BASELINE = "torch-fp32"


@dataclass
class Sample:
    """Sentences of some paragraphs, and questions whose answer is among them."""

    name: str
    sentences: list[str]
    questions: list[str]
    gold: list[set[int]]  # rows of ``sentences`` holding each question's answer


def _sample(corpus: Corpus, paragraphs: int, questions: int, seed: int) -> Sample:
    rng = random.Random(seed)
    keys = sorted({(q.article, q.paragraph) for q in corpus.questions})
    chosen = set(rng.sample(keys, min(paragraphs, len(keys))))
    sentences: list[str] = []
    rows: dict[tuple[str, int], list[tuple[int, str, int, int]]] = {}
    for aid, p in sorted(chosen):
        spans = sentences_with_spans(corpus.articles[aid][p])
        rows[(aid, p)] = [(p, s, a, b) for s, a, b in spans]
        sentences.extend(s for s, _, _ in spans)
    offsets, pos = {}, 0
    for key in sorted(chosen):
        offsets[key] = pos
        pos += len(rows[key])
    pool: list[QA] = [q for q in corpus.questions if (q.article, q.paragraph) in chosen]
    rng.shuffle(pool)
    qs, gold = [], []
    for q in pool:
        key = (q.article, q.paragraph)
        g = {offsets[key] + i for i in gold_rows(q, rows[key])}
        if g:
            qs.append(q.question)
            gold.append(g)
        if len(qs) == questions:
            break
    return Sample(corpus.name, sentences, qs, gold)


def recall_at(docs: np.ndarray, queries: np.ndarray, gold: list[set[int]], k: int = 5) -> float:
    top = np.argsort(-(queries @ docs.T), axis=1)[:, :k]
    return float(np.mean([bool(set(row.tolist()) & g) for row, g in zip(top, gold, strict=True)]))


def index_bytes(vectors: np.ndarray) -> int:
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    with tempfile.TemporaryDirectory() as tmp:
        faiss.write_index(index, f"{tmp}/index.faiss")
        return os.path.getsize(f"{tmp}/index.faiss")


@dataclass
class Row:
    variant: str
    dim: int
    load_s: float = 0.0
    sentences_per_s: float = 0.0
    query_p50_ms: float = 0.0
    query_p95_ms: float = 0.0
    cached_query_ms: float = 0.0
    recall5: dict[str, float] = field(default_factory=dict)
    index_bytes: int = 0
    ratio: dict[str, float] = field(default_factory=dict)
    error: str = ""


def _embedder(variant: str, args: argparse.Namespace) -> BatchedEmbedder:
    """``backend-precision`` or ``backend-precision/batch``, e.g. ``onnx-int8/32``."""
    name, _, batch = variant.partition("/")
    backend, precision = name.split("-")
    settings = Settings(embedding_backend=backend,  # type: ignore[arg-type]
                        embedding_precision=precision,  # type: ignore[arg-type]
                        embed_batch_size=int(batch or args.batch_size), threads=args.threads)
    if args.models_dir:
        settings = settings.model_copy(update={"models_dir": args.models_dir})
    return make_embedder(settings)


def measure(variant: str, samples: list[Sample], args: argparse.Namespace,
            ) -> tuple[Row, dict[str, tuple[np.ndarray, np.ndarray]]]:
    started = time.perf_counter()
    emb = _embedder(variant, args)
    emb.embed_documents(["Une phrase pour charger le modèle.", "Warm-up."])  # load, export
    row = Row(variant, emb.dimension, load_s=round(time.perf_counter() - started, 2))
    vectors = {}
    n_docs, doc_s, latencies = 0, 0.0, []
    for sample in samples:
        t = time.perf_counter()
        docs = emb.embed_documents(sample.sentences)
        doc_s += time.perf_counter() - t
        n_docs += len(sample.sentences)
        qs = []
        for q in sample.questions[: args.questions]:
            t = time.perf_counter()
            qs.append(emb.embed_query(q))
            latencies.append((time.perf_counter() - t) * 1000)
        vectors[sample.name] = (docs, np.stack(qs))
    t = time.perf_counter()
    emb.embed_query(samples[0].questions[0])
    row.cached_query_ms = round((time.perf_counter() - t) * 1000, 3)
    row.sentences_per_s = round(n_docs / doc_s, 2)
    row.query_p50_ms = round(statistics.median(latencies), 1)
    row.query_p95_ms = round(float(np.percentile(latencies, 95)), 1)
    return row, vectors


def derive(row: Row, vectors: dict[str, tuple[np.ndarray, np.ndarray]], samples: list[Sample],
           dim: int) -> Row:
    """``row``'s figures for vectors truncated to ``dim`` (Matryoshka)."""
    out = Row(row.variant if dim == row.dim else f"{row.variant}@{dim}", dim, row.load_s,
              row.sentences_per_s, row.query_p50_ms, row.query_p95_ms, row.cached_query_ms)
    for s in samples:
        docs, qs = vectors[s.name]
        out.recall5[s.name] = round(recall_at(truncate(docs, dim), truncate(qs, dim), s.gold), 4)
    out.index_bytes = index_bytes(truncate(vectors[samples[0].name][0], dim))
    return out


def adopt(rows: list[Row], margin: float = 0.01, speedup: float = 3.0) -> dict[str, object]:
    base = next(r for r in rows if r.variant == BASELINE)
    ok = [r for r in rows if not r.error and r.variant != BASELINE
          and r.ratio.get("throughput", 0) >= speedup
          and all(r.recall5[k] >= base.recall5[k] - margin for k in base.recall5)]
    if not ok:
        return {"adopt": None, "reason": f"no variant is ≥{speedup}× fp32 throughput with "
                "recall@5 within one point on every sample"}
    best = max(ok, key=lambda r: (r.ratio["throughput"], -r.dim))
    return {"adopt": best.variant, "reason": f"{best.ratio['throughput']:.1f}× fp32 throughput,"
            f" recall@5 {best.recall5} vs {base.recall5}"}


def chart(rows: list[Row], path: Path, title: str, focus: str) -> None:
    """Throughput and recall bars; Matryoshka rows only for ``focus``, to stay legible."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if not r.error
            and ("@" not in r.variant or r.variant.split("@")[0] == focus)]
    names = [r.variant for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(13, 0.45 * len(rows) + 2), sharey=True)
    y = np.arange(len(rows))
    axes[0].barh(y, [r.ratio["throughput"] for r in rows], color="tab:blue")
    axes[0].axvline(3, color="grey", ls="--", lw=1)
    axes[0].set_xlabel("throughput vs fp32 torch (×); dashed: 3× target")
    for i, r in enumerate(rows):
        axes[0].text(r.ratio["throughput"], i, f" {r.sentences_per_s:.1f}/s", va="center",
                     fontsize=8)
    keys = list(rows[0].recall5)
    h = 0.8 / len(keys)
    for j, k in enumerate(keys):
        axes[1].barh(y + (j - (len(keys) - 1) / 2) * h, [r.recall5[k] for r in rows], h,
                     label=k)
    lo = min(min(r.recall5.values()) for r in rows)
    axes[1].set_xlim(max(0.0, lo - 0.05), 1.0)
    axes[1].set_xlabel("recall@5")
    axes[1].legend(loc="lower right", fontsize=8)
    axes[0].set_yticks(y, names, fontsize=8)
    axes[0].invert_yaxis()
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--models-dir", type=Path, default=None)
    ap.add_argument("--paragraphs", type=int, default=40, help="paragraphs per sample")
    ap.add_argument("--questions", type=int, default=120, help="questions per sample")
    ap.add_argument("--variants", nargs="+", default=VARIANTS)
    ap.add_argument("--dims", type=int, nargs="*", default=[512, 256])
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=RESULTS / "speed.json")
    args = ap.parse_args()
    if BASELINE not in args.variants:
        args.variants.insert(0, BASELINE)
    samples = [_sample(load_piaf(args.bench_dir), args.paragraphs, args.questions, args.seed),
               _sample(load_xling(args.bench_dir), args.paragraphs, args.questions, args.seed)]
    for s in samples:
        print(f"{s.name}: {len(s.sentences)} sentences, {len(s.questions)} questions",
              flush=True)
    rows: list[Row] = []
    for variant in args.variants:
        print(f"… {variant}", flush=True)
        try:
            row, vectors = measure(variant, samples, args)
        except Exception as e:  # a backend that cannot run here is a finding, not a crash
            rows.append(Row(variant, 0, error=f"{type(e).__name__}: {e}"))
            print(f"  failed: {rows[-1].error}", flush=True)
            continue
        finally:
            gc.collect()
        for dim in [row.dim, *[d for d in args.dims if d < row.dim]]:
            rows.append(derive(row, vectors, samples, dim))
            print(f"  {rows[-1].variant}: {row.sentences_per_s}/s, query p50 "
                  f"{row.query_p50_ms} ms, recall@5 {rows[-1].recall5}", flush=True)
    base = next(r for r in rows if r.variant == BASELINE)
    for r in rows:
        if not r.error:
            r.ratio = {"throughput": round(r.sentences_per_s / base.sentences_per_s, 2),
                       "query_p50": round(r.query_p50_ms / base.query_p50_ms, 2),
                       "index_bytes": round(r.index_bytes / base.index_bytes, 3),
                       **{f"recall5_{k}": round(v - base.recall5[k], 4)
                          for k, v in r.recall5.items()}}
    decision = adopt(rows)
    when = datetime.now(UTC).isoformat(timespec="seconds")
    report = {
        "date": when, "machine": machine(), "seed": args.seed,
        "samples": {s.name: {"sentences": len(s.sentences), "questions": len(s.questions)}
                    for s in samples},
        "batch_size": args.batch_size, "threads": args.threads,
        "rows": [asdict(r) for r in rows], "decision": decision,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    header = (f"{'variant':<22}{'dim':>5}{'sent/s':>8}{'×fp32':>7}{'q p50':>8}{'q p95':>8}"
              + "".join(f"{'R@5 ' + s.name:>16}" for s in samples) + f"{'index':>10}")
    print(header)
    for r in rows:
        if r.error:
            print(f"{r.variant:<22} failed: {r.error}")
            continue
        print(f"{r.variant:<22}{r.dim:>5}{r.sentences_per_s:>8.1f}{r.ratio['throughput']:>7.2f}"
              f"{r.query_p50_ms:>8.1f}{r.query_p95_ms:>8.1f}"
              + "".join(f"{r.recall5[s.name]:>16.3f}" for s in samples)
              + f"{r.index_bytes / 1024:>8.0f}kB")
    print(f"adopt: {decision['adopt']} ({decision['reason']})")
    sizes = ", ".join(f"{s.name} {len(s.sentences)} sentences / {len(s.questions)} questions"
                      for s in samples)
    fastest = max((r for r in rows if not r.error), key=lambda r: r.sentences_per_s)
    focus = str(decision["adopt"] or fastest.variant).split("@")[0]
    chart(rows, args.out.with_suffix(".png"),
          f"citebot embedding variants — {when[:10]} — {machine()}\n{sizes}", focus)
    print(f"wrote {args.out} and {args.out.with_suffix('.png')}")


if __name__ == "__main__":
    main()
