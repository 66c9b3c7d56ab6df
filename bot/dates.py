"""Trim the parts of a date a claim adds to what its sentence says.

A small model completes dates from habit: "le 12 novembre dernier" becomes "on 12
November 2024", "lancé dimanche" becomes "on Sunday, December 12, 2024". The year (or
month, or day) it adds is invented, and a claim holding it cannot be verified; the rest
of the claim is what the article says. Removing the parts of a date phrase the
sentence does not write keeps the verified fact and invents nothing. Only dates are
trimmed: any other number the sentence lacks still makes the claim unsupported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.facts import dates_in, numbers_in

_WEEKDAYS = ("monday tuesday wednesday thursday friday saturday sunday "
             "lundi mardi mercredi jeudi vendredi samedi dimanche")
_MONTHS = ("january february march april june july august september october november "
           "december janvier février fevrier mars avril mai juin juillet août aout "
           "septembre octobre novembre décembre decembre")


def _words(names: str) -> str:
    return "|".join(sorted(names.split(), key=len, reverse=True))


# "May" only capitalised: lower-case "may" is the English verb.
_TOKEN = re.compile(
    rf"\b(?:(?P<weekday>(?i:{_words(_WEEKDAYS)}))|(?P<month>May|(?i:{_words(_MONTHS)}))"
    r"|(?P<year>(?:1[89]|20)\d\d)|(?P<day>\d{1,2})(?:st|nd|rd|th|er)?)\b")
# What may separate the tokens of one date phrase.
_GLUE = re.compile(r",?\s+(?:of\s+)?")
# A preposition left with nothing to introduce once its date is gone.
_DANGLING = re.compile(r"\s*\b(?:on|in|le|en|du|depuis|since)\b\s*(?=[,.;:!?]|$)", re.I)


# The preposition of a day, before a date left without one.
_ON_A_DAY = re.compile(r"\b(on|On|le|Le)(\s+)$")
_IN = {"on": "in", "On": "In", "le": "en", "Le": "En"}


@dataclass(frozen=True)
class _Token:
    kind: str  # weekday, month, year, day
    text: str
    start: int
    end: int


def _phrases(claim: str) -> list[list[_Token]]:
    phrases: list[list[_Token]] = []
    for m in _TOKEN.finditer(claim):
        kind = next(k for k, v in m.groupdict().items() if v)
        token = _Token(kind, m.group(0), m.start(), m.end())
        last = phrases[-1][-1] if phrases else None
        if last and _GLUE.fullmatch(claim[last.end:token.start]):
            phrases[-1].append(token)
        else:
            phrases.append([token])
    # A lone number is no date; a phrase needs a weekday, a month or a year.
    return [p for p in phrases if any(t.kind != "day" for t in p)]


def trim_unsupported_dates(claim: str, source: str) -> str:
    """``claim`` without the parts of its date phrases that ``source`` does not write.

    Each date phrase must keep a part the source confirms; otherwise the claim is
    returned whole.
    """
    have_dates, have_numbers = dates_in(source), numbers_in(source)
    out, pos = [], 0
    for phrase in _phrases(claim):
        months = [t for t in phrase if t.kind == "month"]
        month_ok = bool(months) and all(dates_in(t.text) <= have_dates for t in months)

        def keep(t: _Token, month_ok: bool = month_ok) -> bool:
            if t.kind == "weekday":
                return dates_in(t.text) <= have_dates
            if t.kind == "month":
                return month_ok
            # A day number means nothing without its month.
            value = float(re.match(r"\d+", t.text).group())  # type: ignore[union-attr]
            return value in have_numbers and (t.kind == "year" or month_ok)

        kept = [t for t in phrase if keep(t)]
        if len(kept) == len(phrase):
            continue
        if not kept:
            # The sentence confirms nothing of this date: it is another date, or the
            # claim is about another sentence. Trimming would only hide that.
            return claim
        before = claim[pos:phrase[0].start]
        if not any(t.kind in ("day", "weekday") for t in kept):
            # "le 12 novembre 2024" trimmed to its year is "en 2024", not "le 2024".
            before = _ON_A_DAY.sub(lambda m: _IN[m.group(1)] + m.group(2), before)
        out.append(before)
        out.append(" ".join(t.text for t in kept))
        pos = phrase[-1].end
    if not out:
        return claim
    trimmed = "".join(out) + claim[pos:]
    trimmed = re.sub(r"\s+([,.;:!?])", r"\1", trimmed)
    trimmed = re.sub(r",(?:\s*,)+", ",", trimmed)
    trimmed = _DANGLING.sub("", trimmed)
    trimmed = re.sub(r",\s*(?=[.;:!?]|$)", "", trimmed)
    return re.sub(r"\s{2,}", " ", trimmed).strip()
