"""The offices a question names, and the words that tell one office from another.

"What did the Syrian defence minister say about the attack?" of an article naming only
the Syrian foreign minister: retrieval finds what the foreign minister said, and the
model answers "The Syrian defence minister said…", the question's premise restated and
verified (the question brought the words). An office ("minister", "ministre",
"président") is told from another by what qualifies it ("defence", "syrien", "de
l'Intérieur"); a question qualifying one with a word the article does not write asks
about someone it does not name, and is refused before the model (``CitedQA.decide``).

Not the office's own word: the reader's may be none the article uses ("counterpart" for
"homologue"). Qualifiers are read from the noun phrase around it: words before it back
to a determiner ("the Syrian defence | minister"), its "of" complement ("minister of
foreign affairs"), and in French its adjectives and "de" complements ("ministre syrien
de l'Intérieur | après…"). A paraphrase the article does not write is refused too:
"Qui est le chef de la diplomatie syrienne ?" of "le ministre syrien des Affaires
étrangères" (measured in the README).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.facts import ELISION, STOP, fold
from index.cast import DETERMINERS

# Formal titles, whose words an article reproduces. Not the generic heads ("chef",
# "head", "chief", "leader"): those name an office by a domain the reader paraphrases
# freely ("le chef de la diplomatie syrienne", "the two foreign policy chiefs" for
# "le ministre syrien des Affaires étrangères"), and checking them refused 4 answerable
# questions of 258 (and none more of the unanswerable).
TITLES = frozenset(
    "minister ministre secretary secretaire president presidente chancellor chancelier "
    "king roi queen reine ambassador ambassadeur ambassadrice spokesman spokeswoman "
    "spokesperson porte-parole governor gouverneur mayor maire general commander "
    "commandant director directeur directrice envoy envoye emissaire senator senateur "
    "deputy depute counterpart homologue ceo pdg pope pape emir sultan".split())
# How close (cosine of the two words embedded alone) a qualifier, in another language
# than the article's, must be to one of the article's words to count as written.
# Measured with embeddinggemma on the default article: translations scored 0.65
# ("former", "ancienne") to 0.97 ("syrian", "syrien"); words it lacks up to 0.62
# ("russian", "américains"; "defence", "combat" 0.60). A thin margin: past it, a
# question is answered as before, verified like any other.
ROLE_WORD_BAR = 0.63

# Where a qualifier run stops: determiners, prepositions, question words, auxiliaries.
_BOUNDARY = DETERMINERS | STOP | frozenset(
    "who whom whose what which why how when where did does do has have had is was are "
    "were will would can could and or but to at on in by for with from about after "
    "before during qui que quoi quel quelle quels quelles pourquoi comment quand combien "
    "ou et mais a ont est sont etait avait fut va peut doit au aux en dans pour par avec "
    "sans chez selon entre apres avant pendant lors depuis contre sur sous vers".split())
_LINKS = frozenset("de du des d of".split())  # "ministre de l'Intérieur", "head of"
# Words on the text, not the office: "Qui est le président américain cité ?"; and on
# when, which the article's date answers: "the current president".
_VACUOUS = frozenset("cite citee cites mentionne mentionnee evoque evoquee nomme nommee "
                     "article texte mentioned cited named quoted text current actuel "
                     "actuelle present".split())
_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_VERBAL = re.compile(r"-t-|-(?:il|elle|ils|elles|on)$|^(?:s|n|qu|c|j|m|t)['’]")
_BEFORE, _AFTER = 3, 5


def _plain(token: str) -> str:
    return re.sub(r"['’]s$", "", ELISION.sub("", fold(token)))


def _title(token: str) -> bool:
    word = _plain(token)
    return word in TITLES or (word.endswith("s") and word[:-1] in TITLES)


def _qualifiers(tokens: list[str], at: int, french: bool) -> list[str]:
    out = []
    for token in reversed(tokens[max(0, at - _BEFORE): at]):
        if fold(token) in _BOUNDARY or _VERBAL.search(fold(token)):
            break
        out.append(token)
    after = tokens[at + 1: at + 1 + _AFTER]
    k = 0
    if after and fold(after[0]) == "of":
        # One word: "secretary of state | reaffirm", "minister of foreign | affairs".
        after, k, french = after[:2], 1, False
    elif not french:
        after = []
    while k < len(after):
        token, folded = after[k], fold(after[k])
        link = folded in _LINKS or bool(ELISION.match(folded)) and folded[:2] == "d'"
        if (folded in _BOUNDARY and not link and folded not in ("la", "l", "the")) \
                or _VERBAL.search(folded) or _title(token):
            break
        out.append(token)
        k += 1
    return out


def office_words(question: str, french: bool) -> list[str]:
    """The words qualifying each office ``question`` names ("defence", "syrian" of "What
    did the Syrian defence minister say?"), folded, without elided articles; none when it
    names no office. ``french``: the question is French (adjectives follow the noun)."""
    asked = re.split(r"(?<=[?.!])\s", question.strip())
    words: set[str] = set()
    for part in asked:
        tokens = _TOKEN.findall(part)
        for at, token in enumerate(tokens):
            if _title(token):
                words |= {_plain(t) for t in _qualifiers(tokens, at, french)}
    words = {w for w in words if len(w) > 3 and w not in _BOUNDARY and w not in _VACUOUS
             and not _title(w)}
    return sorted(words)


def elided(words: Iterable[str]) -> set[str]:
    """Folded words without their elided article: "etat" of "d'etat"."""
    return {w for w in (ELISION.sub("", w) for w in words) if len(w) > 1}
