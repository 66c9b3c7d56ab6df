from __future__ import annotations

import pytest

from bot.app import Citebot
from bot.overview import asks_overview, lede
from bot.settings import Settings
from index.types import Sentence
from tests.test_identity import model_bot


@pytest.mark.parametrize(("question", "asked"), [
    ("What is this article about?", True),
    ("what's the story about", True),
    ("Can you summarise the article?", True),
    ("Give me a short summary.", True),
    ("What happened?", True),
    ("What does the article say?", True),
    ("De quoi parle cet article ?", True),
    ("Peux-tu me résumer cet article ?", True),
    ("Résume l’article en une phrase.", True),
    ("Fais-moi un résumé", True),
    ("Quel est le sujet de l'article ?", True),
    ("Que s’est-il passé ?", True),
    # About something in it: retrieval finds that.
    ("What happened near Palmyra?", False),
    ("Que s'est-il passé à Palmyre ?", False),
    ("What does the article say about Marco Rubio?", False),
    ("Qui a résumé la situation ?", False),
    ("De quoi parle-t-il au téléphone ?", False),
])
def test_asks_overview(question: str, asked: bool) -> None:
    assert asks_overview(question) is asked


def _s(n: int, paragraph: int, text: str, doc: str = "a") -> Sentence:
    return Sentence(f"{doc}:{n}", doc, n, paragraph, text)


def test_the_lede_is_the_first_paragraph_after_any_title_line() -> None:
    sentences = [_s(3, 2, "Later."), _s(1, 0, "Attaque près de Palmyre"),
                 _s(2, 1, "Trois soldats sont morts."), _s(4, 1, "Un civil aussi."),
                 _s(5, 1, "Et encore."), _s(1, 0, "Other article.", "b")]
    assert [s.id for s in lede(sentences, "a")] == ["a:2", "a:4"]
    assert [s.id for s in lede(sentences, "a", most=1)] == ["a:2"]
    assert [s.id for s in lede(sentences, "b")] == ["b:1"]
    # Nothing but title lines: the first one.
    assert [s.id for s in lede([_s(1, 0, "Titre"), _s(2, 1, "Sous-titre")], "a")] == ["a:1"]


LEDE = "palmyre.fr:1"


def test_what_the_article_is_about_is_told_from_its_lede_whatever_the_scores(
        settings: Settings) -> None:
    # Gates no question clears: only the question's form picks the sentences.
    made, model = model_bot(settings, 0.99)
    model.replies.append("L’article parle de l’attentat perpétré par Daech près de "
                         "l’ancienne cité de Palmyre [1].")
    a = made.ask("De quoi parle cet article ?", made.new_conversation())
    assert a.answered and [c.id for c in a.citations] == [LEDE]
    assert "closest: [1]." in model.received[-1][-1].text
    # The answer is still verified: what the lede does not say falls back to quoting it.
    model.replies.append("L’article parle des élections municipales à Lyon [1].")
    a = made.ask("Résume l’article.", made.new_conversation())
    assert a.answered and [c.id for c in a.citations] == [LEDE]
    assert "Lyon" not in a.answer and "La Syrie et les États-Unis ont annoncé" in a.answer
    # Another question under the same gates is refused before the model.
    asked = len(model.received)
    assert not made.ask("Qui a gagné les élections ?", made.new_conversation()).answered
    assert len(model.received) == asked


def test_what_the_article_is_about_is_quoted_without_a_model(bot_none: Citebot) -> None:
    a = bot_none.ask("What is this article about?", bot_none.new_conversation())
    assert a.answered and [c.id for c in a.citations] == [LEDE]
    assert not bot_none.ask("Who won the election?", bot_none.new_conversation()).answered


@pytest.fixture
def bot_none(settings: Settings) -> Citebot:
    from bot.app import create_citebot
    from tests.fakes import FakeDetector, FakeEmbedder

    s = settings.model_copy(update={"answer_threshold": 0.99, "llm": "none"})
    return create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(), chat_model=None)
