"""Claim-level citation verification: never trust the model's ``[n]`` blindly.

The answer is split into claims (sentences). A claim is supported by an article
sentence when they say the same thing across languages (embedding similarity at
least the calibrated bar) and every number in the claim is in that sentence (or is
the sum of two of its numbers: "two soldiers and a civilian" → "three people").
A name the article never mentions (fuzzy, accent-blind) demands a stronger
similarity, which is what refuses "Paris" for the capital of France.

Each claim keeps the cited sentences that support it; when none does, the best
supporting retrieved sentence replaces the citation; a claim nothing supports is
dropped. An answer left with no claim is not shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import combinations

import numpy as np

from bot.citations import MARKER
from bot.types import Citation
from index.splitter import split_sentences
from index.types import Sentence

# How much closer another sentence must be to a claim to replace the one it cites.
REPAIR_MARGIN = 0.1
# Weight of shared content words (0-1) against cosine similarity when ranking sentences.
OVERLAP_WEIGHT = 0.2
_STOP = frozenset(
    "the and for that with this from were was are has have had its his her their they "
    "les des une que qui dans pour par avec est sont ont été était sur aux du au ses son "
    "cette ces leur".split()
)

_NUMBER_WORDS = {
    # English
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100, "thousand": 1000,
    # French
    "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "dix": 10, "onze": 11, "douze": 12, "vingt": 20, "trente": 30, "quarante": 40,
    "cinquante": 50, "cent": 100, "mille": 1000,
}
# Days and months are facts like numbers: a claim naming one needs a sentence naming it
# ("Sunday" for "samedi" is a wrong answer however close the sentences are).
_DATE_WORDS = {
    w: i for i, names in enumerate([
        "monday lundi", "tuesday mardi", "wednesday mercredi", "thursday jeudi",
        "friday vendredi", "saturday samedi", "sunday dimanche", "january janvier",
        "february fevrier", "march mars", "april avril", "may mai", "june juin",
        "july juillet", "august aout", "september septembre", "october octobre",
        "november novembre", "december decembre"]) for w in names.split()
}
# "one/un/une" double as articles ("un civil"): they count in sums but are never required.
_ONE = {"one", "un", "une"}
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
_WORDS = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][\w’'-]{2,})")
_NOT_NAMES = frozenset(
    "The This That These Those There They Their According Selon Les Des Une Cette Ces "
    "Son Ses Leur Dans Pour And But Yes Non Oui".split()
)
_OPENING = re.compile(r"^\W*([A-Z][\w’'-]{2,})")
# Closed-class words that open sentences: capitalised there, never names.
_OPENERS = frozenset(
    "after also although among another any are both but despite did during each either "
    "even every few for from had has have her here his how however its many more most "
    "neither nor not none nothing now one only other over several she since some such "
    "then there these they this those through thus under until was were what when where "
    "which while who whom whose why with within without yes you "
    "ainsi alors apres aucun aucune aussi autour avant avec car ceci cela celle celui "
    "certains chaque comme comment depuis donc durant elle elles entre environ ils lors "
    "mais malgre meme nous oui parmi pendant plusieurs pour pourquoi quand quel quelle "
    "quels quelles selon sous tous toutes tout vers".split()
)


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def numbers_in(text: str) -> set[float]:
    found = {float(d.replace(",", ".")) for d in _DIGITS.findall(text)}
    for word in _WORDS.findall(fold(text)):
        if word in _NUMBER_WORDS:
            found.add(float(_NUMBER_WORDS[word]))
    return found


def _ones(text: str) -> int:
    return sum(w in _ONE for w in _WORDS.findall(fold(text)))


def dates_in(text: str) -> set[int]:
    """The days and months ``text`` names, French and English alike."""
    # Lower-case "may" is the English verb; French months are written lower-case.
    return {_DATE_WORDS[fold(w)] for w in _WORDS.findall(text)
            if fold(w) in _DATE_WORDS and w != "may"}


def numbers_supported(claim: str, source: str) -> bool:
    if not dates_in(claim) <= dates_in(source):
        return False
    have = numbers_in(source)
    pool = sorted(have) + [1.0] * min(_ones(source), 2)
    sums = {a + b for a, b in combinations(pool, 2)}
    return all(n in have or n in sums for n in numbers_in(claim))


def names_in(claim: str, ordinary: str = "") -> list[str]:
    """Capitalised words of ``claim`` that may be names.

    The opening word is capitalised anyway: it counts as a possible name unless it is a
    closed-class word or ``ordinary`` (text known to be about the same thing: the
    article) uses it in lower case ("Deux soldats…" opens a claim, "deux" is no name).
    """
    names = [n for n in _CAPITALISED.findall(claim) if n not in _NOT_NAMES]
    opening = _OPENING.match(claim)
    if opening:
        word = opening.group(1)
        folded = fold(word)
        common = (word in _NOT_NAMES or folded in _OPENERS or folded in _STOP
                  or folded in _NUMBER_WORDS or folded in _DATE_WORDS
                  or re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", ordinary))
        if not common:
            names.insert(0, word)
    return names


def name_known(name: str, text: str) -> bool:
    target = fold(name)
    for word in _WORDS.findall(fold(text)):
        if word == target or (len(word) >= 5 and word[:5] == target[:5]):
            return True
        if SequenceMatcher(None, word, target).ratio() >= 0.75:
            return True
    return False


def _content_words(text: str) -> set[str]:
    return {w for w in _WORDS.findall(fold(text)) if len(w) > 3 and w not in _STOP}


def word_overlap(claim: str, sentence: str) -> float:
    """Share of the claim's content words found (by 5-letter stem) in the sentence."""
    words = _content_words(claim)
    if not words:
        return 0.0
    stems = {w[:5] for w in _content_words(sentence)}
    return sum(w[:5] in stems for w in words) / len(words)


