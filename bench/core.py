"""Core benchmark: cold start, warm latency (extractive and local LLM), index build, RSS.

Figures without a prefix are for quoting answers (``llm=none``), ``llm_`` ones for the
local LLM; RSS is that of a ``citebot chat --json`` process answering one question.
Cold starts run from process start to the first answer; ``llm_cold_start_first_s`` is
the very first, which evaluates and saves the prompt prefix, later ones restore it.
``prompt_s``: from process start until the interactive chat shows its prompt.

    .venv/bin/python -m bench.core [--runs 3] [--questions 60]

Prints each figure beside its target; writes bench/results/core.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.stats import percentile
from bot.app import create_citebot, load_index, make_embedder
from bot.settings import Settings

RESULTS = Path(__file__).resolve().parent / "results"
QUESTIONS = [
    "Qui est mort près de Palmyre ?", "Who died near Palmyra?",
    "Qui est Marco Rubio ?", "What is the name of the Syrian president?",
    "Quand la coalition anti-EI a-t-elle été fondée ?", "Where did the operation take place?",
    "What is the capital of France?", "Quel temps fera-t-il demain à Damas ?",
]
TARGETS = {"warm_p50_ms": 150, "cold_start_s": 10, "peak_rss_mb": 2048,
           "llm_warm_p50_s": 3, "llm_first_token_p50_s": 1, "llm_cold_start_s": 10,
           "prompt_s": 1, "llm_prompt_s": 1}


def time_to_prompt(settings: Settings, llm: str, runs: int) -> list[float]:
    """Seconds from process start until ``citebot chat``, in a terminal, draws its prompt
    (prompt_toolkit switching on bracketed paste); the models are still loading then."""
    from bench.terminal import Terminal

    env = {**os.environ, "CITEBOT_DATA_DIR": str(settings.data_dir),
           "CITEBOT_MODELS_DIR": str(settings.models_root), "CITEBOT_LLM": llm}
    times = []
    for _ in range(runs):
        term = Terminal(["-m", "bot", "chat"], env)
        try:
            term.expect(b"\x1b[?2004h")
            times.append(time.perf_counter() - term.started)
        finally:
            term.close()
    return times


def cold_start(settings: Settings, runs: int, llm: str) -> tuple[list[float], float]:
    """Seconds from process start to the first answer line (index built), and the
    largest RSS of any child so far (MB): run the lighter mode first."""
    env = {**os.environ, "CITEBOT_DATA_DIR": str(settings.data_dir),
           "CITEBOT_MODELS_DIR": str(settings.models_root), "CITEBOT_LLM": llm}
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "bot", "chat", "--json"], env=env,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert proc.stdin and proc.stdout
        proc.stdin.write(QUESTIONS[1] + "\n")
        proc.stdin.flush()
        json.loads(proc.stdout.readline())
        times.append(time.perf_counter() - started)
        proc.stdin.close()
        proc.wait()
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return times, child_rss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="cold starts to time")
    ap.add_argument("--questions", type=int, default=60, help="warm questions to time")
    ap.add_argument("--llm-questions", type=int, default=16,
                    help="warm questions to time with the local LLM")
    args = ap.parse_args()

    base = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        settings = base.model_copy(update={"data_dir": Path(tmp), "models_dir": base.models_root})
        # Child processes first: a child forked from a parent holding the models would
        # count the parent's pages in its peak RSS.
        subprocess.run([sys.executable, "-m", "bot", "index", "build"], check=True,
                       env={**os.environ, "CITEBOT_DATA_DIR": str(settings.data_dir),
                            "CITEBOT_MODELS_DIR": str(settings.models_root)})
        colds, child_rss = cold_start(settings, args.runs, "none")
        # The first start with the LLM evaluates the prompt prefix and saves it; the
        # others restore it (bot/prefix_state.py).
        llm_colds, llm_child_rss = cold_start(settings, args.runs + 1, "local")
        prompts = time_to_prompt(settings, "none", args.runs)
        llm_prompts = time_to_prompt(settings, "local", args.runs)
        embedder = make_embedder(settings)
        started = time.perf_counter()
        embedder.load()
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        index = load_index(settings, embedder, force=True)
        build_s = time.perf_counter() - started
        bot = create_citebot(settings.model_copy(update={"llm": "none"}), embedder=embedder)
        bot.qa.detector.warm_up()
        bot.ask("warm-up", bot.new_conversation())
        latencies = []
        for i in range(args.questions):
            # A fresh wording each time so the query-embedding cache does not flatter us.
            q = f"{QUESTIONS[i % len(QUESTIONS)]} ({i})"
            t = time.perf_counter()
            bot.ask(q, bot.new_conversation())
            latencies.append((time.perf_counter() - t) * 1000)
        llm_bot = create_citebot(settings.model_copy(update={"llm": "local"}), embedder=embedder,
                                 detector=bot.qa.detector)
        llm_bot.ask(QUESTIONS[0], llm_bot.new_conversation())  # waits for the warm-up
        llm_total, llm_first = [], []
        for i in range(args.llm_questions):
            first: list[float] = []
            t = time.perf_counter()
            llm_bot.ask(f"{QUESTIONS[i % len(QUESTIONS)]} ({i})", llm_bot.new_conversation(),
                        on_token=lambda _, f=first, t=t: f or f.append(time.perf_counter() - t))
            llm_total.append(time.perf_counter() - t)
            if first:
                llm_first.append(first[0])

    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "model": settings.embedding_model,
        "model_load_s": round(load_s, 2),
        "index_build_s": round(build_s, 2),
        "index_sentences": len(index),
        "sentences_per_s": round(len(index) / build_s, 1),
        "warm_p50_ms": round(statistics.median(latencies), 1),
        "warm_p95_ms": round(percentile(latencies, 0.95), 1),
        "llm_warm_p50_s": round(statistics.median(llm_total), 2),
        "llm_warm_p95_s": round(percentile(llm_total, 0.95), 2),
        "llm_first_token_p50_s": round(statistics.median(llm_first), 2) if llm_first else None,
        "llm_first_token_p95_s": round(percentile(llm_first, 0.95), 2) if llm_first else None,
        "cold_start_s": round(statistics.median(colds), 2),
        "cold_start_runs_s": [round(c, 2) for c in colds],
        "peak_rss_mb": round(child_rss, 1),
        "llm_cold_start_first_s": round(llm_colds[0], 2),
        "llm_cold_start_s": round(statistics.median(llm_colds[1:]), 2),
        "llm_cold_start_runs_s": [round(c, 2) for c in llm_colds],
        "prompt_s": round(statistics.median(prompts), 2),
        "llm_prompt_s": round(statistics.median(llm_prompts), 2),
        "llm_peak_rss_mb": round(llm_child_rss, 1),
    }
    print(f"{'metric':<22}{'value':>12}{'target':>10}{'ratio':>8}")
    for key, value in results.items():
        if isinstance(value, (int, float)):
            target = TARGETS.get(key)
            ratio = f"{value / target:.2f}" if target else ""
            print(f"{key:<22}{value:>12}{target or '':>10}{ratio:>8}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "core.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
