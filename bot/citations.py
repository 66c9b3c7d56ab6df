"""Citation checks: every ``[n]`` points at a real, verbatim article sentence.

The answerer proposes; this module disposes. Markers that point nowhere are removed,
citations no marker uses are dropped, the rest are renumbered 1..k in order of first
use, and each quoted text is replaced by the indexed sentence itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from bot.types import Citation

MARKER = re.compile(r"\s?\[(\d{1,3})\]")
# A verbatim quote of the article inside an answer: « … ».
QUOTED = re.compile(r"«[^»]*»")


def validate_citations(
    answer: str,
    citations: Sequence[Citation],
    lookup: Callable[[str], str | None],
) -> tuple[str, list[Citation]]:
    """``answer`` and ``citations`` made consistent with each other and with the article.

    ``lookup`` maps a sentence id to its indexed text (None when there is no such sentence).
    """
    known = {}
    for c in citations:
        text = lookup(c.id)
        if text is not None:
            known[c.n] = Citation(c.n, c.id, text)
    renumber: dict[int, int] = {}
    by_id: dict[str, int] = {}

    def repl(m: re.Match[str]) -> str:
        old = int(m.group(1))
        cited = known.get(old)
        if cited is None:
            return ""
        if old not in renumber:
            # Two markers for the same sentence share one number.
            renumber[old] = by_id.setdefault(cited.id, len(by_id) + 1)
        return f" [{renumber[old]}]"

    # A quoted article sentence is verbatim text, not the answerer's markup: a "[2]" the
    # article itself prints must survive. Only the text between such quotes is rewritten.
    quotes = sorted({c.text for c in known.values() if MARKER.search(c.text)},
                    key=len, reverse=True)
    if quotes:
        pieces = re.split("(" + "|".join(map(re.escape, quotes)) + ")", answer)
        fixed = "".join(p if i % 2 else MARKER.sub(repl, p)
                        for i, p in enumerate(pieces)).strip()
    else:
        fixed = MARKER.sub(repl, answer).strip()
    kept: dict[int, Citation] = {}
    for old, new in renumber.items():
        kept.setdefault(new, Citation(new, known[old].id, known[old].text))
    return fixed, [kept[n] for n in sorted(kept)]
