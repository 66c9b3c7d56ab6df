"""The generative path through the real chain, with a queue-fed fake chat model.

The fake embedder is monolingual, so these questions and answers are French, like the
article; the real model's cross-lingual behaviour is in test_real_llm.py.
"""

import pytest

from bot.app import Citebot, create_citebot
from bot.generate import SENTINEL
from bot.settings import Settings
from tests.fakes import FakeDetector, FakeEmbedder, QueueChatModel

QUESTION = "Quels soldats américains ont trouvé la mort lors de l’embuscade de Palmyre ?"


@pytest.fixture
def model() -> QueueChatModel:
    return QueueChatModel(replies=[], received=[])


@pytest.fixture
def bot(settings: Settings, model: QueueChatModel) -> Citebot:
    s = settings.model_copy(update={"answer_threshold": 0.2})
    bot = create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(), chat_model=model)
    # The fake embedder's scores are not calibrated: a low gate lets questions reach the
    # model, and bars no score reaches make the model's word decide.
    bot.qa.thresholds = type(bot.qa.thresholds)(
        0.99, 0.99, claim_bar=0.2, name_bar=0.99, gate_same_language=0.2, gate_cross_language=0.2
    )
    return bot


def ask(bot: Citebot, model: QueueChatModel, reply: str | Exception, question: str = QUESTION):
    model.replies.append(reply)
    return bot.ask(question, bot.new_conversation())


def numbered_ids(model: QueueChatModel) -> list[str]:
    """The sentence ids the model saw as [1], [2]…, read back from its prompt."""
    user = model.received[-1][-1].text
    return [line.split("] ", 1)[1] for line in user.splitlines() if line.startswith("[")]


def test_valid_answer_kept_with_verbatim_citation(bot: Citebot, model: QueueChatModel) -> None:
    model.replies.append("x")  # placeholder to learn the numbering
    bot.ask(QUESTION, bot.new_conversation())
    n = 1 + [i for i, text in enumerate(numbered_ids(model))
             if "deux soldats américains" in text][0]
    a = ask(bot, model, f"Deux soldats américains et un civil ont trouvé la mort "
                        f"lors de l’embuscade de Palmyre [{n}].")
    assert a.answered
    assert a.answer.endswith("[1].")
    assert a.citations[0].id == "palmyre.fr:7"
    assert "deux soldats américains et un civil" in a.citations[0].text
    # the prompt holds the contract and the numbered sentences
    system, user = model.received[-1][0].text, model.received[-1][-1].text
    assert SENTINEL in system and "[2]" in system
    assert QUESTION in user and "French" in user


def test_wrong_number_is_repaired(bot: Citebot, model: QueueChatModel) -> None:
    a = ask(bot, model, "Deux soldats américains et un civil ont trouvé la mort lors de "
                        "l’embuscade de Palmyre [9].")
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:7"]
    assert "[9]" not in a.answer and "[1]" in a.answer


def test_invented_number_is_dropped(bot: Citebot, model: QueueChatModel) -> None:
    a = ask(bot, model, "Quarante soldats américains ont trouvé la mort lors de l’embuscade "
                        "de Palmyre [1]. Deux soldats américains et un civil ont trouvé la "
                        "mort [2].")
    assert "Quarante" not in a.answer
    assert all("40" not in c.text for c in a.citations)


def test_sentinel_refuses(bot: Citebot, model: QueueChatModel) -> None:
    a = ask(bot, model, SENTINEL)
    assert not a.answered and a.citations == [] and "ne le dit pas" in a.answer


@pytest.mark.parametrize("reply", ["", "[1] [2]", "   "])
def test_empty_output_is_a_refusal_below_the_bar(
    bot: Citebot, model: QueueChatModel, reply: str
) -> None:
    a = ask(bot, model, reply)
    assert not a.answered and a.citations == []


def test_decline_is_overruled_when_retrieval_is_sure(
    bot: Citebot, model: QueueChatModel
) -> None:
    bot.qa.thresholds = type(bot.qa.thresholds)(
        0.2, 0.2, claim_bar=0.2, name_bar=0.99, gate_same_language=0.2, gate_cross_language=0.2
    )
    a = ask(bot, model, SENTINEL)
    assert a.answered and a.answer.startswith("Selon l’article")
    assert "palmyre.fr:7" in [c.id for c in a.citations]


