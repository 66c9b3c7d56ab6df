import pytest

from bot.places import trim_places


@pytest.mark.parametrize(("claim", "trimmed"), [
    ("The operation was launched in Palmyra on Sunday.", "The operation was launched on Sunday."),
    ("It was launched in the desert of Palmyra on Sunday.", "It was launched on Sunday."),
    ("Une opération a été lancée près de Palmyra, visant Daech.",
     "Une opération a été lancée, visant Daech."),
    # not a place phrase: the name stays, and the claim stays unsupported
    ("Two soldiers died in an ambush led by Palmyra.", "Two soldiers died in an ambush led by "
                                                       "Palmyra."),
])
def test_a_place_phrase_ending_in_the_name_is_removed(claim: str, trimmed: str) -> None:
    assert trim_places(claim, ["Palmyra"]) == trimmed


def test_other_places_stay() -> None:
    claim = "The operation targeted cells in Homs province."
    assert trim_places(claim, ["Palmyra"]) == claim
