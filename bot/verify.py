"""Claim-level citation verification: never trust the model's ``[n]`` blindly.

The answer is split into claims (sentences). A claim is supported by an article
sentence when they say the same thing across languages (embedding similarity at
least the calibrated bar) and every number in the claim is in that sentence (or is
the sum of two of its numbers: "two soldiers and a civilian" → "three people").
A name the article never mentions (fuzzy, accent-blind) demands a stronger
similarity, which is what refuses "Paris" for the capital of France. A name the answer
gives (not one the question brought) that the article writes must be in the supporting
sentence: one written only elsewhere was brought from another fact. A claim whose date
the model completed ("12 November 2024" for "12 novembre dernier") or whose place it
brought from another sentence is kept without the parts its sentence does not write
(``bot/dates.py``, ``bot/places.py``).

Each claim keeps the cited sentences that support it; when none does, the best
supporting retrieved sentence replaces the citation; a claim nothing supports is
dropped. An answer left with no claim is not shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

import numpy as np

from bot.agents import misattributed
from bot.citations import MARKER
from bot.counts import Embed, cached, misbound
from bot.dates import trim_unsupported_dates
from bot.facts import (
    WORDS,
    content_words,
    fold,
    name_known,
    names_in,
    negated,
    numbers_supported,
)
from bot.novelty import content_of, residual, says_nothing_new
from bot.places import trim_places
from bot.types import Citation
from index.splitter import split_sentences
from index.types import Sentence

# How much closer another sentence must be to a claim to replace the one it cites.
REPAIR_MARGIN = 0.1
# Weight of shared content words (0-1) against cosine similarity when ranking sentences.
OVERLAP_WEIGHT = 0.2
# The closest sentences (besides the cited ones) a claim with a completed date is
# trimmed against.
TRIM_CANDIDATES = 3
# Content words a claim must add to the question for what it adds to be compared with
# the sentences on its own (``bot/novelty.py``): a word or two alone are no sentence's.
NOVEL_WORDS = 3


def word_overlap(claim: str, sentence: str) -> float:
    """Share of the claim's content words found (by 5-letter stem) in the sentence."""
    words = content_words(claim)
    if not words:
        return 0.0
    stems = {w[:5] for w in content_words(sentence)}
    return sum(w[:5] in stems for w in words) / len(words)


# Content words a claim copied from its sentence must have to stand on the copy alone.
QUOTE_WORDS = 2


def quotes(claim: str, sentence: str) -> bool:
    """Whether ``claim`` is words of ``sentence``, copied as they stand (case, accents
    and punctuation aside), with at least ``QUOTE_WORDS`` content words.

    A short span scores low against the long sentence it comes from: "La zone
    désertique de Palmyre [7]." (0.42 to its sentence, under the claim bar) answers
    "Dans quelle zone l'embuscade a-t-elle été menée ?" in the sentence's own words.
    """
    words = " ".join(WORDS.findall(fold(claim)))
    return len(content_words(claim)) >= QUOTE_WORDS and \
        f" {words} " in f" {' '.join(WORDS.findall(fold(sentence)))} "


# The share of each other's words a claim and its sentence must hold to be one text.
COPY_SHARE = 0.9


def copies_whole(claim: str, sentence: str) -> bool:
    """Whether ``claim`` is ``sentence`` copied whole, or nearly: each holds at least
    ``COPY_SHARE`` of the other's words (case, accents and punctuation aside)."""
    a, b = WORDS.findall(fold(claim)), WORDS.findall(fold(sentence))
    if not a or not b:
        return False
    return sum(w in set(a) for w in b) >= COPY_SHARE * len(b) and \
        sum(w in set(b) for w in a) >= COPY_SHARE * len(a)


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


# The same within a claim: "…died, while [5] indicates that three were wounded" and
# "…created in 2014, according to sentence [9]" read as prose once markers are stripped
# only without the citing words; the marker goes behind the claim.
_CITING_INSIDE = re.compile(
    rf"\[(\d{{1,3}})\]\s*(?:{_VERBS})\s+(?:that\s+|que\s+|qu['’]\s*)(?=\w)", re.IGNORECASE)
_ACCORDING_TO = re.compile(
    r",?\s*\b(?:according\s+to|selon|d['’]après)\s+(?:the\s+|la\s+|l['’]\s*)?"
    r"(?:(?:sentence|phrase|article)\b\s*(?:\[(\d{1,3})\])?|\[(\d{1,3})\])"
    r"(?=\s*(?:\[\d|[.!?…,;]|$))", re.IGNORECASE)


