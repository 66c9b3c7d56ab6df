"""The chain end to end with a fake embedder: decisions, citations, languages, schema."""

import pytest

from bot.app import Citebot, create_citebot
from bot.inputs import BadQuestion
from bot.settings import Settings
from tests.fakes import FakeDetector, FakeEmbedder


@pytest.fixture
def bot(settings: Settings) -> Citebot:
    s = settings.model_copy(update={"answer_threshold": 0.3, "llm": "none"})
    return create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(), chat_model=None)


def test_answer_quotes_the_article_with_numbered_citations(bot: Citebot) -> None:
    conv = bot.new_conversation()
    a = bot.ask("Qui sont les soldats américains morts dans la zone de Palmyre ?", conv)
    assert a.answered and a.language == "fr"
    assert "palmyre.fr:7" in [c.id for c in a.citations]
    assert "[1]" in a.answer and a.answer.startswith("Selon l’article")
    for c in a.citations:
        assert bot.qa.retriever.index.get(c.id).text == c.text
        assert f"[{c.n}]" in a.answer
    assert {"retrieval", "generation", "verification", "total"} <= set(a.timings_ms)


def test_unanswerable_gets_no_citations(bot: Citebot) -> None:
    a = bot.ask("What is the capital of France?", bot.new_conversation())
    assert not a.answered and a.citations == []
    assert a.answer == "The article does not say."


def test_bad_input_raises_user_error(bot: Citebot) -> None:
    with pytest.raises(BadQuestion):
        bot.ask("  \x00 ", bot.new_conversation())


def test_long_question_is_answered_with_a_notice(bot: Citebot) -> None:
    a = bot.ask("soldats américains " * 2000, bot.new_conversation())
    assert a.notices and "1000" in a.notices[0]
    assert len(a.question) <= 1000


def test_history_is_bounded(bot: Citebot) -> None:
    conv = bot.new_conversation()
    for i in range(10):
        bot.ask(f"Question {i} sur Palmyre ?", conv)
    assert len(conv.turns) == bot.settings.history_turns


def test_forced_language(bot: Citebot) -> None:
    conv = bot.new_conversation()
    conv.forced_lang = "en"
    a = bot.ask("Quels soldats américains ont trouvé la mort lors de l’embuscade ?", conv)
    assert a.language == "en" and a.answer.startswith("The article says")


def test_json_schema(bot: Citebot) -> None:
    d = bot.ask("soldats américains", bot.new_conversation()).to_dict()
    assert set(d) == {"question", "language", "answered", "answer", "citations", "timings_ms"}
    assert d["language"] in ("fr", "en") and isinstance(d["answered"], bool)
    assert all(set(c) == {"n", "id", "text"} for c in d["citations"])


def test_a_question_about_a_name_the_article_never_writes_is_refused(bot: Citebot) -> None:
    about = "a-t-elle annoncé que l’attentat meurtrier perpétré près de Palmyre visait ?"
    known = bot.ask(f"Qu’est-ce que la Syrie {about}", bot.new_conversation())
    assert known.answered
    unknown = bot.ask(f"Qu’est-ce que la Russie {about}", bot.new_conversation())
    assert not unknown.answered and unknown.answer == "L’article ne le dit pas."
    state = bot.qa.runnable.invoke({"question": f"Qu’est-ce que la Russie {about}",
                                    "conversation": bot.new_conversation(), "on_token": None})
    assert state["verdict"] == "name_unwritten" and state["unwritten"] == ["Russie"]


def test_a_question_on_an_office_the_article_does_not_write_is_refused(
        bot: Citebot) -> None:
    def ask(question: str) -> dict:
        return bot.qa.runnable.invoke({"question": question, "on_token": None,
                                       "conversation": bot.new_conversation()})

    # The sentence introducing the foreign minister is close; the office asked is not his.
    wrong = ask("Qui est le ministre syrien de l’Intérieur ?")
    assert wrong["verdict"] == "name_unwritten" and wrong["unwritten"] == ["interieur"]
    assert not wrong["citations"]
    right = ask("Qui est le ministre syrien des Affaires étrangères ?")
    assert right.get("verdict") != "name_unwritten" and right["citations"]
    # In English, each qualifying word needs a close word of the article (the fake
    # embedder knows no translation: "foreign" is not "étrangères" to it).
    state = {"question": "Who is the Syrian foreign minister?", "language": "en"}
    assert bot.qa._unwritten_office(state, "palmyre.fr", False) == ["foreign", "syrian"]
    # Nor only who holds it: what an office the article does not write said.
    said = ask("Comment le ministre syrien de l’Intérieur a-t-il qualifié l’attaque, "
               "nouveau défi dans le combat contre le terrorisme ?")
    assert said["verdict"] == "name_unwritten" and said["unwritten"] == ["interieur"]
    # Read as French, the question's language, when the reply is forced into English.
    forced = bot.new_conversation()
    forced.forced_lang = "en"
    state = bot.qa.runnable.invoke({"question": "Qui est le ministre syrien de l’Intérieur ?",
                                    "conversation": forced, "on_token": None})
    assert state["language"] == "en" and state["unwritten"] == ["interieur"]
    # Not the office itself: "counterpart" may be the reader's word for "homologue".
    assert ask("Qui est son homologue américain ?").get("verdict") != "name_unwritten"


def test_across_languages_no_name_is_refused_unwritten(bot: Citebot) -> None:
    # A name may be the reader's word for one the article writes otherwise ("Museum" for
    # "musée"): across languages the rule stays off, even for a full name.
    state = bot.qa.runnable.invoke({
        "question": "What did Emmanuel Macron say about the attentat meurtrier perpétré "
                    "près de Palmyre?", "conversation": bot.new_conversation(),
        "on_token": None})
    assert state["language"] == "en" and state.get("verdict") != "name_unwritten"


def test_the_question_s_own_language_is_known_only_when_the_detector_is_sure(
        settings: Settings) -> None:
    from bot.lang import LanguageDetector

    s = settings.model_copy(update={"answer_threshold": 0.3, "llm": "none"})
    bot = create_citebot(s, embedder=FakeEmbedder(), detector=LanguageDetector(),
                         chat_model=None)

    def own(question: str) -> str | None:
        state = bot.qa.prepare({"question": question, "conversation": bot.new_conversation()})
        return state["question_language"]

    assert own("Pourquoi la Russie a-t-elle condamné l’attentat ?") == "fr"
    assert own("Why did Russia condemn the attack?") == "en"
    # Spanish is answered in the article's language; its names ("Palmira") are not
    # checked against the French article's ("Palmyre").
    assert own("¿Cuántos soldados estadounidenses murieron cerca de Palmira?") is None

