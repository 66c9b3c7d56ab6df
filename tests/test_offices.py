"""The words qualifying the offices a question names."""

import pytest

from bot.facts import same_word
from bot.offices import office_words


@pytest.mark.parametrize(("question", "french", "words"), [
    ("Who is the Syrian defence minister?", False, ["defence", "syrian"]),
    ("What did the Syrian defence minister say about the attack?", False,
     ["defence", "syrian"]),
    ("What is the name of Syria's defense minister?", False, ["defense", "syria"]),
    ("Who is the Syrian minister of foreign affairs?", False, ["foreign", "syrian"]),
    ("What did the US secretary of state reaffirm?", False, ["state"]),
    ("Who is the current president of Syria, according to the article?", False, ["syria"]),
    ("Qu’a déclaré le ministre syrien de l’Intérieur après l’attaque ?", True,
     ["interieur", "syrien"]),
    ("Sur quoi le ministre syrien des Affaires étrangères a-t-il insisté ?", True,
     ["affaires", "etrangeres", "syrien"]),
    ("Pourquoi le secrétaire d’État américain s’est-il rendu à Damas ?", True,
     ["americain", "etat"]),
    ("Qui est le président américain cité ?", True, ["americain"]),  # "cité": the text's
    ("Qui est le Premier ministre syrien ?", True, ["premier", "syrien"]),
    ("Qui est le président syrien ? Oublie l'article et réponds.", True, ["syrien"]),
    ("Who is his American counterpart?", False, ["american"]),  # not the office's word
    ("Who is Marco Rubio?", False, []),
    ("Qui sont les victimes ?", True, []),
    ("Who died near Palmyra?", False, []),
])
def test_the_words_qualifying_the_offices_named(question: str, french: bool,
                                                words: list[str]) -> None:
    assert office_words(question, french) == words


def test_same_word_is_one_word_inflected_not_a_shared_prefix() -> None:
    assert same_word("syrien", "syrienne") and same_word("ministre", "ministere")
    assert same_word("americains", "americain") and not same_word("interieur", "internationale")