def _drop_citing_words(sentence: str) -> str:
    moved: list[str] = []

    def keep(m: re.Match[str]) -> str:
        moved.extend(g for g in m.groups() if g)
        return ""

    text = _ACCORDING_TO.sub(keep, _CITING_INSIDE.sub(keep, sentence))
    if text == sentence:
        return sentence
    text = text.lstrip(" ,;:")
    if not any(ch.isalnum() for ch in MARKER.sub("", text)):
        return sentence
    text = text[0].upper() + text[1:] if text[0].islower() and sentence[0].isupper() else text
    # Where the markers go does not matter: ``claims_of`` strips them and keeps the numbers.
    return text + "".join(f" [{n}]" for n in moved)


# "Les mesures évoquées sont les suivantes : [4], [6]." announces what it never says:
# close to its sentence, it would pass for an answer with nothing in it.
_ANNOUNCES = re.compile(r":[\s,;.]*$")


def claims_of(answer: str) -> list[Claim]:
    out = []
    for sentence in split_sentences(answer):
        sentence = _drop_citing_words(_lift_citing_subject(sentence))
        cited = tuple(int(m.group(1)) for m in MARKER.finditer(sentence))
        text = MARKER.sub("", sentence).strip()
        if _ANNOUNCES.search(text) or text.endswith("?"):
            # (A question is no claim either: the model copies the one it was asked.)
            continue
        if any(ch.isalnum() for ch in text):
            out.append(Claim(text, cited))
        elif cited and out:
            # a lone "[2]." after the sentence it belongs to
            out[-1] = Claim(out[-1].text, out[-1].cited + cited)
    return out


