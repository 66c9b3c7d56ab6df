"""Trimming the parts of a date that a claim adds to its sentence."""

import pytest

from bot.dates import trim_unsupported_dates

JOINED = ("Les forces américaines opèrent en Syrie dans le cadre de la coalition "
          "internationale anti-EI créée en 2014, coalition que la Syrie a officiellement "
          "rejointe le 12 novembre dernier.")
LAUNCHED = ("À la suite de cette attaque, les autorités syriennes ont lancé dimanche une "
            "opération de sécurité.")


@pytest.mark.parametrize(("claim", "source", "expected"), [
    ("Syria joined the coalition on 12 November 2024.", JOINED,
     "Syria joined the coalition on 12 November."),
    ("Syria joined the coalition on November 12th, 2024.", JOINED,
     "Syria joined the coalition on November 12th."),
    ("La Syrie a rejoint la coalition le 12 novembre 2024.", JOINED,
     "La Syrie a rejoint la coalition le 12 novembre."),
    ("The operation was launched on Sunday, December 12, 2024.", LAUNCHED,
     "The operation was launched on Sunday."),
    # A wrong month takes its day with it ("12" alone would mean nothing); the year the
    # sentence confirms stays.
    ("Syria joined the coalition in 3 December 2014.", JOINED,
     "Syria joined the coalition in 2014."),
    # Left without its day, a date takes the preposition of a month or a year.
    ("The coalition was created on 3 December 2014.", JOINED,
     "The coalition was created in 2014."),
    ("La coalition a été créée le 3 décembre 2014.", JOINED,
     "La coalition a été créée en 2014."),
])
def test_unsupported_parts_go(claim: str, source: str, expected: str) -> None:
    assert trim_unsupported_dates(claim, source) == expected


@pytest.mark.parametrize("claim", [
    "The coalition was created in 2014.",  # every part is in the sentence
    "Syria joined the coalition on 12 November.",
    "Three soldiers were wounded.",  # no date at all
    "Syria sent 4000 soldiers.",  # a number that is no date stays, and fails elsewhere
    "Officials may meet again.",  # the verb "may" is no month
    # Nothing of these dates is confirmed: another date, or another sentence.
    "The coalition was created in 2015.",
    "Syria joined the coalition on 12 December.",
])
def test_supported_or_dateless_claims_are_left_alone(claim: str) -> None:
    assert trim_unsupported_dates(claim, JOINED) == claim
