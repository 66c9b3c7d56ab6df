"""The real local LLM (Qwen2.5-Coder-1.5B GGUF via llama.cpp) through the real chain,
directly and behind llama-cpp-python's OpenAI-compatible server on 127.0.0.1."""

from collections.abc import Iterator

import pytest

from bench.servers import llama_server
from bot.app import Citebot, create_citebot
from bot.settings import Settings
from tests.conftest import ARTICLE, MODELS

pytestmark = pytest.mark.real_model

ANSWERABLE = [
    ("Who died near Palmyra?", "en", "palmyre.fr:7"),
    ("How many soldiers were wounded?", "en", "palmyre.fr:7"),
    ("Where are the rural areas targeted by the security operation?", "en", "palmyre.fr:8"),
    ("Dans quelle province l’opération de sécurité a-t-elle lieu ?", "fr", "palmyre.fr:8"),
    ("Quand la coalition anti-EI a-t-elle été fondée ?", "fr", "palmyre.fr:9"),
    ("Qui est Marco Rubio ?", "fr", None),
]
REFUSED = ["What is the capital of France?", "Who won the 2022 World Cup?"]


def _settings(tmp: object, **kw: object) -> Settings:
    return Settings(data_dir=tmp, articles=[ARTICLE], models_dir=MODELS, **kw)


@pytest.fixture(scope="module")
def local_bot(tmp_path_factory: pytest.TempPathFactory) -> Citebot:
    if not (MODELS / "qwen2.5-coder-1.5b-instruct-q4_k_m").is_dir():
        pytest.fail(f"The local LLM is not provisioned in {MODELS}: run `make models`.")
    return create_citebot(_settings(tmp_path_factory.mktemp("data"), llm="local"))


@pytest.fixture(scope="module")
def openai_bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Citebot]:
    settings = _settings(tmp_path_factory.mktemp("data"), llm="openai")
    server = llama_server(settings)
    try:
        yield create_citebot(settings.model_copy(update={
            "openai_base_url": server.base_url, "openai_model": server.model}))
    finally:
        server.stop()


def _check(bot: Citebot) -> None:
    right = 0
    for question, lang, gold in ANSWERABLE:
        a = bot.ask(question, bot.new_conversation())
        assert a.language == lang
        for c in a.citations:  # whatever was said, citations are real and verbatim
            assert bot.qa.retriever.index.get(c.id).text == c.text
            assert f"[{c.n}]" in a.answer
        right += a.answered and (gold is None or gold in [c.id for c in a.citations])
    assert right >= len(ANSWERABLE) - 2, right
    for question in REFUSED:
        a = bot.ask(question, bot.new_conversation())
        assert not a.answered and a.citations == [], a.answer


def test_local_model(local_bot: Citebot) -> None:
    assert local_bot.qa.generator is not None
    _check(local_bot)


def test_openai_compatible_server(openai_bot: Citebot) -> None:
    from langchain_openai import ChatOpenAI

    assert isinstance(openai_bot.qa.generator.model, ChatOpenAI)
    _check(openai_bot)


def test_judge_prefers_the_sentence_that_states_the_answer(local_bot: Citebot) -> None:
    # The same claim, cited to the sentence that states it and to one on the same topic
    # that does not: the judge reads the article from the cached prefix by number.
    from bot.judge import Evidence

    gen, judge = local_bot.qa.generator, local_bot.qa.judge
    assert gen is not None and judge is not None
    right, topical = gen.number_of("palmyre.fr:7"), gen.number_of("palmyre.fr:8")
    assert right and topical
    claim = "Two American soldiers and a civilian were killed [1]."
    p_right = judge.p_yes("Who died near Palmyra?", claim, [Evidence(right)])
    p_topical = judge.p_yes("Who died near Palmyra?", claim, [Evidence(topical)])
    assert p_right is not None and p_topical is not None
    assert p_right > p_topical


def test_probe_tells_the_sentence_with_the_count_from_a_topical_one(
        local_bot: Citebot) -> None:
    # The probe ships off (no bars in bot/calibration.json): its P(NONE), read from the
    # real model's first-token logits, still has to rank the sentences.
    from bot.probe import Probe

    gen, index = local_bot.qa.generator, local_bot.qa.retriever.index
    assert gen is not None
    probe = Probe(gen.model, gen.system_text, {"number": 0.5})
    wounded, coalition = index.get("palmyre.fr:7").text, index.get("palmyre.fr:9").text
    question = "How many soldiers were wounded?"
    assert probe.gives(question, wounded)
    assert probe.p_none(question, coalition, "number") > probe.p_none(question, wounded,
                                                                       "number")


def test_a_follow_up_finds_and_answers_what_it_asks(local_bot: Citebot) -> None:
    conv = local_bot.new_conversation()
    local_bot.ask("Who called Marco Rubio?", conv)
    a = local_bot.ask("What did he pass on to him?", conv)
    # Joined to the earlier question, retrieval ranked the call above the condolences;
    # shown the earlier exchange, the model answered the call again.
    assert a.answered and "condolence" in a.answer.lower(), a.answer
    assert "palmyre.fr:5" in [c.id for c in a.citations]


def test_a_yes_or_no_question_gets_its_sentence_in_the_readers_language(
        local_bot: Citebot) -> None:
    a = local_bot.ask("Was a civilian among the dead?", local_bot.new_conversation())
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:7"]
    # Rendered in English and verified against the French sentence, which stays verbatim.
    assert a.answer.startswith("The article says (in translation):"), a.answer
    assert "civilian" in a.answer and "«" not in a.answer
    assert "un civil" in a.citations[0].text
