"""Trim a place a claim brought from another sentence of the article.

Shown the whole article, a small model sets a fact in the place it read elsewhere: "the
Syrian authorities launched a security operation in Palmyra on Sunday" cites the
sentence on the operation, which names Homs; Palmyra is the ambush's. The place is
invented for that fact, the rest of the claim is what its sentence says. Like a
completed date (``bot/dates.py``), the place phrase is removed and what is left is
verified anew. Only a phrase a preposition of place opens is trimmed: a name brought
in any other role ("an ambush led by al-Shaibani") still leaves the claim unsupported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_PREPOSITIONS = (r"in|at|near|outside|around|from|inside|à|au|aux|en|dans|près\s+de"
                 r"|pres\s+de|vers|autour\s+de|aux\s+environs\s+de")
# Up to three words between the preposition and the name: "in the desert of Palmyra",
# "dans la zone désertique de Palmyre".
_BETWEEN = r"(?:[\w'’-]+\s+){0,3}?"
_DANGLING = re.compile(r"\s+([,.;:!?])")


def trim_places(claim: str, names: Sequence[str]) -> str:
    """``claim`` without the place phrases that end in one of ``names``."""
    out = claim
    for name in names:
        phrase = re.compile(rf",?\s*\b(?:{_PREPOSITIONS})\s+{_BETWEEN}{re.escape(name)}\b",
                            re.IGNORECASE)
        out = phrase.sub("", out)
    if out == claim:
        return claim
    return _DANGLING.sub(r"\1", re.sub(r"\s{2,}", " ", out)).strip()
