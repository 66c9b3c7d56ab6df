"""What kind of fact a question asks for, and whether the cited sentences hold one.

"How many cells were dismantled?" asks for a number: a sentence about the operation
that names none is on topic, close in embedding space, and still no answer. Quoting it,
or a model's paraphrase of it, answers a question nobody asked. A question asking for
a number (or a date) is answered only by sentences holding a number (or a date) that
the question did not itself bring.

Only the question words of French and English are read; a question of no known kind is
never refused here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

from bot.citations import MARKER
from bot.facts import (
    DATE_WORDS,
    UPPER,
    counts_in,
    dates_in,
    fold,
    name_known,
    names_in,
    numbers_in,
    unaccented,
)
from bot.identity import people


class Kind(Enum):
    NUMBER = "number"
    DATE = "date"
    NUMBER_OR_DATE = "number or date"  # durations: "how long", "depuis combien de temps"
    NAME = "name"  # "what is the name of…", "comment s'appelle…"
    PLACE = "place"  # "where…", "où…", "dans quelle ville…"


_OPENING = r"(?:^|[\s,;:(«\"'’])"
# A question that opens with "when"/"quand" asks for a date, whatever follows ("Quand la
# population a-t-elle été évacuée ?"), unless it is a clause ("when asked about…").
_LEADING_WHEN = re.compile(
    r"^\W*(?:and |so |but |et |mais )?(?:when|quand)\b(?! (?:asked|questioned|on lui))")
# Matched on the question folded to lower case without accents. Order matters:
# durations before plain numbers ("how long" is not "how many").
_KINDS: list[tuple[Kind, re.Pattern[str]]] = [
    (Kind.NUMBER_OR_DATE, re.compile(
        _OPENING + r"(how long|combien de temps|depuis combien|pendant combien"
        r"|quelle (?:est|etait|a ete|fut) la duree|what (?:is|was) the duration"
        # counted in years or days, a duration may be told by its dates
        r"|how many (?:years|months|weeks|days)"
        r"|combien (?:d'annees|d'ans|de mois|de semaines|de jours))\b")),
    (Kind.NUMBER, re.compile(
        _OPENING + r"(how many|how old|combien|quel age"
        # "how much money", "how much did it cost", not "how much influence"
        r"|how much (?:money|did|does|do|is|was|were|are|will|would|has|had|have|cost)"
        r"|quelle somme|quel (?:montant|nombre|pourcentage|chiffre|bilan)"
        r"|what (?:number|amount|percentage|sum|toll)"
        r"|(?:quel|quelle) (?:est|etait|a ete|fut) (?:le |la |l')"
        r"(?:nombre|montant|population|age|bilan|chiffre|total)"
        r"|what (?:is|was) (?:the )?(?:number|amount|population|age|death toll|toll|total))"
        r"\b")),
    (Kind.NAME, re.compile(
        _OPENING + r"(what (?:is|was|are|were) (?:the|his|her|their|its) names?"
        r"|comment s'appell?\w*|comment se nomm\w*"
        r"|quel(?:le)?s? (?:est|sont|etait|etaient) (?:le|les) noms?)\b")),
    (Kind.DATE, re.compile(
        _OPENING + r"(what (?:year|day|date|month)|which (?:year|day|date|month)"
        r"|in which (?:year|month)|on which (?:day|date)|since when|depuis quand"
        r"|quelle (?:annee|date)|quel (?:jour|mois)|en quelle annee|a quelle date)\b")),
]


# Where a piece of news comes from asks for its source, not a place: "D'où vient
# l'information… ?" is answered by "selon un communiqué du ministère…".
_SOURCE_ASKED = (
    r"(?! (?:vien\w*|provien\w*|sort\w*) (?:l'|la |le |les |cette |ces |ce |cet )?"
    r"(?:info\w*|nouvelle|chiffre|bilan|communique|declaration|annonce|propos|source)"
    r"| (?:does|did|do) (?:the|this|that|these) (?:information|news|figures?|toll|report"
    r"|claims?|account|statement)s? come from)")
_PLACE_QUESTION = re.compile(
    r"^\W*(?:and |so |but |et |mais )?(?:where|ou|d'ou)\b" + _SOURCE_ASKED +
    r"(?! en (?:est|sont|etait|etaient|sommes|etes))"  # "où en est…?" asks how it stands
    r"|" + _OPENING + r"(?:dans|en|a) quel(?:le)?s? (?:ville|region|province|pays|endroit"
    r"|lieu|quartier|zone|localite|departement)\b"
    r"|" + _OPENING + r"(?:in|at|near) (?:which|what) (?:city|town|region|province|country"
    r"|place|area|district)\b"
    r"|" + _OPENING + r"(?:which|what) (?:city|town|region|province|country|place)\b")


def expected_kind(question: str) -> Kind | None:
    """The kind of fact ``question`` asks for, if it says."""
    folded = fold(question).replace("’", "'")
    for kind, pattern in _KINDS:
        if kind is Kind.DATE and _LEADING_WHEN.search(folded):
            return Kind.DATE
        if pattern.search(folded):
            return kind
    # Last: "où" also opens other questions ("Où en est…" reads as a place, harmlessly).
    return Kind.PLACE if _PLACE_QUESTION.search(folded) else None


# Dates without a number or a day's or month's name.
_RELATIVE_DATES = re.compile(
    r"\b(?:hier|avant-hier|aujourd'hui|demain|yesterday|today|tomorrow|ce matin|ce soir"
    r"|la veille|le lendemain|ce week-end|cette (?:semaine|annee)|l'an (?:dernier|passe)"
    r"|this (?:morning|evening|week|month|year|weekend)|earlier this (?:week|month|year)"
    r"|last (?:week|weekend|month|year|night)"
    r"|(?:la semaine|le mois|l'annee) (?:derniere|dernier|passee|passe))\b")
# Counts without digits that ``numbers_in`` does not read: round figures, compounds,
# vague or zero counts ("plusieurs", "aucune victime" answer "how many" as the article can),
# and "neuf", which ``numbers_in`` leaves alone because it also means "new".
_QUANTITIES = re.compile(
    r"\b(?:dizaines?|douzaines?|vingtaines?|centaines?|milliers?|millions?|milliards?"
    r"|dozens?|hundreds|thousands|billions?|plusieurs|quelques|several|a few|many"
    r"|nombreu(?:x|ses)|numerous|aucun|aucune|personne n|nobody|no one|none"
    r"|neuf|treize|quatorze|quinze|seize|soixante|quatre-vingts?|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|sixty|seventy|eighty|ninety"
    r"|(?:dix|vingt|trente|quarante|cinquante|soixante|twenty|thirty|forty|fifty|sixty"
    r"|seventy|eighty|ninety)-\w+|moitie|half|un seul|une seule|a single|only one|one)\b")
# "un civil" answers "combien de civils ?" where a bare article before any noun would not.
_ONE_OF = re.compile(r"\b(?:un|une|a|an)\s+([^\W\d_]{4,})")
_YEAR = re.compile(r"^(?:1[0-9]|20)\d\d$")


# The thing a question counts: "Combien de suspects…", "How many Syrian soldiers…".
_COUNTED = re.compile(r"\b(?:combien\s+(?:de|d['’])\s*|how\s+many\s+)((?:[^\W\d_]+\s+){0,1}"
                      r"[^\W\d_]+)")


def _counted_once(question: str, text: str) -> bool:
    """One of the very thing asked about (same 5-letter stem): the words after "combien
    de" or "how many" when it says them ("Combien de suspects… lors de leur opération ?"
    is not answered by "une opération"), else any of the question's."""
    folded = fold(question)
    counted = _COUNTED.search(folded)
    asked = {w[:5] for w in re.findall(r"[^\W\d_]{4,}", counted.group(1) if counted else folded)}
    return any(m.group(1)[:5] in asked for m in _ONE_OF.finditer(fold(text)))


