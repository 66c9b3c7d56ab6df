"""Yes-or-no questions (bot/polar.py)."""

import pytest

from bot.polar import asks_yes_no


@pytest.mark.parametrize("question", [
    "Was a civilian among the dead?", "Did Syria join the coalition?",
    "And were any soldiers wounded?", "La Syrie a-t-elle rejoint la coalition ?",
    "Est-ce que Daech est responsable ?", "Y a-t-il eu des blessés ?",
    "Les autorités ont-elles lancé une opération ?",
])
def test_yes_no_questions(question: str) -> None:
    assert asks_yes_no(question)


@pytest.mark.parametrize("question", [
    "Who died near Palmyra?", "Do you know who died?", "Qu'est-ce que CENTCOM ?",
    "Can you tell me how many soldiers died?", "Peut-on savoir qui a appelé Marco Rubio ?",
    "Savez-vous combien de soldats sont morts ?", "Est-ce que tu sais où a eu lieu l’attaque ?",
    "Avec quel pays la Syrie se rapproche-t-elle ?", "Depuis quand la Syrie est-elle membre ?",
    "Combien de soldats sont-ils morts ?", "Qui a-t-il appelé ?",
    "Quand la population a-t-elle été évacuée ?", "Where is Palmyra?",
])
def test_other_questions(question: str) -> None:
    assert not asks_yes_no(question)
