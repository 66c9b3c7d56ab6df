"""Cold start of the light commands: ``citebot --help`` and ``citebot config``.

Each command runs in a fresh process ``--repeat`` times; the median wall time is
printed against the 1 s target, with the heavy modules (torch, sentence-transformers,
faiss, langchain, onnxruntime, openvino) that the process imported, which should be none.

    .venv/bin/python -m bench.startup [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TARGET_S = 1.0
HEAVY = ("torch", "sentence_transformers", "transformers", "faiss", "langchain_core",
         "langchain_openai", "onnxruntime", "openvino", "llama_cpp", "lingua")

COMMANDS = {
    "citebot --help": ["--help"],
    "citebot config": ["config"],
    "citebot config --json": ["config", "--json"],
    "citebot index --help": ["index", "--help"],
}

# Runs the real entry point, then reports which heavy modules it pulled in.
_PROBE = """
import atexit, json, sys
def report():
    heavy = sorted({m.split('.')[0] for m in sys.modules} & set(__HEAVY__))
    sys.__stderr__.write('\\nLOADED=' + json.dumps(heavy) + '\\n')
atexit.register(report)
sys.argv = ['citebot', *__ARGS__]
from bot.cli import main
main()
"""


def run(args: list[str]) -> tuple[float, list[str]]:
    code = _PROBE.replace("__HEAVY__", repr(HEAVY)).replace("__ARGS__", repr(args))
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                          text=True, env={**os.environ, "CITEBOT_LOG_LEVEL": "WARNING"})
    elapsed = time.perf_counter() - started
    heavy = []
    for line in proc.stderr.splitlines():
        if line.startswith("LOADED="):
            heavy = json.loads(line[len("LOADED="):])
    if proc.returncode not in (0,):
        raise SystemExit(f"citebot {' '.join(args)} failed:\n{proc.stderr}")
    return elapsed, heavy


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    worst = 0.0
    for name, argv in COMMANDS.items():
        run(argv)  # the first run warms the OS file cache; a user's second call is like it
        times, heavy = [], []
        for _ in range(args.repeat):
            t, heavy = run(argv)
            times.append(t)
        median = statistics.median(times)
        worst = max(worst, median)
        verdict = "ok" if median <= TARGET_S else "MISSED"
        print(f"{name:<24} median {median:.2f} s (min {min(times):.2f}, max {max(times):.2f})"
              f"  target ≤ {TARGET_S:.0f} s: {verdict}  heavy imports: {heavy or 'none'}")
    print(f"worst median {worst:.2f} s = {worst / TARGET_S:.2f}× the target")


if __name__ == "__main__":
    main()