def test_unsupported_answer_not_shown(bot: Citebot, model: QueueChatModel) -> None:
    a = ask(bot, model, "Paris est la capitale de la France [1].")
    assert not a.answered and "Paris" not in a.answer


def test_very_long_output_keeps_only_supported_claims(
    bot: Citebot, model: QueueChatModel
) -> None:
    noise = " ".join(f"Le chiffre {i} est important [1]." for i in range(100, 300))
    a = ask(bot, model, "Deux soldats américains et un civil ont trouvé la mort lors de "
                        f"l’embuscade de Palmyre [1]. {noise}")
    assert a.answered and len(a.answer) < 400


def test_model_failure_falls_back_to_quoting(bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = type(bot.qa.thresholds)(
        0.2, 0.2, claim_bar=0.2, name_bar=0.99, gate_same_language=0.2, gate_cross_language=0.2
    )
    a = ask(bot, model, TimeoutError("took too long"))
    assert a.answered and a.answer.startswith("Selon l’article")
    assert a.notices and "modèle" in a.notices[0]


def test_streams_tokens(bot: Citebot, model: QueueChatModel) -> None:
    tokens: list[str] = []
    model.replies.append("Deux soldats américains et un civil ont trouvé la mort [1].")
    bot.ask(QUESTION, bot.new_conversation(), on_token=tokens.append)
    assert len(tokens) > 3 and "".join(tokens).startswith("Deux soldats")


def test_follow_up_uses_history(bot: Citebot, model: QueueChatModel) -> None:
    conv = bot.new_conversation()
    model.replies.append("Deux soldats américains et un civil ont trouvé la mort [1].")
    bot.ask(QUESTION, conv)
    model.replies.append(SENTINEL)
    bot.ask("Et combien ont été blessés ?", conv)
    user = model.received[-1][-1].text
    assert QUESTION in user  # the earlier question reaches the model
    assert "[1]" not in user.split("Question:")[0]  # old markers are stripped


def test_json_schema_unchanged(bot: Citebot, model: QueueChatModel) -> None:
    a = ask(bot, model, "Deux soldats américains et un civil ont trouvé la mort [1].")
    d = a.to_dict()
    assert set(d) == {"question", "language", "answered", "answer", "citations", "timings_ms"}
    assert {"retrieval", "generation", "verification"} <= set(d["timings_ms"])


def test_unloadable_local_model_falls_back_to_quoting(settings: Settings, tmp_path) -> None:
    from bot.llm import LocalChatModel

    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF but not really")
    bot = create_citebot(settings.model_copy(update={"answer_threshold": 0.2}),
                         embedder=FakeEmbedder(), detector=FakeDetector(),
                         chat_model=LocalChatModel(model_path=str(broken)))
    assert bot.qa.generator is None and bot.notices
    a = bot.ask(QUESTION, bot.new_conversation())
    assert a.answered and a.answer.startswith("Selon l’article")


def test_missing_local_model_is_a_notice_not_a_crash(settings: Settings, tmp_path) -> None:
    s = settings.model_copy(update={"models_dir": tmp_path / "empty", "llm": "local",
                                    "answer_threshold": 0.2})
    bot = create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector())
    assert bot.qa.generator is None
    assert any("citebot models pull" in n for n in bot.notices)


def test_model_failure_quotes_only_above_the_quoting_bar(
    bot: Citebot, model: QueueChatModel
) -> None:
    # The fixture's quoting bar (0.99) is above any score: the gate let the question
    # through for the model, but without a model it would have been refused.
    bot.qa.thresholds = type(bot.qa.thresholds)(
        0.99, 0.99, claim_bar=0.2, name_bar=0.99, gate_same_language=0.2, gate_cross_language=0.2
    )
    a = ask(bot, model, RuntimeError("model crashed"))
    assert not a.answered and a.citations == []
