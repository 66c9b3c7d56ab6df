"""Who someone is: the sentence that first names them goes first among the hits."""

from typing import Any

import pytest

from bot.app import Citebot, create_citebot
from bot.calibration import Thresholds
from bot.identity import (
    doer_asked,
    first_mention,
    introduced_first,
    person_asked,
    pronoun_subject,
)
from bot.settings import Settings
from index.types import Hit, Sentence
from tests.fakes import FakeDetector, FakeEmbedder, QueueChatModel


@pytest.mark.parametrize(("question", "name"), [
    ("Qui est Marco Rubio ?", "Marco Rubio"),
    ("Who was Bachar al-Assad?", "Bachar al-Assad"),
    ("What is Asaad al-Shaibani's job?", "Asaad al-Shaibani"),
    ("Quel est le rôle d’Asaad al-Shaibani ?", "Asaad al-Shaibani"),
    ("What is the role of the CENTCOM?", "CENTCOM"),
    ("Quel est le titre de Marco Rubio ?", "Marco Rubio"),
    ("Quel poste occupe Asaad al-Shaibani ?", "Asaad al-Shaibani"),
    ("What position does Marco Rubio hold?", "Marco Rubio"),
    ("Qui est Donald Trump selon l’article ?", "Donald Trump"),
    ("Who is Ahmed al-Charaa in the article?", "Ahmed al-Charaa"),
    # Questions about something else than who they are.
    ("Who is Donald Trump's Syrian counterpart?", None),
    ("Qui est mort près de Palmyre ?", None),
    ("Who is his American counterpart?", None),
    ("Qui a appelé Marco Rubio ?", None),
])
def test_person_asked(question: str, name: str | None) -> None:
    assert person_asked(question) == name


SENTENCES = [
    Sentence("a:1", "a", 1, 0, "Un appel entre le ministre, Asaad al-Shaibani, et Marco Rubio."),
    Sentence("a:2", "a", 2, 0, "Asaad al-Shaibani a qualifié l’attaque de défi."),
    Sentence("a:3", "a", 3, 1, "De son côté, Marco Rubio a réaffirmé l’appui des États-Unis."),
    Sentence("b:1", "b", 1, 0, "Marco Rubio, dans un autre article."),
]


def test_first_mention_is_the_first_sentence_writing_every_word_of_the_name() -> None:
    assert first_mention("Marco Rubio", SENTENCES[:3]) == SENTENCES[0]
    assert first_mention("Shaibani", list(reversed(SENTENCES))) == SENTENCES[0]
    assert first_mention("Marco Polo", SENTENCES) is None


def test_first_mention_takes_a_name_spelled_otherwise_when_none_is_written_exactly() -> None:
    sentences = [
        Sentence("a:1", "a", 1, 0, "Le ministre Asaad al-Shaibani a appelé Marco Rubio."),
        Sentence("a:2", "a", 2, 0, "Il a transmis les condoléances d’Ahmed al-Charaa."),
        Sentence("a:3", "a", 3, 0, "Depuis la chute de Bachar al-Assad en 2024."),
    ]
    # The English press's spellings of the French article's names.
    assert first_mention("al-Sharaa", sentences) == sentences[1]
    assert first_mention("Ahmed al-Sharaa", sentences) == sentences[1]
    assert first_mention("al-Chaibani", sentences) == sentences[0]
    # Written exactly somewhere: that sentence, not a close spelling earlier ("Asaad").
    assert first_mention("Assad", sentences) == sentences[2]
    # Not one name for another that opens alike ("al-Sh…").
    assert first_mention("al-Shalabi", sentences) is None


def test_introduced_first_takes_the_best_hit_s_place_in_its_article() -> None:
    hits = [Hit(SENTENCES[2], 0.5, 0), Hit(SENTENCES[3], 0.4, 1), Hit(SENTENCES[0], 0.3, 2)]
    out, introduced = introduced_first("Qui est Marco Rubio ?", hits, SENTENCES, k=3)
    assert introduced and [(h.sentence.id, h.score, h.rank) for h in out] == [
        ("a:1", 0.5, 0), ("a:3", 0.5, 1), ("b:1", 0.4, 2)]
    # Not asked who he is, or already first: the hits as they were.
    assert introduced_first("Qu’a réaffirmé Marco Rubio ?", hits, SENTENCES, 3) == (
        hits, False)
    first = [hits[2], hits[0]]
    assert introduced_first("Qui est Marco Rubio ?", first, SENTENCES, 3) == (first, True)
    assert introduced_first("Qui est Marco Polo ?", hits, SENTENCES, 3) == (hits, False)


@pytest.fixture
def bot(settings: Settings) -> Citebot:
    # One citation: the quote is the best hit alone.
    s = settings.model_copy(update={"answer_threshold": 0.1, "llm": "none", "max_citations": 1})
    return create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(), chat_model=None)


