import pytest

from bot.conversation import Conversation, Turn
from bot.followup import is_follow_up, repeats_previous, search_queries, standalone_query


@pytest.mark.parametrize(
    "question",
    ["And how many were wounded?", "Et combien ont été blessés ?", "What did he call it?",
     "Où cela s'est-il passé ?", "Why?", "Pourquoi ?", "Avec qui a-t-il parlé ?",
     "Qui le dirigeait ?", "Qui les a tués ?", "Comment l’a-t-on appris ?"],
)
def test_follow_ups(question: str) -> None:
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    ["Who died near Palmyra?", "Qui est mort près de Palmyre ?",
     "When was the anti-IS coalition created?", "Quel est le nom du président syrien ?",
     "Qui est le président américain ?", "Qui a lancé l’opération ?",
     "Qui la Syrie remercie ?"],
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


def _answered(question: str, answer: str) -> Conversation:
    conv = Conversation()
    conv.add(Turn(question, answer, "en", ("a:3",)))
    return conv


def test_the_previous_answer_again_is_a_repeat() -> None:
    conv = _answered("Who called Marco Rubio?", "Asaad al-Shaibani called Marco Rubio [1].")
    assert repeats_previous("What did he pass on to him?",
                            "Asaad al-Shaibani called Marco Rubio [3].", conv)
    assert not repeats_previous("What did he pass on to him?",
                                "He passed on his condolences [3].", conv)


def test_an_answer_saying_nothing_new_is_a_repeat() -> None:
    conv = _answered("Quand l’ancien régime est-il tombé ?",
                     "L’ancien régime de Bachar al-Assad est tombé en décembre 2024 [1].")
    assert repeats_previous("Qui le dirigeait ?", "L’ancien régime est tombé en 2024 [1].",
                            conv)
    assert not repeats_previous("Qui le dirigeait ?", "Le président Bachar al-Assad [1].",
                                _answered("Quand l’ancien régime est-il tombé ?",
                                          "L’ancien régime est tombé en décembre 2024 [1]."))
    # A number the exchange did not give is new.
    assert not repeats_previous("Et combien de soldats y sont morts ?",
                                "Deux soldats y sont morts [1].",
                                _answered("Où l’embuscade a-t-elle eu lieu ?",
                                          "Dans la zone désertique de Palmyre [1]."))


def test_the_same_question_may_get_the_same_answer() -> None:
    conv = _answered("Who called Marco Rubio?", "Asaad al-Shaibani called Marco Rubio [1].")
    assert not repeats_previous("Who called Marco Rubio ?",
                                "Asaad al-Shaibani called Marco Rubio [1].", conv)


def test_no_repeat_without_an_answered_turn() -> None:
    conv = Conversation()
    conv.add(Turn("Who won the World Cup?", "The article does not say.", "en", ()))
    assert not repeats_previous("And in 2018?", "The article does not say.", conv)


def test_a_follow_up_is_searched_joined_and_alone() -> None:
    conv = Conversation()
    assert search_queries("What did he pass on?", conv) == ("What did he pass on?",)
    conv.add(Turn("Who called Marco Rubio?", "Asaad al-Shaibani [1].", "en", ("a:3",)))
    assert search_queries("What did he pass on?", conv) == (
        "Who called Marco Rubio? What did he pass on?", "What did he pass on?")
    assert search_queries("Who is the Syrian president?", conv) == (
        "Who is the Syrian president?",)
