import pytest

from bot.conversation import Conversation, Turn
from bot.followup import is_follow_up, standalone_query


@pytest.mark.parametrize(
    "question",
    ["And how many were wounded?", "Et combien ont été blessés ?", "What did he call it?",
     "Où cela s'est-il passé ?", "Why?", "Pourquoi ?", "Avec qui a-t-il parlé ?"],
)
def test_follow_ups(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    ["Who died near Palmyra?", "Qui est mort près de Palmyre ?",
     "When was the anti-IS coalition created?", "Quel est le nom du président syrien ?"],
)
def test_standalone_questions(question: str) -> None:
    assert not is_follow_up(question)


def test_query_joins_previous_question_only_for_follow_ups() -> None:
    conv = Conversation()
    assert standalone_query("And then?", conv) == "And then?"  # nothing to follow
    conv.add(Turn("Who called Marco Rubio?", "Asaad al-Shaibani [1].", "en", ("a:3",)))
    assert standalone_query("What did he pass on?", conv) == (
        "Who called Marco Rubio? What did he pass on?")
    assert standalone_query("Who is the Syrian president?", conv) == (
        "Who is the Syrian president?")
