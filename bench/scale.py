"""Synthetic scale run: exact FAISS search against approximate indexes, by corpus size.

For each size ``n`` (``--sizes``, plus ``--n``), on the same random unit vectors and
queries, in one process:

- ``flat``: exact ``IndexFlatIP`` (what citebot uses), also the ground truth;
- ``hnsw``: ``IndexHNSWFlat`` (M=32, efConstruction 40), searched at efSearch 16/64/128;
- ``ivf``: ``IndexIVFFlat`` (nlist ≈ 4·√n, k-means trained on a sample), nprobe 8/32.

Reported: build time, serialized index size, single-query latency p50/p95 (one query per
``search`` call, as the bot asks), recall@k against exact (overlap of the top-k sets),
separately for "near" queries (a database vector plus noise: its source should come
first) and "random" ones (no structure at all: the hardest case for approximate search).
Random 768-d data has no low-dimensional structure, so approximate recall here is a lower
bound of what real sentence embeddings get.

    .venv/bin/python -m bench.scale --n 1000000 --dim 768 --queries 200 --k 10

HNSW builds are slow on two cores; ``--hnsw-max`` caps the sizes at which HNSW is built
(larger sizes report it as skipped). Writes ``bench/results/scale.json`` and ``scale.txt``
(with date and machine).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import faiss
import numpy as np

from bench.stats import machine, percentile

RESULTS = Path(__file__).resolve().parent / "results"
IndexT = TypeVar("IndexT", bound=faiss.Index)
CHUNK = 100_000  # vectors generated/added at a time: bounds the temporary copies


@dataclass
class Row:
    """One index configuration measured at one corpus size."""

    n: int
    index: str
    param: str
    build_s: float
    size_mb: float
    p50_ms: float
    p95_ms: float
    recall: float  # recall@k against exact, all queries
    recall_near: float
    recall_random: float
    source_at_1: float  # near queries whose source vector is ranked first


def _unit(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def database(n: int, dim: int, seed: int) -> np.ndarray:
    """``n`` random normal vectors, normalised (inner product = cosine)."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, dim), dtype=np.float32)
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        out[lo:hi] = _unit(rng.standard_normal((hi - lo, dim), dtype=np.float32))
    return out


