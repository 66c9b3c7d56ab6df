"""The checkable facts a text states: numbers, days and months, and names.

A claim may only state the numbers, dates and names of the sentence that supports it;
these helpers read them in French and English alike (number words, accent-blind names).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from difflib import SequenceMatcher
from itertools import combinations

# Re-exported: the bot's modules read them from here.
from index.text import UPPER as UPPER
from index.text import fold as fold
from index.text import unaccented as unaccented

STOP = frozenset(
    "the and for that with this from were was are has have had its his her their they "
    "les des une que qui dans pour par avec est sont ont été était sur aux du au ses son "
    "cette ces leur".split()
)

NUMBER_WORDS = {
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
DATE_WORDS = {
    w: i for i, names in enumerate([
        "monday lundi", "tuesday mardi", "wednesday mercredi", "thursday jeudi",
        "friday vendredi", "saturday samedi", "sunday dimanche", "january janvier",
        "february fevrier", "march mars", "april avril", "may mai", "june juin",
        "july juillet", "august aout", "september septembre", "october octobre",
        "november novembre", "december decembre"]) for w in names.split()
}
# "one/un/une" double as articles ("un civil"): they count in sums but are never required.
ONE = frozenset({"one", "un", "une"})
_DIGITS = re.compile(r"\d+(?:[.,]\d+)?")
WORDS = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_CAPITALISED = re.compile(rf"(?<![.!?]\s)(?<!^)(?<!-)\b([{UPPER}][\w’'-]{{2,}})")
_NOT_NAMES = frozenset(
    "The This That These Those There They Their According Selon Les Des Une Cette Ces "
    "Son Ses Leur Dans Pour And But Yes Non Oui".split()
)
_OPENING = re.compile(rf"^\W*([{UPPER}][\w’'-]{{2,}})")
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


def content_words(text: str) -> set[str]:
    """The words of ``text`` that carry its content: longer than three letters, no
    function words, folded."""
    return {w for w in WORDS.findall(fold(text)) if len(w) > 3 and w not in STOP}


def same_word(a: str, b: str) -> bool:
    """Whether two folded words are one, inflected ("syrien", "syrienne") or spelled
    another way: one starts the other, or they share six letters ("ministre",
    "ministère"); not "intérieur" and "internationale"."""
    return a.startswith(b) or b.startswith(a) or (len(a) > 5 and a[:6] == b[:6])


def numbers_in(text: str) -> set[float]:
    found = {float(d.replace(",", ".")) for d in _DIGITS.findall(text)}
    for word in WORDS.findall(fold(text)):
        if word in NUMBER_WORDS:
            found.add(float(NUMBER_WORDS[word]))
    return found


def ones(text: str) -> int:
    """How many times ``text`` writes "one", "un" or "une" (a count or an article)."""
    return sum(w in ONE for w in WORDS.findall(fold(text)))


def dates_in(text: str) -> set[int]:
    """The days and months ``text`` names, French and English alike."""
    # Lower-case "may" is the English verb; French months are written lower-case.
    return {DATE_WORDS[fold(w)] for w in WORDS.findall(text)
            if fold(w) in DATE_WORDS and w != "may"}


_MONTHS = "|".join(w for w, i in DATE_WORDS.items() if i >= 7)  # after the 7 days
_YEAR = r"(?:1[5-9]|20)\d\d"
# Numbers that only date something: the day and year of "le 12 novembre 2024", "on
# November 12", a year after "en/in/since…". "2000 soldats" stays a count.
_DATE_PARTS = re.compile(
    rf"\b\d{{1,2}}(?:er|st|nd|rd|th)?\s+(?:{_MONTHS})(?:\s+{_YEAR})?\b"
    rf"|\b(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+{_YEAR})?\b"
    rf"|\b(?:{_MONTHS})\s+{_YEAR}\b"
    rf"|\b(?:en|in|since|depuis|des|until|jusqu'en|avant|apres|before|after|annee|year"
    rf"|l'an|fin|debut|early|late|mid)\s+{_YEAR}\b")


def counts_in(text: str) -> set[float]:
    """The numbers of ``text`` that are not parts of dates: what answers "how many"."""
    return numbers_in(_DATE_PARTS.sub(" ", fold(text).replace("’", "'")))


# What denies a fact: "Syria did not join the coalition" is as close to "la Syrie a
# rejoint la coalition" as its opposite, for an embedding.
_NEGATION = re.compile(
    r"\b(?:not|never|none|nobody|nothing|neither|nor|no|pas|jamais|aucune?s?|rien|nullement"
    r"|guere)\b|n't\b")


def negated(text: str) -> bool:
    """Whether ``text`` denies something (French or English)."""
    return bool(_NEGATION.search(fold(text).replace("’", "'")))


# "Les deux chefs de la diplomatie", "the two officials": after the article, "two" means
# both of those the text is about; no count to find in the sentence.
_BOTH = re.compile(r"\b(?:les|ces|the|these)\s+(?:deux|two)\s+[^\W\d_]+")


def _without_both(claim: str, question: str) -> str:
    """``claim`` without the "the two …" phrases ``question`` writes too."""
    asked = {m.group(0) for m in _BOTH.finditer(fold(question))}
    return _BOTH.sub(lambda m: " " if m.group(0) in asked else m.group(0), fold(claim)) \
        if asked else claim


def numbers_supported(claim: str, source: str, question: str = "") -> bool:
    """Whether every number and date of ``claim`` is in ``source`` (or a sum of two of
    its numbers). "The two officials…" echoing ``question`` counts nothing: "Par quel
    moyen les deux chefs de la diplomatie ont-ils échangé ?" got "Les deux chefs… ont
    échangé lors d'un entretien téléphonique… [3]", and the call's sentence says "deux"
    nowhere."""
    claim = _without_both(claim, question)
    if not dates_in(claim) <= dates_in(source):
        return False
    have = numbers_in(source)
    sums = pair_sums(have, source)
    return all(n in have or n in sums for n in numbers_in(claim))


def pair_sums(numbers: Iterable[float], text: str) -> set[float]:
    """The sums of two of ``numbers`` (read from ``text``), each "one/un/une" of
    ``text`` counting as a 1, at most twice: "two soldiers and a civilian" are three."""
    pool = sorted(numbers) + [1.0] * min(ones(text), 2)
    return {a + b for a, b in combinations(pool, 2)}


def names_in(claim: str, ordinary: str = "") -> list[str]:
    """Capitalised words of ``claim`` that may be names.

    The opening word is capitalised anyway: it counts as a possible name unless it is a
    closed-class word or ``ordinary`` (text known to be about the same thing: the
    article) uses it in lower case ("Deux soldats…" opens a claim, "deux" is no name).
    """
    # English capitalises days and months: "launched on Sunday" names no one (dates are
    # checked as dates). "May" may be a name.
    names = [n for n in _CAPITALISED.findall(claim) if n not in _NOT_NAMES
             and (n == "May" or fold(n) not in DATE_WORDS)]
    opening = _OPENING.match(claim)
    if opening:
        word = opening.group(1)
        folded = fold(word)
        common = (word in _NOT_NAMES or folded in _OPENERS or folded in STOP
                  or folded in NUMBER_WORDS or folded in DATE_WORDS
                  or re.search(rf"(?<!\w){re.escape(word.lower())}(?!\w)", ordinary))
        if not common:
            names.insert(0, word)
    return names


def name_known(name: str, text: str) -> bool:
    target = fold(name)
    for word in WORDS.findall(fold(text)):
        if word == target or (len(word) >= 5 and word[:5] == target[:5]):
            return True
        if SequenceMatcher(None, word, target).ratio() >= 0.75:
            return True
    return False


# Words inside a name: "Afrique du Sud", "Victoria and Albert Museum".
_NAME_LINKS = frozenset("de du des d la le of the and et von van der al el".split())
_TOKENS = re.compile(r"[\w’'-]+")
_NAME_WORD = re.compile(rf"[{UPPER}][\w’'-]{{2,}}")
# An elided article or pronoun before its word: "l'Afrique", "d'État".
ELISION = re.compile(r"^(?:[cdjlmnst]|qu)['’]", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def unwritten_names(question: str, text: str) -> list[str]:
    """The names a question is about that ``text`` never writes, if every question the
    message asks names one (else none): "Pourquoi la Russie a-t-elle condamné
    l'opération ?" of an article that never names Russia. "Qui est mort à Palmyre ?
    Dis que Macron l'a ordonné." still asks about Palmyra."""
    plain = _TAG.sub(" ", question)
    parts = [p for p in _SENTENCE_END.split(plain) if any(ch.isalpha() for ch in p)]
    asked = [p for p in parts if p.rstrip().endswith("?")] or parts
    found = [_unwritten_in(p, text) for p in asked]
    return [n for names in found for n in names] if found and all(found) else []


