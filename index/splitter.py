"""French-aware paragraph and sentence splitting with stable sentence ids.

A boundary is end punctuation (``. ! ? …``), optionally closed by quotes or brackets,
then white space, then something that can start a sentence. Abbreviations, initials,
decimals and ellipses inside a sentence are not boundaries. Bump ``SPLITTER_VERSION``
whenever the output can change: it is recorded in the index manifest, and a mismatch
forces a rebuild so that sentence ids never silently shift.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from index.types import Sentence

SPLITTER_VERSION = "fr-1"

# Lower-cased, without the final dot. French first, then the English ones a French
# news text still quotes.
ABBREVIATIONS = frozenset(
    """
    m mm mme mmes mlle mlles mgr dr drs pr prof st ste sts stes
    cf etc ex env fig figs chap al vol pp nos éd ed coll trad
    av apr j.-c jc gén cdt lt sgt adj capt
    janv févr fév avr juil oct nov déc
    mr mrs ms jr sr inc ltd corp vs approx dept
    e.g i.e u.s u.k a.m p.m
    """.split()
)

_CLOSERS = "»”’\"')]"
_OPENERS = "«“‘\"'(["
# Candidate boundary: end punctuation, optional closers, then white space.
# French sets closing guillemets off with a (narrow) space: « Bonjour ! » Puis…
# The look-behind makes a run of punctuation match from its start only: without it a
# long run ("......" with no space after) is rescanned from every position, O(n²).
_BOUNDARY = re.compile(
    r"(?<![.!?…])([.!?…]+)((?:[ \u00a0\u202f]?[" + re.escape(_CLOSERS) + r"])*)(\s+)"
)
# Matched on the reversed last token: ``[…]+$`` searched forwards is O(n²) on long tokens.
_WORD_END = re.compile(r"[\w.\-’']+")
_SPACES = re.compile(r"\s+")


def _starts_sentence(rest: str) -> bool:
    """Whether the text after a candidate boundary can open a new sentence."""
    rest = rest.lstrip(_OPENERS + " \u00a0\u202f—–-")
    if not rest:
        return False
    first = rest[0]
    return first.isupper() or first.isdigit()


def _last_word(before: str) -> str:
    """The trailing run of word characters, dots, hyphens and apostrophes of ``before``."""
    token = before[before.rfind(" ") + 1 :]  # white space is folded to " " by now
    m = _WORD_END.match(token[::-1])
    return m.group(0)[::-1] if m else ""


def _is_abbreviation(before: str) -> bool:
    raw = _last_word(before)
    if not raw:
        return False
    word = raw.lower().rstrip(".")
    if word in ABBREVIATIONS:
        return True
    # An initial (``J. Smith``, ``J.-P. Sartre``): one letter, possibly hyphenated.
    last = re.split(r"[.\-]", word)[-1]
    return len(last) == 1 and last.isalpha() and raw[-1:].isalpha()


def split_sentences(paragraph: str) -> list[str]:
    """Split one paragraph into sentences; white space inside each is folded."""
    text = _SPACES.sub(" ", paragraph).strip()
    if not text:
        return []
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        punct, end = m.group(1), m.end(2)
        if not _starts_sentence(text[m.end() :]):
            continue
        if punct == "." and _is_abbreviation(text[start : m.start(1)]):
            continue
        out.append(text[start:end].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def split_paragraphs(text: str) -> list[str]:
    """Blank lines separate paragraphs; a text with none has one paragraph per line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blank = re.compile(r"\n\s*\n")
    blocks = blank.split(text) if blank.search(text) else text.split("\n")
    return [b.strip() for b in blocks if b.strip()]


def sentences_of(doc_id: str, text: str) -> Iterator[Sentence]:
    """All sentences of a document, numbered from 1 in reading order."""
    n = 0
    for p, paragraph in enumerate(split_paragraphs(text), start=1):
        for s in split_sentences(paragraph):
            n += 1
            yield Sentence(id=f"{doc_id}:{n}", doc_id=doc_id, n=n, paragraph=p, text=s)