class _NamesOf:
    """The names a claim gives, as support needs them, worked out once per claim text.

    ``given``: the names the question did not bring, which the supporting sentence must
    write (or clear the stronger bar). ``unknown``: whether one is written nowhere in the
    article. ``written``: the given names the article writes; a sentence lacking one of
    those does not support the claim at any similarity, as the name was brought from
    another sentence ("the operation was launched in the Palmyra desert" cites the
    sentence on the operation, which says Homs). A name no sentence writes may be the
    reader's word for one ("the United States" for "les États-Unis"): that one only
    needs the stronger bar.
    """

    def __init__(self, question: str, context: str, ordinary: str) -> None:
        self.question, self.context, self.ordinary = question, context, ordinary
        self._seen: dict[str, tuple[list[str], bool, list[str]]] = {}

    def __call__(self, text: str) -> tuple[list[str], bool, list[str]]:
        if text not in self._seen:
            names = names_in(text, self.ordinary)
            given = [n for n in names if not name_known(n, self.question)]
            self._seen[text] = (given, any(not name_known(n, self.context) for n in names),
                                [n for n in given if name_known(n, self.context)])
        return self._seen[text]

    def trim(self, claim: str, source: str) -> str:
        """``claim`` without the dates and places ``source`` does not write."""
        text = trim_unsupported_dates(claim, source)
        brought = [n for n in self(text)[2] if not name_known(n, source)]
        return trim_places(text, brought) if brought else text


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
    asked: str | None = None,
    embed: Embed | None = None,
) -> Verdict:
    """Keep the supported claims of ``answer``, each cited to sentences of ``numbered``.

    ``numbered[i]`` is the sentence the model saw as ``[i+1]``; ``similarity(claims)``
    is the (claims × numbered) cosine of each claim with each sentence. ``bar`` is the
    similarity a supporting sentence needs; ``name_bar`` the higher one when the claim
    names something the sentences never mention.
    ``eligible``: the indices of ``numbered`` that may support a claim (default: all).
    A model shown the whole article sometimes copies a sentence the question is not
    about; restricting support to what retrieval also found keeps that out.
    ``asked``: what the claims may restate (default: ``question``; for a follow-up, the
    questions it follows too). A claim that adds nothing to it is no claim; what a
    claim adds must be closest to the sentence supporting it, or within
    ``REPAIR_MARGIN`` of the closest (``bot/novelty.py``).
    ``embed``: the embedder's document vectors, to tell which thing each of a claim's
    numbers counts (``bot/counts.py``) and who did what it tells (``bot/agents.py``);
    without it, neither is checked.
    """
    asked = question if asked is None else asked
    embed = cached(embed) if embed is not None else None
    drafted = claims_of(answer)
    claims = [c for c in drafted if not says_nothing_new(c.text, asked)]
    echoes = len(drafted) - len(claims)
    if not claims or not numbered:
        return Verdict("", [], len(drafted), 0, False)
    # What each claim adds to the question, compared alone, where it adds enough to be
    # read apart; embedded in one batch with the claims.
    added = {k: rest for k, c in enumerate(claims)
             if len(content_of(rest := residual(c.text, asked))) >= NOVEL_WORDS}
    both = similarity([*(c.text for c in claims), *added.values()])
    sims = both[: len(claims)]
    added_rows = dict(zip(added, both[len(claims):], strict=True))
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
    dropped, repaired = echoes, 0
    invented = False
    names_of = _NamesOf(question, context, ordinary)
    others = [] if allowed is None else [j for j in range(len(numbered)) if j not in allowed]
    for k, (claim, row, rank) in enumerate(zip(claims, sims, ranking, strict=True)):
        given, unknown_name, _ = names_of(claim.text)
        novel = added_rows.get(k)

        def supports(i: int, text: str = claim.text, row: np.ndarray = row,
                     novel: np.ndarray | None = novel) -> bool:
            source = numbered[i].text
            given, unknown_name, written = names_of(text)
            if any(not name_known(n, source) for n in written):
                return False
            if novel is not None and float(novel.max()) - novel[i] > REPAIR_MARGIN:
                # What the claim adds to the question is another sentence's: its
                # closeness to this one is the question's words, restated.
                return False
            need = name_bar if unknown_name or any(
                not name_known(n, source) for n in given) else bar
            if allowed is not None and (i not in allowed or any(
                    row[j] - row[i] > REPAIR_MARGIN for j in others)):
                # Said far better by a sentence retrieval did not find: another fact,
                # which the one allowed merely resembles ("Quel est le rôle d'Asaad
                # al-Shaibani ?" answered with what he called the attack, 0.96 to that
                # sentence, 0.45 to the one naming him minister).
                return False
            # A claim denying what its sentence states says the opposite, however close.
            return (row[i] >= need or quotes(text, source)) \
                and numbers_supported(text, source, question) \
                and (not negated(text) or negated(source)) \
                and (embed is None or not (misbound(text, source, embed)
                                           or misattributed(text, source, embed)))

        valid = list(dict.fromkeys(n - 1 for n in claim.cited if 0 < n <= len(numbered)))
        good = [i for i in valid if supports(i)]
        close = [i for i in valid if (allowed is None or i in allowed) and row[i] >= bar]
        if not good and len(close) > 1 and not unknown_name:
            # "Al-Shaibani called Rubio and passed on condolences to Trump [3][5]": a
            # claim joining two sentences is vouched for by the cited ones close to it,
            # together, every name and number it adds found in one or another.
            joint = " ".join(numbered[i].text for i in close)
            if all(name_known(n, joint) for n in given) \
                    and numbers_supported(claim.text, joint, question):
                good = close
        best = max(range(len(numbered)), key=lambda i: rank[i])
        # A cited sentence that merely clears the bar loses to one that clearly says it
        # better: small models often cite the neighbour of the right sentence.
        if supports(best) and best not in good and (
            not good or rank[best] - max(rank[i] for i in good) > REPAIR_MARGIN
        ):
            good, repaired = [best], repaired + 1
        if good:
            kept.append((claim.text, good))
            continue
        # A date the model completed ("12 novembre dernier" → "12 November 2024") or a
        # place it brought from another sentence: keep what a sentence says, without
        # the parts it does not. Each trimmed claim is compared anew: the untrimmed one
        # leans towards any sentence holding a date ("décembre 2024" for "on Sunday,
        # December 12, 2024").
        closest = sorted(range(len(numbered)), key=lambda i: -rank[i])[:TRIM_CANDIDATES]
        trims = {i: t for i in dict.fromkeys([*valid, *closest])
                 if (allowed is None or i in allowed)
                 and (t := names_of.trim(claim.text, numbered[i].text)) != claim.text}
        texts = {t: k for k, t in enumerate(dict.fromkeys(trims.values()))}
        trimmed_sims = similarity(list(texts)) if texts else np.zeros((0, len(numbered)))
        fits = [(float(trimmed_sims[texts[t]][i]), i, t) for i, t in trims.items()
                if supports(i, t, trimmed_sims[texts[t]]) and not says_nothing_new(t, asked)]
        if fits:
            _, i, t = max(fits)
            kept.append((t, [i]))
            repaired += 1
        else:
            dropped += 1
            invented = invented or unknown_name or not any(
                numbers_supported(claim.text, s.text, question) for s in numbered)
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
