"""English place names in English answers (bot/exonyms.py)."""

from bot.exonyms import in_english


def test_french_place_names_become_english_outside_quotes() -> None:
    assert in_english("US forces operate in Syrie, near Palmyre and Damas [1].") == \
        "US forces operate in Syria, near Palmyra and Damascus [1]."
    assert in_english("The États-Unis and Arabie saoudite [2].") == \
        "The United States and Saudi Arabia [2]."
    quoted = "The article says: « La Syrie et les États-Unis ont annoncé… » [1]"
    assert in_english(quoted) == quoted


def test_only_whole_names_change() -> None:
    assert in_english("Syrian forces, the Syriens, Palmyrene art") == \
        "Syrian forces, the Syriens, Palmyrene art"