def queries(db: np.ndarray, count: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Half noisy copies of database rows (sources returned, -1 for the others), half random."""
    rng = np.random.default_rng(seed + 1)
    n, dim = db.shape
    near = count // 2
    sources = rng.choice(n, size=near, replace=False)
    # noise of norm ``noise`` on a unit vector: cosine to the source ≈ 1/sqrt(1+noise²)
    jitter = rng.standard_normal((near, dim), dtype=np.float32) * (noise / math.sqrt(dim))
    far = rng.standard_normal((count - near, dim), dtype=np.float32)
    q = _unit(np.vstack([db[sources] + jitter, far]).astype(np.float32))
    return q, np.concatenate([sources, -np.ones(count - near, dtype=np.int64)])


def serialized_mb(index: faiss.Index, scratch: Path) -> float:
    """Bytes ``serialize_index`` would produce, via a file (no second in-memory copy)."""
    path = scratch / "index.faiss"
    faiss.write_index(index, str(path))
    size = path.stat().st_size
    path.unlink()
    return size / 1e6


def add_chunked(index: faiss.Index, db: np.ndarray) -> None:
    for lo in range(0, len(db), CHUNK):
        index.add(db[lo:lo + CHUNK])


def latencies(index: faiss.Index, q: np.ndarray, k: int) -> tuple[list[float], np.ndarray]:
    """One ``search`` call per query (the bot's access pattern): ms each, and the ids."""
    index.search(q[:1], k)  # first call pays lazy allocations
    times, ids = [], np.empty((len(q), k), dtype=np.int64)
    for i in range(len(q)):
        t = time.perf_counter()
        _, found = index.search(q[i:i + 1], k)
        times.append((time.perf_counter() - t) * 1000)
        ids[i] = found[0]
    return times, ids


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    if len(found) == 0:
        return float("nan")
    k = truth.shape[1]
    return float(np.mean([len(set(f) & set(t)) / k for f, t in zip(found, truth, strict=True)]))


def measure(n: int, name: str, param: str, build_s: float, size_mb: float,
            index: faiss.Index, q: np.ndarray, sources: np.ndarray, truth: np.ndarray,
            k: int) -> Row:
    times, ids = latencies(index, q, k)
    near = sources >= 0
    at1 = float(np.mean(ids[near, 0] == sources[near])) if near.any() else float("nan")
    row = Row(n, name, param, round(build_s, 2), round(size_mb, 1),
              round(percentile(times, 0.5), 3), round(percentile(times, 0.95), 3),
              round(recall(ids, truth), 4), round(recall(ids[near], truth[near]), 4),
              round(recall(ids[~near], truth[~near]), 4), round(at1, 4))
    print(f"  {name:5} {param:13} build {row.build_s:7.1f} s  {row.size_mb:8.1f} MB  "
          f"p50 {row.p50_ms:8.3f} ms  p95 {row.p95_ms:8.3f} ms  recall@{k} {row.recall:.3f} "
          f"(near {row.recall_near:.3f}, random {row.recall_random:.3f})", flush=True)
    return row


def timed(build: Callable[[], IndexT]) -> tuple[IndexT, float]:
    t = time.perf_counter()
    index = build()
    return index, time.perf_counter() - t


def run_size(n: int, args: argparse.Namespace, scratch: Path) -> list[Row]:
    print(f"n={n:,} dim={args.dim}", flush=True)
    db = database(n, args.dim, args.seed)
    q, sources = queries(db, args.queries, args.noise, args.seed)
    rows: list[Row] = []

    def flat() -> faiss.Index:
        index = faiss.IndexFlatIP(args.dim)
        add_chunked(index, db)
        return index

    index, build_s = timed(flat)
    _, truth = index.search(q, args.k)  # ground truth, batched
    rows.append(measure(n, "flat", "exact", build_s, serialized_mb(index, scratch),
                        index, q, sources, truth, args.k))
    del index
    gc.collect()

    if n <= args.hnsw_max:
        def hnsw() -> faiss.IndexHNSWFlat:
            index = faiss.IndexHNSWFlat(args.dim, args.hnsw_m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = args.ef_construction
            add_chunked(index, db)
            return index

        graph, build_s = timed(hnsw)
        size = serialized_mb(graph, scratch)
        for ef in args.ef_search:
            graph.hnsw.efSearch = ef
            rows.append(measure(n, "hnsw", f"efSearch={ef}", build_s, size,
                                graph, q, sources, truth, args.k))
        del graph
        gc.collect()
    else:
        print(f"  hnsw  skipped: n > --hnsw-max {args.hnsw_max:,}", flush=True)

    nlist = max(1, int(round(4 * math.sqrt(n))))

    def ivf() -> faiss.IndexIVFFlat:
        quantizer = faiss.IndexFlatIP(args.dim)
        index = faiss.IndexIVFFlat(quantizer, args.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        index.cp.niter = args.kmeans_iter
        sample = np.random.default_rng(args.seed + 2).choice(
            n, size=min(n, args.train_per_list * nlist), replace=False)
        index.train(db[np.sort(sample)])
        add_chunked(index, db)
        return index

    lists, build_s = timed(ivf)
    size = serialized_mb(lists, scratch)
    for nprobe in args.nprobe:
        lists.nprobe = nprobe
        rows.append(measure(n, "ivf", f"nlist={nlist},nprobe={nprobe}", build_s, size,
                            lists, q, sources, truth, args.k))
    del lists
    gc.collect()
    return rows


def table(rows: list[Row], k: int) -> str:
    lines = [f"| n | index | params | build s | size MB | p50 ms | p95 ms | recall@{k} "
             f"| near / random | source@1 |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.n:,} | {r.index} | {r.param} | {r.build_s:.1f} | {r.size_mb:.0f} "
                     f"| {r.p50_ms:.2f} | {r.p95_ms:.2f} | {r.recall:.3f} "
                     f"| {r.recall_near:.3f} / {r.recall_random:.3f} | {r.source_at_1:.2f} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="largest corpus size")
    ap.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000],
                    help="smaller sizes run before --n (the crossover)")
    ap.add_argument("--dim", type=int, default=768)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--noise", type=float, default=0.75,
                    help="norm of the noise added to near queries (0.75: cosine ≈ 0.8)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--hnsw-m", type=int, default=32)
    ap.add_argument("--ef-construction", type=int, default=40)
    ap.add_argument("--ef-search", type=int, nargs="*", default=[16, 64, 128])
    ap.add_argument("--hnsw-max", type=int, default=100_000,
                    help="largest n at which HNSW is built (its build dominates the run)")
    ap.add_argument("--nprobe", type=int, nargs="*", default=[8, 32])
    ap.add_argument("--train-per-list", type=int, default=20,
                    help="k-means training sample, vectors per list (faiss warns below 39)")
    ap.add_argument("--kmeans-iter", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="scale", help="results name (.json/.txt)")
    ap.add_argument("--results", type=Path, default=RESULTS, help="results folder")
    args = ap.parse_args()

    faiss.omp_set_num_threads(args.threads)
    sizes = sorted({s for s in args.sizes if s < args.n} | {args.n})
    started = time.perf_counter()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as scratch:
        for n in sizes:
            rows.extend(run_size(n, args, Path(scratch)))
    elapsed = time.perf_counter() - started

    date = datetime.now(UTC).strftime("%Y-%m-%d")
    header = (f"bench.scale {date} on {machine()}, faiss {faiss.__version__}, "
              f"{args.threads} threads; dim {args.dim}, {args.queries} queries (half near, "
              f"half random), k {args.k}, HNSW M={args.hnsw_m} efConstruction="
              f"{args.ef_construction} built up to n={args.hnsw_max:,}; run {elapsed:.0f} s")
    text = f"{header}\n\n{table(rows, args.k)}\n"
    print("\n" + text)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / f"{args.out}.txt").write_text(text)
    (args.results / f"{args.out}.json").write_text(json.dumps({
        "date": date, "machine": machine(), "faiss": faiss.__version__,
        "args": {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "elapsed_s": round(elapsed, 1),
        "rows": [asdict(r) for r in rows]}, indent=2) + "\n")


if __name__ == "__main__":
    main()