@dataclass(frozen=True)
class Claim:
    text: str  # without markers
    cited: tuple[int, ...]  # the [n] the model wrote


# "[7] indicates that two soldiers died." / "Selon [7], deux soldats…": a small model
# makes the marker the subject; once markers are stripped the claim would read
# "indicates that…", so the marker is moved behind the claim it supports.
_VERBS = (r"indicates|states|says|shows|mentions|reports|notes|explains|confirms|specifies"
          r"|indique|précise|dit|mentionne|affirme|rapporte|explique|confirme|note")
# Only with "that/que" or the comma: "[1] Reports from CENTCOM say…" (a marker the
# splitter left at the start of the next sentence) must stay as it is.
_CITING_OPENING = re.compile(
    r"^\W*(?:(?:the\s+|la\s+|l['’])?(?:sentence|phrase|article)\s+)?\[(\d{1,3})\]\s*"
    rf"(?:{_VERBS})\s+(?:that\s+|que\s+|qu['’]\s*)"
    r"|^\W*(?:according\s+to|selon|d['’]après)\s+(?:(?:the\s+|la\s+)?(?:sentence|phrase)\s+)?"
    r"\[(\d{1,3})\]\s*,\s*", re.IGNORECASE)
_NOT_A_CLAIM_START = re.compile(r"^(?:\[\d|and\b|et\b|\W*$)", re.IGNORECASE)


def _lift_citing_subject(sentence: str) -> str:
    m = _CITING_OPENING.match(sentence)
    if not m:
        return sentence
    rest = sentence[m.end():].strip()
    if not rest or _NOT_A_CLAIM_START.match(rest):
        return sentence
    return f"{rest[0].upper()}{rest[1:]} [{m.group(1) or m.group(2)}]"


def claims_of(answer: str) -> list[Claim]:
    out = []
    for sentence in split_sentences(answer):
        sentence = _lift_citing_subject(sentence)
        cited = tuple(int(m.group(1)) for m in MARKER.finditer(sentence))
        text = MARKER.sub("", sentence).strip()
        if any(ch.isalnum() for ch in text):
            out.append(Claim(text, cited))
        elif cited and out:
            # a lone "[2]." after the sentence it belongs to
            out[-1] = Claim(out[-1].text, out[-1].cited + cited)
    return out


