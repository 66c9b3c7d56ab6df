"""Load on the Telegram bot: many chats asking at once, against the local fake Bot API.

    .venv/bin/python -m bench.telegram_load [--modes none,local] [--chats 100]
        [--questions 5] [--fault-rate 0.0]

All questions of all chats are queued at once; the real bot (real models, the product's
``build_application``) answers them by long polling. Checked: every question answered
exactly once, in per-chat order, nothing lost. Reported: reply latency p50/p95 (question
queued → final answer on the server), throughput, faults injected, RSS at start and end.
With ``--fault-rate`` a share of sendMessage/editMessageText/sendChatAction/getUpdates
calls fail with 429, 502 or a timeout: the soak of the reliability issue.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.answers import DEV, load_questions
from bench.stats import machine, percentile
from bot.app import create_citebot
from bot.settings import Settings
from tests.fake_telegram import FakeTelegram
from tests.telegram_run import bot_settings, polling

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def rss_mb() -> float:
    """Current resident set size of this process, in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def questions() -> list[str]:
    rows = load_questions([DEV, *sorted((HERE / "questions").glob("*.jsonl"))])
    return [turn for row in rows for turn in row["turns"][:1]]


async def run_mode(mode: str, chats: int, per_chat: int, fault_rate: float,
                   timeout_s: float) -> dict[str, Any]:
    pool = questions()
    with tempfile.TemporaryDirectory() as tmp:
        base = Settings(data_dir=Path(tmp) / "data", models_dir=Path("data/models").resolve(),
                        llm=mode)  # type: ignore[arg-type]
        server = FakeTelegram()
        await server.start()
        settings = bot_settings(base, server, telegram_timeout_s=2.0,
                                user_questions_per_minute=1000, telegram_workers=2)
        citebot = create_citebot(settings)
        rss_start = rss_mb()
        asked: dict[int, tuple[int, float]] = {}  # question message id -> (chat, time)
        try:
            async with polling(settings, citebot, courier_backoff_s=0.5):
                server.random_fault_rate = fault_rate
                server.random_fault_methods = frozenset(
                    {"sendMessage", "editMessageText", "sendChatAction", "getUpdates"})
                started = time.monotonic()
                for i in range(per_chat):
                    for chat in range(1, chats + 1):
                        text = pool[(chat * per_chat + i) % len(pool)]
                        asked[server.push_text(chat, text)] = (chat, time.monotonic())
                with contextlib.suppress(TimeoutError):  # the report counts the lost
                    await server.wait_for(lambda: _answered(server, asked) == len(asked),
                                          timeout_s)
                await asyncio.sleep(1.0)  # let stragglers (duplicates) show up
                elapsed = time.monotonic() - started
                server.random_fault_rate = 0.0
        finally:
            await server.stop()
        rss_end = rss_mb()
    return _report(mode, server, asked, elapsed, chats, per_chat, rss_start, rss_end)


def _answered(server: FakeTelegram, asked: dict[int, tuple[int, float]]) -> int:
    replied = {m.reply_to for m in server.messages.values() if not m.text.endswith(" …")}
    return len(replied & asked.keys())


def _report(mode: str, server: FakeTelegram, asked: dict[int, tuple[int, float]],
            elapsed: float, chats: int, per_chat: int, rss_start: float,
            rss_end: float) -> dict[str, Any]:
    replies: dict[int, list[Any]] = {}
    for m in server.messages.values():
        if m.reply_to in asked:
            replies.setdefault(m.reply_to, []).append(m)
    final = {q: ms for q, ms in replies.items() if not ms[-1].text.endswith(" …")}
    latencies = [max(m.updated_at for m in final[q]) - asked[q][1] for q in final]
    in_order = 0
    for chat in range(1, chats + 1):
        order = [m.reply_to for m in server.sent(chat) if m.reply_to in asked]
        in_order += order == sorted(order)
    return {
        "mode": mode, "chats": chats, "questions_per_chat": per_chat,
        "sent": len(asked), "answered": len(final),
        "duplicated": sum(len(ms) - 1 for ms in replies.values()),
        "lost": len(asked) - len(final), "chats_in_order": in_order,
        "faults_injected": server.faults_injected,
        "latency_p50_s": round(percentile(latencies, 0.5), 2),
        "latency_p95_s": round(percentile(latencies, 0.95), 2),
        "throughput_per_s": round(len(final) / elapsed, 2), "elapsed_s": round(elapsed, 1),
        "rss_start_mb": round(rss_start), "rss_end_mb": round(rss_end),
        "bot_api_calls": len(server.calls),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Load on the Telegram bot (fake Bot API).")
    parser.add_argument("--modes", default="none,local")
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--fault-rate", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--out", default="telegram_load")
    args = parser.parse_args()
    rows = [asyncio.run(run_mode(mode, args.chats, args.questions, args.fault_rate,
                                 args.timeout)) for mode in args.modes.split(",")]
    header = ["mode", "sent", "answered", "duplicated", "lost", "chats_in_order",
              "faults_injected", "latency_p50_s", "latency_p95_s", "throughput_per_s",
              "rss_start_mb", "rss_end_mb"]
    lines = [" | ".join(header)] + [" | ".join(str(r[h]) for h in header) for r in rows]
    print("\n".join(lines))
    RESULTS.mkdir(exist_ok=True)
    meta = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine(),
            "args": vars(args)}
    (RESULTS / f"{args.out}.json").write_text(json.dumps({**meta, "rows": rows}, indent=2))
    (RESULTS / f"{args.out}.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
