"""Who the people an article names are, as the sentences naming them are embedded."""

import pytest

from index.cast import embedded_texts, in_context, roles_in
from index.types import Sentence


def _doc(*texts: str, doc: str = "d") -> list[Sentence]:
    return [Sentence(f"{doc}:{n}", doc, n, n, t) for n, t in enumerate(texts, start=1)]


def test_roles_are_the_words_before_a_name_from_the_last_function_word() -> None:
    sentence = ("Un entretien entre le ministre syrien des Affaires étrangères, Asaad "
                "al-Shaibani, et le secrétaire d’État américain, Marco Rubio, a eu lieu.")
    assert roles_in(sentence) == {"Asaad al-Shaibani": "ministre syrien des Affaires étrangères",
                                  "Marco Rubio": "secrétaire d’État américain"}
    assert roles_in("Les condoléances du président syrien Ahmed al-Charaa.") == {
        "Ahmed al-Charaa": "président syrien"}
    assert roles_in("Jean Dupont, boulanger, a ouvert.") == {"Jean Dupont": "boulanger"}


@pytest.mark.parametrize("sentence", [
    "La chute de l’ancien régime de Bachar al-Assad.",  # ends on "de"
    "Asaad al-Shaibani a qualifié l’attaque.",  # nothing before
    "Il avait alors à l’âge de 15 ans, Jean Stablewski, quitté l'école.",  # a number
    "Lennon a dit que John Lennon chantait.",  # nothing opens a role
    "En Algérie, l’armée avance.",  # "En" is no first name
    "Jean Dupont, disparu en 1990, a ouvert.",  # a number after
])
def test_no_role_where_no_noun_phrase_says_one(sentence: str) -> None:
    assert roles_in(sentence) == {}


def test_a_later_mention_is_embedded_after_who_the_first_said_they_are() -> None:
    doc = _doc("Le ministre des Finances, Jean Dupont, a parlé au président Paul Martin.",
               "Dupont a annoncé une réforme.",
               "Il a également remercié les syndicats.",
               "La réforme entre en vigueur lundi.",
               "Paul Martin a salué la réforme.")
    texts = in_context(doc)
    assert texts[0] == doc[0].text  # the introduction itself
    assert texts[1] == "Jean Dupont (ministre des Finances) : Dupont a annoncé une réforme."
    assert texts[2].startswith("Jean Dupont (ministre des Finances) : Il a")  # the subject before
    assert texts[3] == doc[3].text
    assert texts[4] == "Paul Martin (président) : Paul Martin a salué la réforme."


def test_a_pronoun_refers_only_to_a_name_opening_the_sentence_before() -> None:
    doc = _doc("Le ministre des Finances, Jean Dupont, a parlé.",
               "Selon Jean Dupont, la réforme est prête.",
               "Il entre en vigueur lundi.")
    assert in_context(doc)[2] == doc[2].text


def test_articles_do_not_lend_each_other_their_people() -> None:
    first = _doc("Le ministre des Finances, Jean Dupont, a parlé.", doc="a")
    second = _doc("Jean Dupont, boulanger, a ouvert.", "Dupont vend du pain.", doc="b")
    texts = embedded_texts([*first, *second])
    assert texts[:2] == [first[0].text, second[0].text]
    assert texts[2] == "Jean Dupont (boulanger) : Dupont vend du pain."


def test_sentences_may_come_as_any_iterable() -> None:
    doc = _doc("Le ministre des Finances, Jean Dupont, a parlé.", "Dupont a signé.")
    assert embedded_texts(iter(doc)) == in_context(doc)
