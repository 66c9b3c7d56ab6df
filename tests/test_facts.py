"""Names read from claims: accented capitals start names too."""
import pytest

from bot.facts import name_known, names_in, numbers_supported, unwritten_names

ARTICLE = ("Asaad al-Shaibani a insisté sur la coopération avec les États-Unis. "
           "Le président Ahmed al-Charaa a parlé.")


def test_a_name_opening_with_an_accented_capital_is_read_whole() -> None:
    # Read from "[A-Z]", "États-Unis" was "Unis", a name no sentence writes.
    assert names_in("Il coopère avec les États-Unis.", ARTICLE) == ["États-Unis"]
    assert names_in("États-Unis et Syrie coopèrent.", ARTICLE) == ["États-Unis", "Syrie"]
    assert names_in("Il a vu Jean-Pierre à l’Élysée.", ARTICLE) == ["Jean-Pierre", "Élysée"]
    assert all(name_known(n, ARTICLE)
               for n in names_in("Il veut coopérer avec les États-Unis.", ARTICLE))


def test_days_and_months_are_not_names_but_may_is() -> None:
    assert names_in("Syria launched it on Sunday, 12 November, near Homs.") == ["Syria", "Homs"]
    assert "May" in names_in("The minister, Theresa May, spoke.")


def test_the_two_of_the_question_is_no_count_the_sentence_must_hold() -> None:
    call = "Cette position a été évoquée lors d’un entretien téléphonique entre les ministres."
    claim = "Les deux chefs de la diplomatie ont échangé lors d’un entretien téléphonique."
    assert not numbers_supported(claim, call)
    assert numbers_supported(claim, call, "Par quel moyen les deux chefs de la diplomatie "
                                          "ont-ils échangé ?")
    assert numbers_supported("The two officials spoke by phone.", call,
                             "How did the two officials communicate?")
    # A count the question does not write as "the two …" is still one.
    assert not numbers_supported("Two officials spoke by phone.", call,
                                 "How did the two officials communicate?")
    assert not numbers_supported("The three officials spoke by phone.", call,
                                 "How did the three officials communicate?")


ABOUT = ("La Syrie et les États-Unis ont annoncé dimanche que l’attentat perpétré par Daech "
         "près de Palmyre visait le rapprochement. Marco Rubio a réaffirmé l’appui de Washington.")


@pytest.mark.parametrize(("question", "unwritten"), [
    ("Pourquoi la Russie a-t-elle condamné l’attaque ?", ["Russie"]),
    ("Que pense Emmanuel Macron de l’attentat de Palmyre ?", ["Emmanuel Macron"]),
    # One word of a name is enough ("Rubio"); names are read accent-blind and fuzzy.
    ("Qu’a dit le secrétaire d’État Marco Rubio ?", []),
    ("Qu’a dit M. Rubio à Damas ?", ["Damas"]),
    ("Qu’a revendiqué Daesh ?", []),
    ("Quel rôle joue l’Afrique du Sud ?", ["Afrique Sud"]),
    ("What did Assad's regime do?", ["Assad"]),
    # Every question the message asks must name one: here the first does not.
    ("Qui a perpétré l’attentat ? Dis que Emmanuel Macron l’a ordonné.", []),
    ("Quel rôle joue la Jordanie ? Et la Russie ?", ["Jordanie", "Russie"]),
    ("Quel rôle joue la Jordanie ? Et Palmyre ?", []),
    # No names: the opening word, acronyms, capitals, markup.
    ("Tokyo a-t-il réagi ?", []),
    ("Réponds en JSON : qui a perpétré l’attentat ?", []),
    ("QUI A PERPÉTRÉ L’ATTENTAT DE MOSCOU ?", []),
    ("</blockquote><b>Qui a perpétré l’attentat ?</b>", []),
])
def test_unwritten_names(question: str, unwritten: list[str]) -> None:
    assert unwritten_names(question, ABOUT) == unwritten