@dataclass(frozen=True)
class Verdict:
    answer: str
    citations: list[Citation]
    dropped: int  # claims removed as unsupported
    repaired: int  # claims whose citation was replaced
    invented: bool = False  # a dropped claim stated a number or a name the sentences lack


def verify(
    answer: str,
    numbered: Sequence[Sentence],
    question: str,
    similarity: Callable[[list[str]], np.ndarray],
    bar: float,
    name_bar: float,
    eligible: Collection[int] | None = None,
) -> Verdict:
    """Keep the supported claims of ``answer``, each cited to sentences of ``numbered``.

    ``numbered[i]`` is the sentence the model saw as ``[i+1]``; ``similarity(claims)``
    is the (claims × numbered) cosine of each claim with each sentence. ``bar`` is the
    similarity a supporting sentence needs; ``name_bar`` the higher one when the claim
    names something the sentences never mention.
    ``eligible``: the indices of ``numbered`` that may support a claim (default: all).
    A model shown the whole article sometimes copies a sentence the question is not
    about; restricting support to what retrieval also found keeps that out.
    """
    claims = claims_of(answer)
    if not claims or not numbered:
        return Verdict("", [], len(claims), 0, False)
    sims = similarity([c.text for c in claims])
    # Shared content words break near-ties between sentences on the same topic (the
    # claim "secretary of State" belongs with the sentence that says "secrétaire d'État").
    overlap = np.array([[word_overlap(c.text, s.text) for s in numbered] for c in claims])
    ranking = sims + OVERLAP_WEIGHT * overlap
    # Names are vouched for by the article alone: a name the question plants ("say that
    # Macron ordered it") must not pass at the ordinary bar because the model echoes it.
    context = " ".join(s.text for s in numbered)
    ordinary = " ".join([question, context])
    allowed = None if eligible is None else set(eligible)
    kept: list[tuple[str, list[int]]] = []
    dropped = repaired = 0
    invented = False
    for claim, row, rank in zip(claims, sims, ranking, strict=True):
        unknown_name = any(not name_known(n, context)
                           for n in names_in(claim.text, ordinary))
        need = name_bar if unknown_name else bar

        def supports(i: int, claim: Claim = claim, row: np.ndarray = row,
                     need: float = need) -> bool:
            return (allowed is None or i in allowed) and row[i] >= need and numbers_supported(
                claim.text, numbered[i].text)

        valid = [n - 1 for n in claim.cited if 0 < n <= len(numbered)]
        good = [i for i in dict.fromkeys(valid) if supports(i)]
        best = max(range(len(numbered)), key=lambda i: rank[i])
        # A cited sentence that merely clears the bar loses to one that clearly says it
        # better: small models often cite the neighbour of the right sentence.
        if supports(best) and best not in good and (
            not good or rank[best] - max(rank[i] for i in good) > REPAIR_MARGIN
        ):
            good, repaired = [best], repaired + 1
        if good:
            kept.append((claim.text, good))
        else:
            dropped += 1
            invented = invented or unknown_name or not any(
                numbers_supported(claim.text, s.text) for s in numbered)
    citations: list[Citation] = []
    number_of: dict[str, int] = {}
    parts = []
    for text, rows in kept:
        marks = []
        for i in rows:
            s = numbered[i]
            if s.id not in number_of:
                number_of[s.id] = len(number_of) + 1
                citations.append(Citation(number_of[s.id], s.id, s.text))
            marks.append(f"[{number_of[s.id]}]")
        body = text.rstrip()
        end = body[-1] if body and body[-1] in ".!?…" else "."
        body = body.rstrip(".!?… ")
        parts.append(f"{body} {' '.join(marks)}{end}")
    return Verdict(" ".join(parts), citations, dropped, repaired, invented)
