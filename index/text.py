"""Text normalisation the index and the bot share (``bot/facts.py`` re-exports it)."""

from __future__ import annotations

import unicodedata

# Capital letters, accented ones included: "États-Unis" read from "[A-Z]" was "Unis", a
# name no sentence writes, and a claim naming the United States needed the name bar.
UPPER = "A-ZÀ-ÖØ-ÞŒ"


def unaccented(text: str) -> str:
    """``text`` without its accents, case kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """Lower case without accents."""
    return unaccented(text.lower())