def test_who_someone_is_is_quoted_from_where_the_article_introduces_them(bot: Citebot) -> None:
    # Retrieval alone ranks first Rubio's reaffirmed support (sentence 6).
    assert bot.qa.retriever.search(["Qui est Marco Rubio ?"], 1)[0].sentence.id != \
        "palmyre.fr:3"
    a = bot.ask("Qui est Marco Rubio ?", bot.new_conversation())
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:3"]
    assert "secrétaire d’État américain, Marco Rubio" in a.citations[0].text


def test_who_someone_is_points_the_model_at_where_they_are_introduced(
        settings: Settings) -> None:
    model = QueueChatModel(replies=[], received=[])
    s = settings.model_copy(update={"answer_threshold": 0.2})
    made = create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(),
                          chat_model=model)
    made.qa.thresholds = type(made.qa.thresholds)(
        0.99, 0.99, claim_bar=0.2, name_bar=0.99, gate_same_language=0.2,
        gate_cross_language=0.2)
    model.replies.append("Marco Rubio a réaffirmé l’appui constant des États-Unis [6].")
    a = made.ask("Qui est Marco Rubio ?", made.new_conversation())
    assert "closest: [3]." in model.received[-1][-1].text
    # A claim from another sentence is not supported: only the one pointed at may.
    assert "[6]" not in model.received[-1][-1].text and "réaffirmé" not in a.answer
    model.replies.append("Marco Rubio est le secrétaire d’État américain [3].")
    a = made.ask("Qui est Marco Rubio ?", made.new_conversation())
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:3"]
    # Any other question: the usual hint.
    model.replies.append("Marco Rubio a réaffirmé l’appui constant des États-Unis [6].")
    made.ask("Qu’a réaffirmé Marco Rubio ?", made.new_conversation())
    assert "[6]" in model.received[-1][-1].text.split("closest:")[1]


def model_bot(settings: Settings, bar: float, **thresholds: Any
              ) -> tuple[Citebot, QueueChatModel]:
    """A bot answering with a queue-fed model, ``bar`` as its answer bar and gates."""
    model = QueueChatModel(replies=[], received=[])
    made = create_citebot(settings, embedder=FakeEmbedder(), detector=FakeDetector(),
                          chat_model=model)
    made.qa.thresholds = Thresholds(bar, bar, claim_bar=0.2, name_bar=0.99,
                                    gate_same_language=bar, gate_cross_language=bar,
                                    **thresholds)
    return made, model


def test_who_someone_is_passes_the_gate_and_decline_on_the_name_written(
        settings: Settings) -> None:
    from bot.calibration import DeclineModel

    # Gates no question clears, and a decline that refuses whatever the model says.
    made, model = model_bot(settings, 0.99, decline=DeclineModel((0.0, 0.0, 0.0), 0.0, 1.0))
    model.replies.append("Marco Rubio est le secrétaire d’État américain [3].")
    a = made.ask("Qui est Marco Rubio ?", made.new_conversation())
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:3"]
    # The answer is still verified: a claim the sentence does not make is refused.
    model.replies.append("Marco Rubio est le président du Brésil [3].")
    assert not made.ask("Qui est Marco Rubio ?", made.new_conversation()).answered
    # A name the article does not write, or another kind of question: the gate holds
    # and the model is not asked.
    asked = len(model.received)
    for question in ("Qui est Marco Polo ?", "Qu’a réaffirmé Marco Rubio ?"):
        assert not made.ask(question, made.new_conversation()).answered
    assert len(model.received) == asked


def test_role_words_are_what_the_sentence_writes_before_the_name() -> None:
    from bot.identity import role_words, without_name

    text = ("Il a transmis les condoléances du président syrien Ahmed al-Charaa à son "
            "homologue américain, Donald Trump, tout en exprimant la reconnaissance de Damas.")
    assert role_words("Donald Trump", text) == "à son homologue américain"
    assert role_words("al-Charaa", text) == "les condoléances du président syrien"
    assert role_words("Marco Rubio", text) is None
    assert without_name("Donald Trump", "Donald Trump is the US president.") == (
        "is the US president.")


def test_a_claim_on_who_someone_is_may_match_the_words_before_their_name(
        settings: Settings) -> None:
    import numpy as np

    from bot.chain import CitedQA

    model = QueueChatModel(replies=[], received=[])
    made = create_citebot(settings, embedder=FakeEmbedder(), detector=FakeDetector(),
                          chat_model=model)
    qa: CitedQA = made.qa
    sentences = qa.retriever.index.sentences
    third = next(s for s in sentences if s.id == "palmyre.fr:3")
    state = {"question": "Qui est Marco Rubio ?", "hits": [Hit(third, 0.3, 0)]}
    numbered = [sentences[0], third]
    whole = qa._claim_similarity(numbered, None)
    near = qa._near_name(state, numbered, whole)
    claim = ["Marco Rubio, secrétaire d’État américain"]
    # Closer to the words before his name than to the whole sentence; others unchanged.
    assert near(claim)[0, 1] > whole(claim)[0, 1]
    assert np.isclose(near(claim)[0, 0], whole(claim)[0, 0])
    other = {**state, "question": "Qui est Marco Polo ?"}
    assert qa._near_name(other, numbered, whole) is whole