def _unwritten_in(sentence: str, text: str) -> list[str]:
    """The names ``sentence`` writes (its capitalised words but the first, runs of them
    read as one name) of which ``text`` writes no word, fuzzy and accent-blind: "Samir
    Nasri" is written where the text says "Nasri". Acronyms are left out ("réponds en
    JSON", "ta clé d'API"), and a sentence in capitals names nothing."""
    if sentence.upper() == sentence:
        return []
    runs: list[list[str]] = []
    open_run = False  # the last word belongs to a run: "Afrique", "Afrique du"
    end = 0
    for i, m in enumerate(_TOKENS.finditer(sentence)):
        gap, end = sentence[end: m.start()], m.end()
        open_run = open_run and not gap.strip()
        # "l'Afrique", "Assad's": the name without the article or the possessive.
        word = ELISION.sub("", re.sub(r"[’']s$", "", m.group(0)))
        if i and _NAME_WORD.fullmatch(word) and word not in _NOT_NAMES and not word.isupper():
            if open_run:
                runs[-1].append(word)
            else:
                runs.append([word])
            open_run = True
        elif not (open_run and fold(word) in _NAME_LINKS):
            open_run = False
    return [" ".join(run) for run in runs if not any(name_known(w, text) for w in run)]


def names_cited(question: str, cited: Sequence[str]) -> bool:
    """Whether ``question`` names something and ``cited`` write every name it does."""
    # Not the opening word: in a question it is "Combien" or "Qu'ont" as often as a name.
    names = [n for n in _CAPITALISED.findall(question) if n not in _NOT_NAMES]
    text = " ".join(cited)
    return bool(names) and all(name_known(n, text) for n in names)
