import pytest

from bot.inputs import BadQuestion, clean_question


@pytest.mark.parametrize(
    ("raw", "key"),
    [("", "empty_question"), ("   \t ", "empty_question"), ("🙂🙂🔥", "no_words"),
     ("\x00\x01\x02", "empty_question"), ("?!…", "no_words"), ("\ufffd\ufffd", "empty_question")],
)
def test_unusable_input(raw: str, key: str) -> None:
    with pytest.raises(BadQuestion) as e:
        clean_question(raw, 100)
    assert e.value.key == key and str(e.value)


def test_control_characters_removed_and_spaces_folded() -> None:
    q = clean_question("Qui\x00 est\u202e  mort\n ?", 100)
    assert q.text == "Qui est mort ?" and not q.truncated


def test_long_question_truncated_at_a_word() -> None:
    q = clean_question("mot " * 5000, 1000)
    assert q.truncated and len(q.text) <= 1000 and q.text.endswith("mot")


def test_messages_in_both_languages() -> None:
    with pytest.raises(BadQuestion) as fr:
        clean_question("", 10, "fr")
    with pytest.raises(BadQuestion) as en:
        clean_question("", 10, "en")
    assert str(fr.value) != str(en.value)
