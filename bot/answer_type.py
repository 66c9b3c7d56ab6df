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

from bot.verify import dates_in, fold, name_known, names_in, numbers_in


class Kind(Enum):
    NUMBER = "number"
    DATE = "date"
    NUMBER_OR_DATE = "number or date"  # durations: "how long", "depuis combien de temps"
    NAME = "name"  # "what is the name of…", "comment s'appelle…"


_OPENING = r"(?:^|[\s,;:(«\"'’])"
# Matched on the question folded to lower case without accents. Order matters:
# durations before plain numbers ("how long" is not "how many").
_KINDS: list[tuple[Kind, re.Pattern[str]]] = [
    (Kind.NUMBER_OR_DATE, re.compile(
        _OPENING + r"(how long|for how long|combien de temps|depuis combien|pendant combien"
        r"|quelle duree|what (?:is|was) the duration)\b")),
    (Kind.NUMBER, re.compile(
        _OPENING + r"(how (?:many|much|old|far)|combien|quel age|quelle somme"
        r"|quel (?:montant|nombre|pourcentage|chiffre|bilan)"
        r"|what (?:number|amount|percentage|sum|toll)"
        r"|(?:le|la|les) (?:nombre|montant|population|age) (?:de|d'|du|des)"
        r"|the (?:number|amount|population|age|death toll) of)\b")),
    (Kind.NAME, re.compile(
        _OPENING + r"(what (?:is|was|are|were) (?:the|his|her|their) names?"
        r"|(?:name|names) of the|who (?:is|was) named|comment s'appell?\w*"
        r"|quel(?:le)?s? (?:est|sont|etait|etaient) (?:le|les) noms?"
        r"|quels? noms?)\b")),
    (Kind.DATE, re.compile(
        # "when"/"quand" only open a question: "what happened when…" asks for no date.
        r"(^\W*(?:and |so |but |et |mais )?(?:when|quand)\b|"
        + _OPENING + r"(?:what (?:year|day|date|month|time)|in which (?:year|month)"
        r"|on which (?:day|date)|since when|depuis quand|quelle (?:annee|date)"
        r"|quel (?:jour|mois)|en quelle annee|a quelle date)\b)")),
]


def expected_kind(question: str) -> Kind | None:
    """The kind of fact ``question`` asks for, if it says."""
    folded = fold(question).replace("’", "'")
    for kind, pattern in _KINDS:
        if pattern.search(folded):
            return kind
    return None


# Dates without a number or a day's or month's name.
_RELATIVE_DATES = re.compile(
    r"\b(?:hier|avant-hier|aujourd'hui|demain|yesterday|today|tomorrow|ce matin|ce soir"
    r"|this (?:morning|evening|week)|cette semaine|last (?:week|month|year|night)"
    r"|(?:la semaine|le mois|l'an|l'annee) (?:derniere|dernier|passee|passe))\b")
# Quantities without digits that ``numbers_in`` does not read: round figures, vague
# counts ("plusieurs", "several" answer "how many" as well as the article can).
_QUANTITIES = re.compile(
    r"\b(?:dizaines?|douzaines?|vingtaines?|centaines?|milliers?|millions?|milliards?"
    r"|dozens?|hundreds|thousands|billions?|plusieurs|several|nombreu(?:x|ses)|numerous"
    r"|treize|quatorze|quinze|seize|soixante|quatre-vingts?|neuf|nine|thirteen|fourteen"
    r"|fifteen|sixteen|seventeen|eighteen|nineteen|sixty|seventy|eighty|ninety"
    r"|moitie|half|tiers|third|quart|quarter|double|triple)\b")
_ONE_OF = re.compile(r"\b(?:un|une|one|a single|a|an)\s+([^\W\d_]{4,})")


def _counted_once(question: str, text: str) -> bool:
    """"Un civil" answers "combien de civils ?": one of the very thing asked about
    (same 5-letter stem), where a bare "un"/"a" would be any article."""
    asked = {w[:5] for w in re.findall(r"[^\W\d_]{4,}", fold(question))}
    return any(m.group(1)[:5] in asked for m in _ONE_OF.finditer(fold(text)))


def _written_as_name(word: str, text: str) -> bool:
    """``text`` writes ``word`` (or its stem, across languages) capitalised: "American"
    is no name where the article writes "américains"."""
    capitalised = " ".join(w for w in re.findall(r"[^\W\d_][\w'’-]*", text) if w[0].isupper())
    return name_known(word, capitalised)


def holds_kind(question: str, sentences: Sequence[str], answer: str | None = None) -> bool:
    """Whether ``sentences`` hold a fact of the kind ``question`` asks for, beyond
    what the question itself states. Asked for a name, the ``answer`` written from
    them (when there is one) must give one of their names."""
    kind = expected_kind(question)
    if kind is None:
        return True
    text = " ".join(sentences)
    if kind is Kind.NAME:
        said = answer if answer is not None else text
        return any(_written_as_name(n, text) and not name_known(n, question)
                   for n in names_in(said, text))
    new_numbers = bool(numbers_in(text) - numbers_in(question))
    new_dates = bool(dates_in(text) - dates_in(question)) or bool(
        _RELATIVE_DATES.search(fold(text).replace("’", "'")))
    new_numbers = new_numbers or bool(
        set(_QUANTITIES.findall(fold(text))) - set(_QUANTITIES.findall(fold(question))))
    if kind is Kind.NUMBER:
        return new_numbers or _counted_once(question, text)
    # A date is a day or month name, or a number (a year, "le 12 novembre").
    return new_dates or new_numbers
