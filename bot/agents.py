"""Who did it, in a passive claim.

"Who carried out the deadly attack near Palmyra?" → "The attack was carried out by two
soldiers and a civilian [1]": the sentence says "deux soldats américains et un civil
avaient trouvé la mort … lors d'une embuscade menée par un combattant de Daech". The
claim is close to it and its numbers are there; it names the dead as the doers.

A claim's doer is what follows "by"/"par" ("two soldiers and a civilian"), each of its
parts read alone ("soldiers", "civilian"). The sentence says who did things the same
way ("par un combattant de Daech"), and counts others ("deux soldats américains":
``bot/counts.py``; counted two or more, "un/une" being mostly an article). A part the
embedder places clearly with what the sentence counts (``CLEARLY``), and near none of
its doers (``CLOSE``), is another role: the claim is wrong. Only when the sentence names
a doer with "par"/"by": an active sentence ("Daech a mené l'embuscade") gives no such
evidence, and is left alone. The cost: a sentence whose counted subject is the doer
while "par" names another ("Deux hommes ont attaqué…, selon un rapport publié par la
police") turns away "attacked by two men".
"""

from __future__ import annotations

import re

from bot.counts import CLEARLY, CLOSE, Embed, counted, number_value
from bot.facts import fold

# "by"/"par" and the words after it, up to a clause, a place, a time or a purpose.
_DOER = re.compile(
    r"\b(?:by|par)\s+((?:(?!\b(?:as|who|whom|which|that|in|on|near|at|during|while|after"
    r"|before|since|for|to|with|from|dans|lors|près|pres|en|qui|que|dont|pour|avec|depuis"
    r"|selon|après|apres|avant|sur)\b)[^,.;:\[\]()«»])+)", re.IGNORECASE)
_PARTS = re.compile(r"\s*(?:\band\b|\bet\b|,|&)\s*", re.IGNORECASE)
_LEADING = frozenset("a an the le la les l des de du d".split())


def doers(text: str) -> list[str]:
    """The phrases ``text`` writes after "by"/"par": who did what it tells."""
    return [m.group(1).strip() for m in _DOER.finditer(text) if m.group(1).strip()]


def _parts(phrase: str) -> list[str]:
    """The things a doer phrase joins, without counts or articles: "two soldiers and a
    civilian" → ["soldiers", "civilian"]."""
    out = []
    for part in _PARTS.split(phrase):
        words = re.findall(r"[\w’'-]+", part)
        while words and (fold(words[0]) in _LEADING or number_value(words[0]) is not None):
            words = words[1:]
        if words:
            out.append(" ".join(words))
    return out


def _written_apart(part: str, source: str, counted_things: list[str]) -> bool:
    """Whether ``source`` writes every word of ``part`` outside what it counts: "le
    Commandement central américain" is the sentence's subject, not its "deux soldats
    américains", however close the two are for the embedder."""
    rest = fold(source)
    for thing in counted_things:
        rest = rest.replace(fold(thing), " ")
    words = set(re.findall(r"[^\W\d_]+", rest))
    wanted = [w for w in re.findall(r"[^\W\d_]+", fold(part)) if len(w) > 2]
    return bool(wanted) and all(w in words for w in wanted)


def misattributed(claim: str, source: str, embed: Embed) -> bool:
    """Whether ``claim`` names as who did something what ``source`` counts, not whom it
    says did it."""
    theirs = doers(source)
    # Counted two or more: "un/une" is mostly an article, and "une équipe de chercheurs"
    # may well be the sentence's doer ("Une équipe a découvert…, selon un article publié
    # par Nature").
    counted_things = [w for n, w in counted(source) if n != 1]
    if not theirs or not counted_things:
        return False
    ours = [p for phrase in doers(claim) for p in _parts(phrase)
            if not _written_apart(p, source, counted_things)]
    if not ours:
        return False
    vectors = embed([*ours, *theirs, *counted_things])
    mine, by, things = (vectors[: len(ours)], vectors[len(ours): len(ours) + len(theirs)],
                        vectors[len(ours) + len(theirs):])
    to_doers, to_things = mine @ by.T, mine @ things.T
    return any(float(d.max()) < CLOSE and float(t.max()) >= CLEARLY
               for d, t in zip(to_doers, to_things, strict=True))
