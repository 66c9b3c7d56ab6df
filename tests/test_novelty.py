"""What an answer adds to its question (``bot/novelty.py``)."""

from bot.novelty import content_of, residual, says_nothing_new


def test_the_residual_is_the_claim_without_the_questions_words_inflected_or_not() -> None:
    rest = residual("Damas a déclenché une opération autour de Homs pour renforcer la "
                    "sécurité", "Pourquoi Damas a-t-il déclenché une opération autour de Homs ?")
    assert content_of(rest) == {"renforcer", "securite"}
    assert residual("Syria joined the coalition", "When did Syria join it?") == "the coalition"


def test_a_restated_question_says_nothing_new() -> None:
    question = ("Dans quel but les nouveaux dirigeants syriens œuvrent-ils sur tout le pays "
                "depuis la fin de l’ère Assad ?")
    assert says_nothing_new("Les nouveaux dirigeants syriens œuvrent sur tout le pays "
                            "depuis la fin de l'ère Assad", question)
    # The date the question gives is nothing new either.
    assert says_nothing_new("Syria joined the coalition on November 12",
                            "Why did Syria wait until 12 November to join the coalition?")
    # Nor is an acronym the question writes.
    assert says_nothing_new("The US reaffirmed its support",
                            "Why did the US reaffirm its support?")


def test_a_word_a_number_or_an_acronym_the_question_lacks_is_new() -> None:
    assert not says_nothing_new("Ils œuvrent sur tout le pays pour rétablir la sécurité",
                                "Dans quel but œuvrent-ils sur tout le pays ?")
    assert not says_nothing_new("One civilian died", "How many civilians died?")
    assert not says_nothing_new("Un civil est mort", "Combien de civils sont morts ?")
    assert not says_nothing_new("Two soldiers died", "How many soldiers died?")
    assert not says_nothing_new("The attack was carried out by IS",
                                "Who carried out the attack?")


def test_picking_one_of_the_questions_words_is_an_answer() -> None:
    # It restates too little of the question to be an echo of it.
    assert not says_nothing_new("Samedi", "Le bilan a-t-il été donné samedi ou dimanche, "
                                          "selon le commandement américain ?")
