"""Answer-quality harness: the real chain on the default article, per answer model.

    .venv/bin/python -m bench.answers [--modes none,local,openai] [--questions FILE…]

Modes may force the prompt layout: ``local-article`` (the whole article in the cached
prompt prefix) or ``local-retrieved`` (the retrieved sentences with the question); a
``-nojudge`` suffix turns the support judge off (``local-nojudge``,
``local-article-nojudge``) to measure what it does, side by side.

Runs ``../shared/article/dev_questions.jsonl`` and ``bench/questions/*.jsonl`` (ours,
harder) through each answer model and prints, side by side: answer correctness,
citation precision and recall (a citation is right when it is the sentence holding
the answer), refusal accuracy on unanswerable questions, answer-language match, and
latency (complete answer and first streamed token, p50/p95). ``openai`` talks to
llama-cpp-python's OpenAI-compatible server, started here on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.servers import llama_server
from bench.stats import percentile
from bot.app import Citebot, create_citebot
from bot.citations import QUOTED
from bot.facts import fold
from bot.lang import LanguageDetector
from bot.settings import Settings

HERE = Path(__file__).resolve().parent
DEV = HERE.parent.parent / "shared" / "article" / "dev_questions.jsonl"
RESULTS = HERE / "results"


def load_questions(paths: list[Path]) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append({**json.loads(line), "file": path.name})
    return rows


@dataclass
class Tally:
    correct: int = 0
    answerable: int = 0
    refused: int = 0
    unanswerable: int = 0
    cited_right: int = 0
    cited: int = 0
    recalled: int = 0
    lang_ok: int = 0
    total: int = 0
    latency: list[float] = field(default_factory=list)
    first_token: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # Every last turn's answer, for ``--answers-out``.
    answers: list[dict[str, Any]] = field(default_factory=list)

    def row(self) -> dict[str, float]:
        def ratio(a: int, b: int) -> float:
            return round(a / b, 3) if b else 0.0

        return {
            "answer_correctness": ratio(self.correct, self.answerable),
            "citation_recall": ratio(self.recalled, self.answerable),
            "citation_precision": ratio(self.cited_right, self.cited),
            "refusal_accuracy": ratio(self.refused, self.unanswerable),
            "language_match": ratio(self.lang_ok, self.total),
            "latency_p50_s": round(statistics.median(self.latency), 2) if self.latency else 0,
            "latency_p95_s": round(percentile(self.latency, 0.95), 2),
            "first_token_p50_s": round(statistics.median(self.first_token), 2)
            if self.first_token else 0.0,
            "first_token_p95_s": round(percentile(self.first_token, 0.95), 2),
        }


def run(bot: Citebot, rows: list[dict[str, Any]], detector: LanguageDetector) -> Tally:
    t = Tally()
    for r in rows:
        conv = bot.new_conversation()
        for turn in r["turns"]:
            first: list[float] = []
            started = time.perf_counter()
            answer = bot.ask(turn, conv,
                             on_token=lambda _, f=first, s=started: f or f.append(
                                 time.perf_counter() - s))
            elapsed = time.perf_counter() - started
        t.latency.append(elapsed)
        if first:
            t.first_token.append(first[0])
        t.total += 1
        prose = QUOTED.sub(" ", answer.answer)
        t.lang_ok += detector.detect(prose, r["lang"]) == r["lang"]
        label = f"[{r['file']}] {' / '.join(r['turns'])} → {answer.answer[:140]!r}"
        t.answers.append({"file": r["file"], "lang": r["lang"], "turns": r["turns"],
                          "answerable": r["answerable"], "answered": answer.answered,
                          "answer": answer.answer,
                          "citations": [c.id for c in answer.citations]})
        if not r["answerable"]:
            t.unanswerable += 1
            t.refused += not answer.answered
            if answer.answered:
                t.failures.append("ANSWERED " + label)
            continue
        t.answerable += 1
        gold = r["gold_sentence_contains"]
        ok_cites = [gold in c.text for c in answer.citations]
        t.cited += len(ok_cites)
        t.cited_right += sum(ok_cites)
        t.recalled += any(ok_cites)
        text = fold(answer.answer.replace("’", "'"))
        right = answer.answered and any(
            fold(a.replace("’", "'")) in text for a in r["answer_contains_any"])
        t.correct += right
        if not right or not any(ok_cites):
            t.failures.append("WRONG " + label)
    return t


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--modes", default="none,local,openai",
                    help="comma-separated: none, local, openai, each optionally -article or "
                    "-retrieved to force the prompt layout")
    ap.add_argument("--questions", type=Path, nargs="*",
                    default=[DEV, *sorted((HERE / "questions").glob("*.jsonl"))])
    ap.add_argument("--show-failures", action="store_true")
    ap.add_argument("--answers-out", type=Path, default=None,
                    help="also write every answer, per mode, to this JSON file")
    args = ap.parse_args()
    rows = load_questions(args.questions)
    base = Settings()
    detector = LanguageDetector()
    table: dict[str, dict[str, float]] = {}
    failures: dict[str, list[str]] = {}
    every: dict[str, list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in args.modes.split(","):
            # "local-article"/"local-retrieved" force the prompt layout (whole article in
            # the cached prefix, or retrieved sentences); a bare name uses the settings'.
            llm, *flags = mode.split("-")
            layout = next((f for f in flags if f in ("article", "retrieved")), "")
            update: dict[str, Any] = {"data_dir": Path(tmp), "models_dir": base.models_root,
                                      "llm": llm}
            if layout:
                update["llm_article_tokens"] = {"article": 16384, "retrieved": 0}[layout]
            settings = base.model_copy(update=update)
            if llm == "openai":
                server = llama_server(settings)
                settings = settings.model_copy(update={
                    "openai_base_url": server.base_url, "openai_model": server.model})
            else:
                server = None
            try:
                bot = create_citebot(settings, detector=detector)
                if "nojudge" in flags:
                    bot.qa.thresholds = replace(bot.qa.thresholds, judge=None)
                bot.ask("warm-up", bot.new_conversation())
                if bot.qa.generator is not None:
                    # Time answers, not the one-off evaluation of the fixed prompt prefix.
                    bot.qa.generator.generate("Warm-up?", "en", bot.qa.generator.article, [])
                tally = run(bot, rows, detector)
            finally:
                if server:
                    server.stop()
            table[mode] = tally.row()
            failures[mode] = list(tally.failures)
            every[mode] = tally.answers
            print(f"\n{mode}: {len(rows)} questions", flush=True)
            if args.show_failures:
                for f in tally.failures:
                    print("   ", f)
    if args.answers_out:
        args.answers_out.write_text(json.dumps(every, indent=1, ensure_ascii=False) + "\n",
                                    encoding="utf-8")
    metrics = list(next(iter(table.values())))
    print(f"\n{'metric':<22}" + "".join(f"{m:>10}" for m in table))
    for metric in metrics:
        print(f"{metric:<22}" + "".join(f"{table[m][metric]:>10}" for m in table))
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "answers.json"
    # Modes run now replace their earlier figures; others stay (runs are long on 2 cores).
    old = json.loads(out.read_text()) if out.exists() else {}
    same = old.get("questions") == len(rows)
    modes = old.get("modes", {}) if same else {}
    missed = old.get("failures", {}) if same else {}
    out.write_text(json.dumps(
        {"date": time.strftime("%Y-%m-%d"), "questions": len(rows), "modes": {**modes, **table},
         "failures": {**missed, **failures}}, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
