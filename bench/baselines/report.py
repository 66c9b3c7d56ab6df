"""The benchmark's outputs: one printed table, JSON, and a PNG bar chart."""

from __future__ import annotations

import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.stats import cpu_name

QUALITY = ["recall@1", "recall@5", "mrr@10", "containment", "token_f1",
           "citation_precision", "citation_recall", "refusal"]
SHORT = {"recall@1": "R@1", "recall@5": "R@5", "mrr@10": "MRR", "answer_rate": "ans",
         "containment": "cont", "token_f1": "F1", "citation_precision": "citP",
         "citation_recall": "citR", "refusal": "refuse"}


def machine() -> dict[str, Any]:
    return {"cpu": cpu_name(), "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(),
            "date": datetime.now(UTC).isoformat(timespec="seconds")}


def ratios(rows: list[dict[str, Any]], default: str, others: list[str]) -> dict[str, Any]:
    """default / other for every quality metric, per benchmark group."""
    by = {(r["system"], r["group"]): r for r in rows}
    out: dict[str, Any] = {}
    for group in sorted({r["group"] for r in rows}):
        mine = by.get((default, group))
        if not mine:
            continue
        for other in others:
            theirs = by.get((other, group))
            if not theirs:
                continue
            out.setdefault(group, {})[other] = {
                m: (round(mine[m] / theirs[m], 2) if mine.get(m) is not None
                    and theirs.get(m) else None)
                for m in QUALITY
            }
    return out


def _fmt(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.2f}" if v < 10 else f"{v:.0f}"
    return str(v)


def table(rows: list[dict[str, Any]]) -> str:
    cols = ["group", "system", "questions", *[m for m in SHORT if m != "answer_rate"],
            "answer_rate", "lat50", "lat95"]
    head = [SHORT.get(c, c) for c in cols]
    lines = []
    for r in rows:
        cells = [_fmt(r.get(c)) for c in cols[:-2]]
        cells += [_fmt(r.get("total_p50_ms")), _fmt(r.get("total_p95_ms"))]
        lines.append(cells)
    widths = [max(len(h), *(len(x[i]) for x in lines)) if lines else len(h)
              for i, h in enumerate(head)]
    fmt = "  ".join(f"{{:<{w}}}" if i < 2 else f"{{:>{w}}}" for i, w in enumerate(widths))
    out = [fmt.format(*head), fmt.format(*["-" * w for w in widths])]
    out += [fmt.format(*cells) for cells in lines]
    return "\n".join(out)


def builds_table(builds: list[dict[str, Any]]) -> str:
    out = [f"{'corpus':<6} {'system':<16} {'units':>6} {'build s':>8} {'embedded':>8} "
           f"{'units/s':>8} {'RSS +MB':>8}"]
    for b in builds:
        rate = f"{b['rate']:.1f}" + ("" if b["rate_measured_now"] else "*")
        out.append(f"{b['corpus']:<6} {b['system']:<16} {b['units']:>6} {b['seconds']:>8.1f} "
                   f"{b['embedded']:>8} {rate:>8} {b['rss_delta_mb']:>8.0f}")
    out.append("* rate from the vector cache's record of an earlier run (nothing new to embed)")
    return "\n".join(out)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def chart(path: Path, rows: list[dict[str, Any]], title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = sorted({r["group"] for r in rows})
    systems = list(dict.fromkeys(r["system"] for r in rows))
    metrics = ["recall@5", "mrr@10", "containment", "token_f1", "citation_precision",
               "citation_recall", "refusal"]
    fig, axes = plt.subplots(len(groups), 1, figsize=(12, 3.2 * len(groups)), squeeze=False)
    width = 0.8 / max(1, len(systems))
    by = {(r["system"], r["group"]): r for r in rows}
    for ax, group in zip(axes[:, 0], groups, strict=True):
        for i, system in enumerate(systems):
            r = by.get((system, group))
            if not r:
                continue
            vals = [r.get(m) or 0.0 for m in metrics]
            xs = [j + i * width for j in range(len(metrics))]
            ax.bar(xs, vals, width, label=f"{system} (n={r['questions']})")
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(metrics))])
        ax.set_xticklabels([SHORT.get(m, m) for m in metrics])
        ax.set_ylim(0, 1.05)
        ax.set_title(group)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.12))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
