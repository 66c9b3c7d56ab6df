"""What an answer says beyond the question it answers.

A 1.5B model asked "why" or "to what end" often restates the question as its answer:
"Dans quel but les nouveaux dirigeants syriens œuvrent-ils sur tout le pays… ?" →
"Les nouveaux dirigeants syriens œuvrent sur tout le pays depuis la fin de l'ère
Assad [1]". The claim is close to its sentence because the question is: it was written
from it. Or it restates the question and adds a fact read elsewhere: "Pourquoi Damas
a-t-il déclenché une opération autour de Homs ?" → "… autour de Homs pour renforcer la
sécurité et la stabilité sur l'ensemble du territoire [8]", where [8] is the sentence
on the operation and the purpose is another sentence's. Either way the claim's
similarity to its sentence measures the question's words.

What the claim adds is what remains once the question's words are taken out
(``residual``): nothing, and the claim answers nothing (``says_nothing_new``); words
read elsewhere, and the sentence they are closest to is another (``CitedQA`` compares
the remainder with each sentence: ``bot/verify.py``).
"""

from __future__ import annotations

import re

from bot.facts import ELISION, STOP, WORDS, fold, numbers_in, ones, same_word

# A word of the question is taken out of the claim wherever the claim writes it, in any
# inflection (``same_word``: one starts the other, or six letters shared).
_PARTS = re.compile(r"[-'’]")
_TOKEN = re.compile(r"\S+")
# Under this share of the question's content words restated, a short answer picking one
# of the question's own words ("Samedi ou dimanche ?" → "Samedi [1]") is no echo.
ECHO_COVERAGE = 0.5


def _stems(text: str) -> set[str]:
    return {p for w in WORDS.findall(fold(text)) for p in _PARTS.split(ELISION.sub("", w))
            if len(p) > 3 and p not in STOP}


def _asked(word: str, asked: set[str]) -> bool:
    parts = [p for p in _PARTS.split(ELISION.sub("", fold(word))) if len(p) > 3]
    return bool(parts) and all(any(same_word(p, q) for q in asked) for p in parts)


def residual(claim: str, question: str) -> str:
    """``claim`` without the words ``question`` writes (content words, inflected or not)."""
    asked = _stems(question)
    kept = [t for t in _TOKEN.findall(claim)
            if not _asked(re.sub(r"[^\w'’-]", "", t), asked)]
    return " ".join(kept)


_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")


def content_of(text: str) -> set[str]:
    """The words of ``text`` that carry a fact: content words, and acronyms of any
    length ("EI", "US")."""
    return _stems(text) | set(_ACRONYM.findall(text))


def adds_nothing(text: str, said: str) -> bool:
    """Whether every word, number and date of ``text`` is in ``said`` already."""
    rest = residual(text, said)
    # ``residual`` keeps words of three letters or fewer: an acronym ``said`` writes too
    # ("US" in "the head of US diplomacy") is not new.
    new = content_of(rest) - set(_ACRONYM.findall(said))
    # "un civil", "one civilian": a count the number words of ``numbers_in`` leave out.
    return not new and numbers_in(rest) <= numbers_in(said) \
        and (not ones(rest) or ones(said) > 0)


def says_nothing_new(claim: str, question: str) -> bool:
    """Whether ``claim`` restates ``question`` and adds no word, number or date to it."""
    if not adds_nothing(claim, question):
        return False
    asked = _stems(question)
    restated = [w for w in asked if any(same_word(w, c) for c in _stems(claim))]
    return bool(asked) and len(restated) >= ECHO_COVERAGE * len(asked)
