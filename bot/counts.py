"""Which thing a number counts.

A sentence often counts several things: "deux soldats américains et un civil avaient
trouvé la mort, tandis que trois autres militaires avaient été blessés". "Who were the
victims?" → "two soldiers and three civilians [1]" passes every other check: the claim
is close to its sentence, and "two" and "three" are both in it. What it gets wrong is
which thing "three" counts.

Each count a claim writes is read with the words after it ("three | civilians"), and
so is each count of the sentence ("trois | autres militaires", "un | civil"). The words
alone are compared, across languages, with the embedder: with the number in, the
phrases matched by number ("three civilians" was closest to "trois autres
militaires"); without it, by what is counted ("civilians" 0.71 to "civil", 0.49 to
"autres militaires"). A claim's count is wrongly bound when what it counts is clearly
one thing the sentence counts (``CLEARLY``) with another number, and no thing counted
with its own number comes close (``CLOSE``): "three American soldiers were wounded" is
closest to "deux soldats américains" (0.88), yet "autres militaires" (0.71) is counted
three, so it stands.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from bot.facts import NUMBER_WORDS, ONE, fold

# What is counted, compared with the embedder (words alone, no number).
CLEARLY = 0.65
CLOSE = 0.6

_TOKENS = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Words that end what a number counts: "two soldiers and…", "three were wounded".
_ENDS = frozenset(
    "and or but were was are is had have has died de du des d of et ou mais avaient avait "
    "ont a sont est étaient était etaient etait who qui que which dont".split())


def number_value(token: str) -> float | None:
    """The number a token writes ("2", "deux", "un"), if it writes one."""
    if token[0].isdigit():
        return float(token.replace(",", "."))
    word = fold(token)
    return 1.0 if word in ONE else NUMBER_WORDS.get(word)


def counted(text: str, most: int = 2) -> list[tuple[float, str]]:
    """Each number of ``text`` with the words after it that say what it counts, at most
    ``most`` of them, up to a word that ends the phrase: (2, "soldats américains")."""
    tokens = _TOKENS.findall(text)
    out = []
    for i, token in enumerate(tokens):
        value = number_value(token)
        if value is None:
            continue
        words: list[str] = []
        for word in tokens[i + 1: i + 1 + most]:
            if fold(word) in _ENDS or number_value(word) is not None:
                break
            words.append(word)
        if words:
            out.append((value, " ".join(words)))
    return out


Embed = Callable[[Sequence[str]], np.ndarray]


def cached(embed: Embed) -> Embed:
    """``embed`` remembering each text's vector: a claim is checked against each sentence
    that may support it, and again once trimmed."""
    seen: dict[str, np.ndarray] = {}

    def run(texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in seen]
        if new:
            seen.update(zip(new, embed(new), strict=True))
        return np.stack([seen[t] for t in texts])

    return run


def misbound(claim: str, source: str, embed: Embed) -> bool:
    """Whether ``claim`` counts, with one of its numbers, a thing ``source`` counts with
    another. "one/un/une" in a claim is left alone: in French it is mostly an article."""
    theirs = counted(source)
    if len({n for n, _ in theirs}) < 2:
        # One number in the sentence: whether the claim's is there is checked elsewhere.
        return False
    ours = [(n, w) for n, w in counted(claim) if n != 1]
    if not ours:
        return False
    vectors = embed([w for _, w in ours] + [w for _, w in theirs])
    sims = vectors[: len(ours)] @ vectors[len(ours):].T
    for (n, _), row in zip(ours, sims, strict=True):
        best = int(row.argmax())
        own = [float(s) for (m, _), s in zip(theirs, row, strict=True) if m == n]
        if theirs[best][0] != n and row[best] >= CLEARLY and max(own, default=-1.0) < CLOSE:
            return True
    return False