def _quantities(text: str) -> set[str]:
    return set(_QUANTITIES.findall(fold(text).replace("’", "'")))


# A place: a preposition of place before a name ("à Damas", "in Syria", "près de
# Palmyre"), or a word that names a kind of place ("la province", "the desert").
_PLACE_KINDS = (
    "ville|village|cite|province|region|pays|capitale|quartier|district|zone|zones"
    "|frontiere|desert|base|camp|site|rue|aeroport|port|ile|territoire|nord|sud|est|ouest"
    "|city|town|region|province|country|capital|neighbourhood|neighborhood|area|border"
    "|desert|street|airport|island|territory|north|south|east|west")
_PLACE_WORDS = re.compile(rf"\b(?:{_PLACE_KINDS})\b")
_PLACE_NAMED = re.compile(
    r"\b(?i:à|au|aux|en|dans|près de|pres de|vers|depuis|in|at|near|from|outside"
    rf"|inside)\s+(?:(?i:le|la|les|l'|l’|the)\s*)?[{UPPER}][\w'’-]+")


# The kind of place named after it: "la zone désertique de Palmyre", "the province of
# Homs". Asked "Dans quelle zone… ?", the zone is no answer; the zone of Palmyre is.
# Read on unaccented text, case kept.
_PLACE_OF = re.compile(
    rf"\b(?i:{_PLACE_KINDS})\b(?:\s+[^\W\d_]+)?\s+(?i:de|du|des|d'|d’|of)"
    rf"\s*(?:(?i:la|le|les|the)\s+|(?i:l)['’])?([A-Z][\w'’-]+)")


