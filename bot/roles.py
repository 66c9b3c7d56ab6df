"""Which of its sentence's numbers (or dates) an answer gives: the one that answers?

"How many soldiers were wounded?" cites "deux soldats américains et un civil avaient
trouvé la mort, tandis que trois autres militaires avaient été blessés". The claim "Two
soldiers were wounded" is close to that sentence and "deux" is in it, so verification
passes a number in the wrong role. Asked the narrow question, that one sentence quoted
("copy from the sentence the number that answers the question"), the same small model
copies "3": choosing among the sentence's own numbers is easier than writing an answer
from the whole article. When a cited sentence holds two or more facts of the kind asked
and the model copies one that the answer does not state, the answer has taken the
wrong one.

On PIAF and xling answer sentences holding two or more numbers (dates), the model copied
the gold one 23 (29) times in 40, another 3 (1), nothing of the sentence otherwise; so
only a copy that names another of the sentence's facts counts against an answer, and a
"NONE" or an unreadable copy never does. Names are not checked: for 40 "who" and "what
is the name" questions the copy gave the gold name 18 times and none of the sentence's
otherwise, and on this article it named the wrong president as the answer had ("le
président américain" → "Ahmed al-Charaa", from the sentence naming both): it would
mend nothing, at a second for most questions (news sentences hold two names or more).

A "NONE" for a number refuses: asked for a number absent from a sentence that holds
others ("Combien de soldats syriens ont été tués ?" of the sentence on two American
soldiers killed and three wounded), the answer model picks one of them anyway ("deux
soldats … tués"), and the copy says NONE. On 47 PIAF and xling number questions whose
answer's sentence holds two numbers or more (a scratch run, seed 1), the answer model
wrote the gold number 3 times in the 20 where the copy said NONE, against 12 in the 27
where it copied a number: a NONE mostly marks an answer that would be wrong.
"""

from __future__ import annotations

import re
from collections.abc import Hashable

from bot.answer_type import Kind, expected_kind
from bot.citations import MARKER
from bot.facts import DATE_WORDS, counts_in, dates_in, fold, pair_sums
from bot.probe import NONE

# The kinds checked, as the model is asked for them.
SLOTS: dict[Kind, str] = {Kind.NUMBER: "number", Kind.DATE: "date"}
_YEAR = re.compile(r"(?<!\d)(?:1[0-9]|20)\d\d(?!\d)")
# One date however many parts it has: "le 12 novembre 2024", "décembre 2024", "samedi",
# "en 2014" (read on folded text, where "may" the verb is lost among months: left out).
_DAY_OR_MONTH = "|".join(w for w in DATE_WORDS if w != "may")
_DATE = re.compile(
    rf"\b(?:\d{{1,2}}(?:er|st|nd|rd|th)?\s+)?(?:{_DAY_OR_MONTH})\b(?:\s+\d{{1,2}}\b)?"
    r"(?:,?\s+(?:1[0-9]|20)\d\d\b)?|(?<!\d)(?:1[0-9]|20)\d\d(?!\d)")


# The kinds whose copy decides whether a sentence gives the fact asked for: a NONE
# that it does not, one of the sentence's own numbers that it does. Not dates: no near
# miss of this article needs it, a NONE turned away a quarter of PIAF's answer
# sentences holding a date, and a date is copied for its near miss as readily ("Quel
# jour l'embuscade a-t-elle eu lieu ?" of CENTCOM reporting it on Saturday).
COPY_DECIDES = frozenset({"number"})


# "How many people…", "Combien de personnes…", a toll: a count of people in general may
# be the sum of the groups a sentence counts ("deux soldats américains et un civil" are
# three people), which a copy of the sentence's words cannot give.
_PEOPLE_COUNTED = re.compile(
    r"\b(?:how many|combien d[e'’]\s*)\s*(?:people|persons|victims|casualties|dead"
    r"|personnes|victimes|morts|gens)\b"
    # A toll is such a count: "What was the death toll?", "Quel est le bilan ?"
    r"|\b(?:toll|bilan)\b")


def counts_people(question: str) -> bool:
    """Whether ``question`` asks how many people, whoever they are."""
    return bool(_PEOPLE_COUNTED.search(fold(question)))


def says_none(copied: str) -> bool:
    """Whether the probe's copy says the sentence does not give the fact ("NONE")."""
    return copied.strip().upper().startswith(NONE)


def copies_held(slot: str, sentence: str, copied: str) -> bool:
    """Whether the probe ``copied`` one of the numbers (dates) ``sentence`` states."""
    return bool(facts_of(slot, copied) & facts_of(slot, sentence))


def slot_of(question: str) -> str | None:
    kind = expected_kind(question)
    return SLOTS.get(kind) if kind else None


def facts_of(slot: str, text: str) -> set[Hashable]:
    """The numbers (for a date: years, days and months) ``text`` states."""
    if slot == "number":
        # "2 000" also reads as 2 and 0: a zero is never what two sentences disagree on.
        return {n for n in counts_in(text) if n}
    return {("year", y) for y in _YEAR.findall(text)} | {("day", d) for d in dates_in(text)}


def choices(slot: str, sentence: str) -> int:
    """How many numbers (dates) ``sentence`` states: the copy is asked for from two."""
    if slot == "number":
        return len(facts_of(slot, sentence))
    return len(_DATE.findall(fold(sentence)))


def _sums(slot: str, copied: str) -> set[Hashable]:
    """What an answer may state for the copied numbers: "deux soldats et un civil" is
    three people."""
    if slot != "number":
        return set()
    return set(pair_sums((n for n in counts_in(copied) if n), copied))


def disagrees(slot: str, answer: str, sentence: str, copied: str) -> bool | None:
    """Whether ``answer`` gives another of ``sentence``'s facts than the one the model
    ``copied`` from it as the answer; None when there is nothing to compare (the sentence
    holds fewer than two, the answer states none of them, the copy names none)."""
    held = facts_of(slot, sentence)
    given = facts_of(slot, MARKER.sub("", answer))
    chosen = facts_of(slot, copied) & held
    if choices(slot, sentence) < 2 or not given & held or not chosen:
        return None
    return not given & (chosen | _sums(slot, copied))