@pytest.mark.parametrize(("question", "asked"), [
    ("Qui est le président américain cité dans l’article ?", True),
    ("Who is his American counterpart?", True),
    ("What is the name of the Syrian president?", True),
    ("Comment s’appelle le ministre syrien ?", True),
    ("Quel est le nom du président syrien ?", True),
    # Who someone named is, or whom someone did something with: not a role's holder.
    ("Who is Donald Trump?", False),
    ("Who did the Syrian minister speak with?", False),
    ("Qui est mort près de Palmyre ?", False),
])
def test_holder_asked(question: str, asked: bool) -> None:
    from bot.identity import holder_asked

    assert holder_asked(question) is asked


def test_people_are_two_name_words_with_the_role_before_them() -> None:
    from bot.identity import people

    text = ("Il a transmis au secrétaire d’État américain les condoléances du président "
            "syrien Ahmed al-Charaa à son homologue américain, Donald Trump, tout en "
            "exprimant la reconnaissance de Damas.")
    assert people(text) == [
        ("Ahmed al-Charaa", "les condoléances du président syrien Ahmed al-Charaa"),
        # Up to the name before, not into it.
        ("Donald Trump", "à son homologue américain, Donald Trump")]
    assert people("Le Commandement central américain (CENTCOM) a indiqué samedi.") == []


def test_a_role_s_holder_is_the_name_the_role_describes(settings: Settings) -> None:
    model = QueueChatModel(replies=[], received=[])
    made = create_citebot(settings, embedder=FakeEmbedder(), detector=FakeDetector(),
                          chat_model=model)
    question = "Qui est l’homologue américain du président syrien ?"
    # The answer, then the retry pointed at the sentence to quote: both name the
    # Syrian president, whom sentence 5 does not call "homologue américain".
    model.replies.extend(["L’homologue américain est Ahmed al-Charaa [5]."] * 2)
    a = made.ask(question, made.new_conversation())
    assert "est Ahmed al-Charaa" not in a.answer
    model.replies.append("L’homologue américain est Donald Trump [5].")
    a = made.ask(question, made.new_conversation())
    assert a.answered and "Donald Trump" in a.answer


def test_who_someone_is_is_quoted_only_from_where_they_are_introduced(
        settings: Settings) -> None:
    made, model = model_bot(settings, 0.2)
    # The answer and the retry both tell what he did (sentence 6), not who he is.
    model.replies.extend(["Marco Rubio a réaffirmé l’appui constant des États-Unis [3]."] * 2)
    a = made.ask("Qui est Marco Rubio ?", made.new_conversation())
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:3"]
    assert "réaffirmé" not in a.answer


@pytest.mark.parametrize(("question", "asked"), [
    ("Qui a transmis les condoléances du président syrien ?", True),
    ("Who expressed gratitude for Washington's support?", True),
    ("Par qui l’attaque a-t-elle été menée ?", True),
    ("And who called Marco Rubio?", True),
    ("Qui est le ministre syrien ?", False),
    ("Who was Bachar al-Assad?", False),
    ("Quand l’attaque a-t-elle eu lieu ?", False),
])
def test_doer_asked(question: str, asked: bool) -> None:
    assert doer_asked(question) is asked


def test_pronoun_subject() -> None:
    assert pronoun_subject("Il a également transmis au secrétaire d’État les condoléances.")
    assert pronoun_subject("« Elles ont été blessées. »")
    assert not pronoun_subject("Ilse Aichinger a écrit ce roman.")
    assert not pronoun_subject("Illustrant la reprise, le pays…")


def test_a_quote_on_who_did_it_opening_on_a_pronoun_comes_with_the_sentence_before(
        bot: Citebot) -> None:
    question = "Qui a également transmis les condoléances du président syrien ?"
    assert bot.qa.retriever.search([question], 1)[0].sentence.id == "palmyre.fr:5"
    a = bot.ask(question, bot.new_conversation())
    # Sentence 5 says "Il"; sentence 4 names him.
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:4", "palmyre.fr:5"]
    assert "« Asaad al-Shaibani a qualifié" in a.answer and "[2]" in a.answer
    # Asked anything else, the sentence is quoted alone.
    other = bot.ask("Qu’a-t-il également transmis au secrétaire d’État américain ?",
                    bot.new_conversation())
    assert [c.id for c in other.citations] == ["palmyre.fr:5"]