def _holds_place(question: str, text: str) -> bool:
    asked = set(_PLACE_WORDS.findall(fold(question)))
    return bool(set(_PLACE_WORDS.findall(fold(text))) - asked) or any(
        not name_known(m.group(0).split()[-1], question) for m in _PLACE_NAMED.finditer(text)
    ) or any(not name_known(m.group(1), question) for m in _PLACE_OF.finditer(unaccented(text)))


def _says_place(question: str, answer: str) -> bool:
    """Whether a written answer gives a place: as its sentences would, or by a name the
    question did not bring ("Which country joined? Syria joined [1]."). A weekday is no
    place: "Syria launched the operation on Sunday [1]" does not say where."""
    text = MARKER.sub("", answer)
    return _holds_place(question, text) or any(
        fold(n) not in DATE_WORDS and not name_known(n, question)
        for n in names_in(text, question))


# Whom a name is asked of: a person, whose name a sentence writes as two words or more.
_PERSON_NOUN = re.compile(
    r"\b(?:soldats?|militaires?|civils?|combattants?|presidents?|ministres?|secretaires?"
    r"|victimes?|hommes?|femmes?|personnes?|auteurs?|dirigeants?|chefs?|porte-parole"
    r"|journalistes?|enfants?|assaillants?|tireurs?|suspects?|homologues?"
    r"|soldiers?|civilians?|fighters?|ministers?|secretar(?:y|ies)|victims?|m[ae]n"
    r"|wom[ae]n|persons?|people|attackers?|leaders?|chiefs?|spokes(?:man|woman|person)"
    r"|journalists?|child(?:ren)?|gunm[ae]n|assailants?|counterparts?)\b")


def _persons(text: str) -> str:
    """The names of people ``text`` writes: a first name and a name ("Ahmed al-Charaa"),
    or a name after what the person is ("le président Macron")."""
    tokens = text.split()
    titled = [after for before, after in zip(tokens, tokens[1:], strict=False)
              if after[:1].isupper() and _PERSON_NOUN.fullmatch(fold(before))]
    return " ".join([*(name for name, _ in people(text)), *titled])


