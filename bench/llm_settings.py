"""llama.cpp thread and batch settings for the local answer model, measured side by side.

For each (threads, batch) pair, in one process on the same prompt: prompt evaluation in
tokens/s (the real fixed prefix: citation contract plus the default article, ~900
tokens), generation in tokens/s (64 tokens, greedy), and restoring that prefix from a
saved state (``bot/prefix_state.py``) against evaluating it.

    .venv/bin/python -m bench.llm_settings [--threads 1,2] [--batches 32,128,512]

Writes bench/results/llm_settings.{json,txt}.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stats import machine
from bot.app import make_embedder
from bot.generate import Generator
from bot.llm import LocalChatModel
from bot.settings import Settings
from index.articles import load_articles
from index.models import QWEN_CODER_1_5B, check_model
from index.store import open_index

RESULTS = Path(__file__).resolve().parent / "results"
GENERATED = 64


def prefix_text(settings: Settings, model: LocalChatModel) -> str:
    """The product's fixed system prompt for the default article."""
    with tempfile.TemporaryDirectory() as tmp:
        embedder = make_embedder(settings)
        index = open_index(Path(tmp) / "index", load_articles(settings.articles), embedder,
                           titles_from=settings.embed_titles_from)
    return Generator(model, article=list(index.sentences)).system_text


def measure(model_path: str, prompt: str, threads: int, batch: int, runs: int) -> dict[str, Any]:
    model = LocalChatModel(model_path=model_path, n_threads=threads, n_batch=batch)
    llama = model.load()
    tokens = llama.tokenize(prompt.encode(), add_bos=False, special=False)
    evals, gens = [], []
    for _ in range(runs):
        llama.reset()
        started = time.perf_counter()
        llama.eval(tokens)
        evals.append(len(tokens) / (time.perf_counter() - started))
        started = time.perf_counter()
        for i, _token in enumerate(llama.generate(tokens, temp=0.0)):
            if i + 1 == GENERATED:
                break
        gens.append(GENERATED / (time.perf_counter() - started))
    return {"threads": threads, "batch": batch, "prompt_tokens": len(tokens),
            "eval_tokens_per_s": round(statistics.median(evals), 1),
            "gen_tokens_per_s": round(statistics.median(gens), 1)}


def restore_vs_eval(model_path: str, prompt: str) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        first = LocalChatModel(model_path=model_path, state_dir=tmp)
        started = time.perf_counter()
        first.warm_up(prompt)
        evaluated = time.perf_counter() - started
        second = LocalChatModel(model_path=model_path, state_dir=tmp)
        second.load()
        started = time.perf_counter()
        assert second.warm_up(prompt), "the saved state was not restored"
        restored = time.perf_counter() - started
        size = sum(f.stat().st_size for f in Path(tmp).glob("*.state"))
    return {"evaluate_s": round(evaluated, 2), "restore_s": round(restored, 3),
            "state_mb": round(size / 2**20, 1)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default=f"1,{os.cpu_count() or 1}")
    ap.add_argument("--batches", default="32,128,512")
    ap.add_argument("--runs", type=int, default=2)
    args = ap.parse_args()
    settings = Settings()
    model_path = str(check_model(settings.models_root, QWEN_CODER_1_5B)
                     / QWEN_CODER_1_5B.main_file)
    prompt = prefix_text(settings, LocalChatModel(model_path=model_path))
    rows = [measure(model_path, prompt, int(t), int(b), args.runs)
            for t in args.threads.split(",") for b in args.batches.split(",")]
    prefix = restore_vs_eval(model_path, prompt)
    lines = [f"{'threads':>7} {'batch':>5} {'prompt tok/s':>12} {'gen tok/s':>9}"]
    lines += [f"{r['threads']:>7} {r['batch']:>5} {r['eval_tokens_per_s']:>12} "
              f"{r['gen_tokens_per_s']:>9}" for r in rows]
    lines.append(f"prefix of {rows[0]['prompt_tokens']} tokens: evaluated in "
                 f"{prefix['evaluate_s']} s, restored in {prefix['restore_s']} s "
                 f"({prefix['evaluate_s'] / max(prefix['restore_s'], 1e-3):.0f}x), "
                 f"state {prefix['state_mb']} MB")
    lines.append(f"{machine()}, {datetime.now(UTC).date()}")
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "llm_settings.txt").write_text(text + "\n")
    (RESULTS / "llm_settings.json").write_text(json.dumps(
        {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
         "rows": rows, "prefix": prefix}, indent=2) + "\n")


if __name__ == "__main__":
    main()