def _written_as_name(word: str, text: str) -> bool:
    """``text`` writes ``word`` (or its stem, across languages) capitalised: "American"
    is no name where the article writes "américains"."""
    capitalised = " ".join(w for w in re.findall(r"[^\W\d_][\w'’-]*", text) if w[0].isupper())
    return name_known(word, capitalised)


# "How many Syrian soldiers…": the names that say which of the things are counted.
# English writes them capitalised before the noun; French after it, in lower case, where
# the probe's copy reads them ("Combien de soldats syriens…" → NONE).
_COUNTED_NAMES = re.compile(rf"\b(?i:how many)\s+((?:[{UPPER}][\w’'-]*\s+)+)")


def counted_names(question: str) -> list[str]:
    """The names qualifying what ``question`` counts ("Syrian" in "How many Syrian
    soldiers were killed?"); one of two letters ("US") is too short to look up."""
    m = _COUNTED_NAMES.search(question)
    return [w for w in m.group(1).split() if len(w) >= 3] if m else []


def holds_kind(question: str, sentences: Sequence[str], answer: str | None = None) -> bool:
    """Whether ``sentences`` hold a fact of the kind ``question`` asks for, beyond
    what the question itself states. Asked for a name, the ``answer`` written from
    them (when there is one) must give one of their names."""
    kind = expected_kind(question)
    if kind is None:
        return True
    text = " ".join(sentences)
    if kind is Kind.PLACE:
        # The answer must say where too: shown the whole article, a model sets the fact
        # in a place read elsewhere, or in none.
        return _holds_place(question, text) and (answer is None
                                                 or _says_place(question, answer))
    if kind is Kind.NAME:
        said = answer if answer is not None else text
        given = [n for n in names_in(said, text)
                 if _written_as_name(n, text) and not name_known(n, question)]
        if _PERSON_NOUN.search(fold(question)):
            # "What were the names of the soldiers who died?" is not answered by
            # "CENTCOM reported that two soldiers died…": a person's name is asked for.
            persons = _persons(text)
            return any(name_known(n, persons) for n in given) if persons else False
        return bool(given)
    # A year the question names ("how many died in 2014?") is no answer; a count it
    # names may be ("how many soldiers died in the two attacks?" "Two soldiers…").
    asked_years = {n for n in numbers_in(question) if _YEAR.match(f"{n:.0f}")}
    if not _holds_count_or_date(kind, question, text, asked_years):
        return False
    if not all(name_known(n, text) for n in counted_names(question)):
        # "How many Syrian soldiers were killed?" is not answered by the sentence on two
        # American soldiers killed: its numbers count others. (The copy, asked in
        # English of that French sentence, took "2".)
        return False
    # A written answer must say it too: "The soldiers were wounded by a fighter [1]."
    # cites the sentence with the count but does not answer "how many were wounded?".
    return answer is None or _holds_count_or_date(
        kind, question, MARKER.sub("", answer), asked_years)


def _holds_count_or_date(kind: Kind, question: str, text: str,
                         asked_years: set[float]) -> bool:
    quantities = bool(_quantities(text) - _quantities(question))
    if kind is Kind.NUMBER:
        # A year or a day of the month counts nothing: "how much money did the United
        # States give?" is not answered by "the coalition created in 2014".
        counts = bool(counts_in(text) - asked_years)
        return counts or quantities or _counted_once(question, text)
    new_numbers = bool(numbers_in(text) - asked_years)
    new_dates = bool(dates_in(text) - dates_in(question)) or bool(
        _RELATIVE_DATES.search(fold(text).replace("’", "'")))
    if kind is Kind.NUMBER_OR_DATE:  # a duration may be vague: "several months"
        return new_dates or new_numbers or quantities
    # A date is a day or month name, or a number (a year, "le 12 novembre"); a vague
    # quantity ("a single statement") is not.
    return new_dates or new_numbers
