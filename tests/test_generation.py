"""The generative path through the real chain, with a queue-fed fake chat model.

The fake embedder is monolingual, so these questions and answers are French, like the
article; the real model's cross-lingual behaviour is in test_real_llm.py.
"""

import re
from dataclasses import replace
from pathlib import Path

import pytest

from bot.app import Citebot, create_citebot
from bot.calibration import DeclineModel, load_thresholds
from bot.generate import SENTINEL
from bot.settings import Settings
from bot.types import Answer
from bot.verify import Claim, claims_of
from tests.fakes import FakeDetector, FakeEmbedder, QueueChatModel, TextOnlyChatModel

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
    """The sentences the model saw as [1], [2]…, read back from its prompt (the article
    in the system message, or the retrieved sentences in the user message)."""
    text = "\n".join(m.text for m in model.received[-1])
    return [m.group(1) for line in text.splitlines()
            if (m := re.match(r"(?:Sentence )?\[\d+\]:? (.*)", line))]


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


@pytest.mark.parametrize("opening", ["[{n}] indique que d", "Selon la phrase [{n}], d",
                                     "[{n}] states that d"])
def test_a_marker_as_subject_goes_behind_its_claim(bot: Citebot, model: QueueChatModel,
                                                   opening: str) -> None:
    model.replies.append("x")  # placeholder to learn the numbering
    bot.ask(QUESTION, bot.new_conversation())
    n = 1 + [i for i, text in enumerate(numbered_ids(model))
             if "deux soldats américains" in text][0]
    a = ask(bot, model, opening.format(n=n) + "eux soldats américains et un civil ont trouvé "
                        "la mort lors de l’embuscade de Palmyre.")
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:7"]
    assert a.answer.startswith("Deux soldats américains") and a.answer.endswith("[1].")


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


def test_a_new_question_is_asked_without_the_earlier_exchange(
        bot: Citebot, model: QueueChatModel) -> None:
    conv = bot.new_conversation()
    model.replies.append("Deux soldats américains et un civil ont trouvé la mort [1].")
    bot.ask(QUESTION, conv)
    model.replies.append(SENTINEL)
    bot.ask("Quel est le nom du président syrien ?", conv)
    assert QUESTION not in model.received[-1][-1].text  # not a follow-up: no history


FIRST = "Deux soldats américains et un civil ont trouvé la mort [7]."
FOLLOW_UP = "Et combien de militaires ont été blessés ?"


def _follow_up(bot: Citebot, model: QueueChatModel, *replies: str) -> Answer:
    """The follow-up's answer, after ``QUESTION`` was answered with ``FIRST``."""
    conv = bot.new_conversation()
    model.replies.append(FIRST)
    assert bot.ask(QUESTION, conv).answered
    model.replies.extend(replies)
    return bot.ask(FOLLOW_UP, conv)


def test_a_follow_up_answered_with_the_previous_answer_is_not_shown(
        bot: Citebot, model: QueueChatModel) -> None:
    # The earlier question answered once more, and again when asked anew.
    again = _follow_up(bot, model, FIRST, FIRST)
    assert "ont trouvé la mort [1]." not in again.answer
    # What the article says is quoted instead, as for any answer that failed its check.
    assert not again.answered or again.answer.startswith("Selon l’article")


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


# -- the whole article in the cached prefix ---------------------------------------------


def test_small_article_sits_in_the_fixed_system_prompt(
    bot: Citebot, model: QueueChatModel
) -> None:
    model.replies += ["x", "y"]
    bot.ask(QUESTION, bot.new_conversation())
    bot.ask("Qui est le ministre syrien des Affaires étrangères ?", bot.new_conversation())
    (sys1, user1), (sys2, user2) = model.received
    # Same system message for every question: llama.cpp evaluates it once.
    assert sys1.text == sys2.text
    sentences = bot.qa.retriever.index.sentences
    for n, s in enumerate(sentences, start=1):
        assert f"[{n}]: {s.text}" in sys1.text
    # The question and retrieval's hint are all that is new per question.
    assert QUESTION in user1.text and "deux soldats" not in user1.text
    n7 = 1 + [s.id for s in sentences].index("palmyre.fr:7")
    assert f"[{n7}]" in user1.text.split(QUESTION, 1)[1]
    assert model.stops[-1] == ["\n\n"]


def test_article_numbers_map_back_to_sentence_ids(bot: Citebot, model: QueueChatModel) -> None:
    sentences = bot.qa.retriever.index.sentences
    n = 1 + [s.id for s in sentences].index("palmyre.fr:7")
    a = ask(bot, model, f"Deux soldats américains et un civil ont trouvé la mort lors de "
                        f"l’embuscade de Palmyre [{n}].")
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:7"]
    assert a.answer.endswith("[1].")


def test_neighbour_citation_is_repaired_across_the_article(
    bot: Citebot, model: QueueChatModel
) -> None:
    # [1] is the article's first sentence, about the attack's aim, not the deaths.
    a = ask(bot, model, "Deux soldats américains et un civil ont trouvé la mort lors de "
                        "l’embuscade de Palmyre [1].")
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:7"]


def test_large_corpus_shows_only_retrieved_sentences(
    settings: Settings, model: QueueChatModel
) -> None:
    s = settings.model_copy(update={"answer_threshold": 0.2, "llm_article_tokens": 50,
                                    "llm_sentences": 2})
    bot = create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(), chat_model=model)
    assert not bot.qa.generator.article
    model.replies.append(SENTINEL)
    bot.ask(QUESTION, bot.new_conversation())
    system, user = model.received[-1]
    assert "Palmyre" not in system.text.split("Example")[0]
    assert len(numbered_ids(model)) == 2 and QUESTION in user.text


# -- the calibrated decline: retrieval and the model's sentinel probability together ----


def _with_decline(bot: Citebot, threshold: float) -> None:
    # margin = -1·logit(sentinel_prob) - threshold: answer while the model leans away
    # from the sentinel by more than ``threshold`` (in logits); retrieval weighs nothing.
    bot.qa.thresholds = replace(bot.qa.thresholds,
                                decline=DeclineModel((0.0, -1.0, 0.0), 0.0, threshold))


GOOD = "Deux soldats américains et un civil ont trouvé la mort lors de l’embuscade [7]."


def test_half_declined_answer_is_refused_even_if_it_verifies(
    bot: Citebot, model: QueueChatModel
) -> None:
    _with_decline(bot, threshold=1.0)
    model.sentinel_probs.append(0.4)  # logit -0.41: leans to answering, not enough
    a = ask(bot, model, GOOD)
    assert not a.answered and a.citations == [] and "ne le dit pas" in a.answer


def test_confident_answer_passes_the_calibrated_decline(
    bot: Citebot, model: QueueChatModel
) -> None:
    _with_decline(bot, threshold=1.0)
    model.sentinel_probs.append(0.01)  # logit -4.6
    a = ask(bot, model, GOOD)
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:7"]


def test_without_a_probability_the_reply_decides(bot: Citebot, model: QueueChatModel) -> None:
    # A remote server reports no probability: the calibrated decline cannot apply.
    _with_decline(bot, threshold=1.0)
    a = ask(bot, model, GOOD)
    assert a.answered


def test_calibrated_decline_keeps_its_fields(tmp_path) -> None:
    import json

    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"models": {"m": {
        "same_language": 0.4, "cross_language": 0.4, "claim_bar": 0.4, "name_bar": 0.5,
        "gate_same_language": 0.3, "gate_cross_language": 0.3,
        "decline": {"weights": [2.0, -1.0, 0.5], "bias": 0.1, "threshold": 0.2}}}}))
    t = load_thresholds("m", path=path)
    assert t.decline == DeclineModel((2.0, -1.0, 0.5), 0.1, 0.2)
    assert t.decline.answers(0.9, 0.01, False) and not t.decline.answers(0.1, 0.9, False)


def test_copied_sentence_retrieval_did_not_find_is_not_support(
    bot: Citebot, model: QueueChatModel
) -> None:
    # The whole article is in the prompt, so the model can copy any sentence; one the
    # question is not about (retrieval does not rank it) supports nothing.
    sentences = bot.qa.retriever.index.sentences
    found = {h.sentence.id for h in bot.qa.retriever.search(QUESTION, bot.qa.llm_sentences)}
    n, other = next((n, s) for n, s in enumerate(sentences, 1) if s.id not in found)
    a = ask(bot, model, f"{other.text} [{n}]")
    assert not a.answered and a.citations == []


def test_wrong_weekday_is_not_supported(bot: Citebot, model: QueueChatModel) -> None:
    # Sentence 7 says "samedi"; the claim's "dimanche" is in another sentence of the
    # article but not in the one that reports the deaths. Nothing of that date is
    # confirmed, so it is not trimmed away either.
    a = ask(bot, model, "Le Commandement central américain a indiqué dimanche que deux "
                        "soldats américains et un civil avaient trouvé la mort [7].")
    assert not a.answered and "dimanche" not in a.answer


def test_a_year_the_sentence_lacks_is_trimmed(bot: Citebot, model: QueueChatModel) -> None:
    # Sentence 9: "… rejointe le 12 novembre dernier": the model completes the year.
    a = ask(bot, model, "Syria joined the anti-IS coalition on 12 November 2024 [9].",
            "When did Syria join the anti-IS coalition?")
    assert a.answered and "2024" not in a.answer and "12 November" in a.answer
    assert a.citations[0].id == "palmyre.fr:9"


def test_a_place_brought_from_another_sentence_is_trimmed(
        bot: Citebot, model: QueueChatModel) -> None:
    # Sentence 8 is the operation in Homs province; Palmyra is the ambush's (sentence 7).
    a = ask(bot, model, "Les autorités syriennes ont lancé dimanche une opération de sécurité "
                        "près de Palmyre [8].",
            "Quand l’opération de sécurité a-t-elle été lancée ?")
    assert a.answered and "Palmyre" not in a.answer and "dimanche" in a.answer
    assert a.citations[0].id == "palmyre.fr:8"


def test_an_invented_number_that_is_no_date_is_not_trimmed(
        bot: Citebot, model: QueueChatModel) -> None:
    a = ask(bot, model, "Syria joined the anti-IS coalition with 4000 soldiers [9].",
            "When did Syria join the anti-IS coalition?")
    assert "4000" not in a.answer


def test_a_name_must_be_in_the_sentence_that_supports_the_claim(
        bot: Citebot, model: QueueChatModel) -> None:
    # The foreign minister is in the article, but not in sentence 7 about the ambush.
    a = ask(bot, model, "Les soldats américains ont trouvé la mort lors d’une embuscade "
                        "menée par Asaad al-Shaibani [7].")
    assert "Shaibani" not in a.answer


def test_a_name_brought_from_another_sentence_passes_no_bar(
        bot: Citebot, model: QueueChatModel) -> None:
    # Even where any similarity vouches for a name, one the article writes elsewhere
    # (Homs is in the sentence on the operation) does not come from the ambush's.
    bot.qa.thresholds = replace(bot.qa.thresholds, name_bar=0.2)
    brought = ask(bot, model, "Deux soldats américains et un civil ont trouvé la mort lors "
                              "d’une embuscade près de Homs [7].")
    assert "Homs" not in brought.answer
    # A name no sentence writes may be the reader's word for one: the bar decides.
    translated = ask(bot, model, "Deux soldats américains et un civil ont trouvé la mort "
                                 "lors d’une embuscade près de Tadmor [7].")
    assert "Tadmor" in translated.answer


# -- the support judge ----------------------------------------------------------------


def judged_bot(bot: Citebot, threshold: float = 0.4) -> Citebot:
    bot.qa.thresholds = replace(bot.qa.thresholds, judge=threshold)
    return bot


TRUE_CLAIM = ("Deux soldats américains et un civil ont trouvé la mort lors de l’embuscade "
              "de Palmyre [7].")


def test_judge_keeps_a_verified_answer_it_believes(bot: Citebot, model: QueueChatModel) -> None:
    model.yes_probs.append(0.8)
    a = ask(judged_bot(bot), model, TRUE_CLAIM)
    assert a.answered and a.citations[0].id == "palmyre.fr:7"
    # Same system message as the answer (its KV cache is reused), the cited sentence
    # pointed at by its number in the article, the answer without markers.
    system, user = model.judged[-1][0].text, model.judged[-1][-1].text
    assert system == model.received[-1][0].text
    assert "[7]" in user and QUESTION in user and "[1]" not in user
    assert "Deux soldats américains et un civil" in user


def test_judge_refuses_a_verified_answer_its_sentence_does_not_state(
        bot: Citebot, model: QueueChatModel) -> None:
    model.yes_probs.append(0.1)
    a = ask(judged_bot(bot), model, TRUE_CLAIM,
            question="Combien de civils ont été blessés lors de l’embuscade de Palmyre ?")
    assert not a.answered and a.citations == [] and a.answer == "L’article ne le dit pas."


def test_judge_is_only_asked_about_verified_answers(bot: Citebot,
                                                   model: QueueChatModel) -> None:
    ask(judged_bot(bot), model, SENTINEL)
    ask(bot, model, "Quarante soldats ont péri à Paris [3].")
    assert model.judged == []


def test_without_a_calibrated_judge_nothing_is_asked(bot: Citebot,
                                                    model: QueueChatModel) -> None:
    a = ask(bot, model, TRUE_CLAIM)
    assert a.answered and model.judged == []


def test_a_failing_judge_leaves_the_verified_answer(bot: Citebot,
                                                    model: QueueChatModel) -> None:
    a = ask(judged_bot(bot), model, TRUE_CLAIM)  # no probability queued: the judge raises
    assert a.answered and len(model.judged) == 1


def test_judge_without_probabilities_reads_the_reply(settings: Settings) -> None:
    from bot.judge import Evidence, Judge

    model = TextOnlyChatModel(replies=["Yes.", "no, it does not", "Peut-être"], received=[])
    judge = Judge(model, "system")
    assert [judge.p_yes("Q?", "A [1].", [Evidence(1, "S.")]) for _ in range(3)] == [
        1.0, 0.0, None]
    assert "Sentence [1]: S." in model.received[0][-1].text


def test_judge_in_the_retrieved_layout_quotes_the_sentence(
        settings: Settings, model: QueueChatModel) -> None:
    s = settings.model_copy(update={"answer_threshold": 0.2, "llm_article_tokens": 0})
    b = create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(), chat_model=model)
    b.qa.thresholds = replace(load_thresholds("fake-bow"), claim_bar=0.2, judge=0.5,
                              gate_same_language=0.2, gate_cross_language=0.2)
    model.yes_probs.append(0.3)
    model.replies.append(TRUE_CLAIM.replace("[7]", "[1]"))
    a = b.ask(QUESTION, b.new_conversation())
    assert not a.answered
    user = model.judged[-1][-1].text
    assert "Sentence [1]: " in user and "deux soldats américains et un civil" in user


def test_a_number_question_is_not_answered_by_a_sentence_without_one(
    bot: Citebot, model: QueueChatModel
) -> None:
    question = "Combien de cellules de Daech ont été démantelées dans la province de Homs ?"
    a = ask(bot, model, "Les autorités syriennes ont lancé une opération de sécurité contre "
                        "des cellules de Daech dans la province de Homs [1].", question)
    assert not a.answered and a.citations == []
    # Quoting falls under the same rule: the model failing, nothing holds a number.
    bot.qa.thresholds = type(bot.qa.thresholds)(
        0.2, 0.2, claim_bar=0.2, name_bar=0.99, gate_same_language=0.2, gate_cross_language=0.2
    )
    a = ask(bot, model, TimeoutError("took too long"), question)
    assert not a.answered


def test_a_number_question_answered_by_a_sentence_with_one(
    bot: Citebot, model: QueueChatModel
) -> None:
    a = ask(bot, model, "Trois militaires ont été blessés lors de l’embuscade de Palmyre [1].",
            "Combien de militaires ont été blessés lors de l’embuscade de Palmyre ?")
    assert a.answered and "palmyre.fr:7" in [c.id for c in a.citations]


@pytest.mark.parametrize(("reply", "second"), [
    ("Deux soldats sont morts. [1] Selon [1] et [2], ils ont été tués à Palmyre.", "Selon"),
    ("Deux soldats sont morts. [1] Reports say that they died near Palmyra.", "Reports say"),
    ("[1] Reports from CENTCOM say three were wounded [2].", "Reports from CENTCOM"),
    ("[2] Notes : trois blessés.", "Notes"),
])
def test_a_marker_left_at_a_sentence_start_is_not_mistaken_for_a_subject(
        reply: str, second: str) -> None:
    assert claims_of(reply)[-1].text.startswith(second)


@pytest.mark.parametrize(("reply", "claim", "cited"), [
    ("[7] indicates that two soldiers died, while [5] indicates that three were wounded.",
     "Two soldiers died, while three were wounded.", (7, 5)),
    ("The coalition was created in 2014, according to sentence [9].",
     "The coalition was created in 2014.", (9,)),
    ("Rubio called on Sunday, according to the article. [6]", "Rubio called on Sunday.", (6,)),
    ("Selon l’article [3], deux soldats sont morts.", "Deux soldats sont morts.", (3,)),
    # a source the article names is part of the claim, not a citing phrase
    ("Selon un communiqué du ministère, il a appelé [3].",
     "Selon un communiqué du ministère, il a appelé.", (3,)),
])
def test_citing_words_inside_a_claim_are_dropped_and_the_marker_kept(
        reply: str, claim: str, cited: tuple[int, ...]) -> None:
    assert claims_of(reply) == [Claim(claim, cited)]


@pytest.mark.parametrize("reply", [
    "Les mesures économiques évoquées sont les suivantes : [4], [6].",
    "Rubio mentioned the following measures: [6]",
])
def test_a_claim_announcing_what_it_never_says_is_no_claim(reply: str) -> None:
    assert claims_of(reply) == []


def test_a_question_is_no_claim() -> None:
    assert claims_of("La Syrie a-t-elle rejoint la coalition internationale ? [9]") == []


def test_a_claim_listing_after_a_colon_is_kept() -> None:
    assert claims_of("Rubio a évoqué une mesure : la reprise économique [6].") == [
        Claim("Rubio a évoqué une mesure : la reprise économique.", (6,))]


def test_claims_in_a_titled_corpus_are_compared_with_untitled_sentences(
        settings: Settings, model: QueueChatModel, tmp_path: Path) -> None:
    concert = tmp_path / "concert-de-jazz.txt"
    concert.write_text("Le concert de jazz a réuni deux mille spectateurs samedi à Lyon. "
                       "Les musiciens ont joué pendant trois heures.")
    s = settings.model_copy(update={"articles": [*settings.articles, concert],
                                    "embed_titles_from": 1, "llm_article_tokens": 0})
    bot = create_citebot(s, embedder=FakeEmbedder(document_prompt="title: {title} | "),
                         detector=FakeDetector(), chat_model=model)
    bot.qa.thresholds = type(bot.qa.thresholds)(
        0.99, 0.99, claim_bar=0.4, name_bar=0.99, gate_same_language=0.1,
        gate_cross_language=0.1)
    assert bot.qa.retriever.index.title_of("concert-de-jazz") == "concert de jazz"
    question = "Qu’est-ce que le concert de jazz a réuni à Lyon ?"
    model.replies.append("x")  # placeholder to learn the numbering
    bot.ask(question, bot.new_conversation())
    seen = numbered_ids(model)
    assert len(seen) > 2  # sentences of both articles
    n = 1 + [i for i, text in enumerate(seen) if "spectateurs" in text][0]
    # (Not the sentence copied whole: that is a quote, which the bars here refuse.)
    a = ask(bot, model, f"Le concert de jazz a réuni deux mille spectateurs [{n}].",
            question)
    assert a.answered and [c.id for c in a.citations] == ["concert-de-jazz:1"]
    # A claim that says nothing must not borrow the similarity of the sentence's title.
    empty = ask(bot, model, f"La réponse est dans la citation [{n}].",
                question)
    assert "La réponse est dans la citation" not in empty.answer


# -- the answer probe ----------------------------------------------------------------

DEPLOYED = "Combien de soldats américains sont déployés dans la zone désertique de Palmyre ?"
DEPLOYED_CLAIM = "Deux soldats américains sont déployés dans la zone désertique de Palmyre [7]."


def probed_bot(bot: Citebot, model: QueueChatModel, bar: float = 0.5) -> Citebot:
    from bot.probe import Probe

    bot.qa.probe = Probe(model, bot.qa.generator.system_text, {"number": bar})
    return bot


def test_probe_refuses_a_number_its_sentence_gives_for_something_else(
        bot: Citebot, model: QueueChatModel) -> None:
    # The claim is close to its sentence and "deux" is there: only the probe, asked
    # whether the sentence gives the number of soldiers deployed, can say no.
    unprobed = ask(bot, model, DEPLOYED_CLAIM, DEPLOYED)
    assert unprobed.answered
    model.none_probs.append(0.9)
    a = ask(probed_bot(bot, model), model, DEPLOYED_CLAIM, DEPLOYED)
    assert not a.answered and a.citations == []
    # Same system message as the answer (its KV cache is reused); the sentence quoted.
    system, user = model.probed[-1][0].text, model.probed[-1][-1].text
    assert system == model.received[-1][0].text
    assert DEPLOYED in user and "deux soldats américains et un civil" in user
    assert "number" in user
    # Probed once: the quote that would follow reuses the verdict on that sentence.
    assert len(model.probed) == 1


def test_probe_keeps_a_number_its_sentence_gives(bot: Citebot, model: QueueChatModel) -> None:
    model.none_probs.append(0.2)
    a = ask(probed_bot(bot, model), model, DEPLOYED_CLAIM, DEPLOYED)
    assert a.answered and a.citations[0].id == "palmyre.fr:7"


def test_probe_asks_only_about_kinds_it_has_a_bar_for(bot: Citebot,
                                                      model: QueueChatModel) -> None:
    a = ask(probed_bot(bot, model), model, TRUE_CLAIM)  # "Quels soldats…?": no kind
    assert a.answered and model.probed == []
    bot.qa.probe.bars = {"date": 0.5}  # type: ignore[union-attr]
    a = ask(bot, model, DEPLOYED_CLAIM, DEPLOYED)
    assert a.answered and model.probed == []


def test_a_failing_probe_leaves_the_answer(bot: Citebot, model: QueueChatModel) -> None:
    a = ask(probed_bot(bot, model), model, DEPLOYED_CLAIM, DEPLOYED)  # nothing queued
    assert a.answered and len(model.probed) == 1


def test_probe_reads_a_follow_up_after_the_question_it_follows(
        bot: Citebot, model: QueueChatModel) -> None:
    conv = bot.new_conversation()
    model.replies.append(TRUE_CLAIM)
    bot.ask(QUESTION, conv)
    model.replies.append("Trois militaires ont été blessés [7].")
    model.none_probs.append(0.1)
    a = probed_bot(bot, model).ask("Et combien ont été blessés ?", conv)
    assert a.answered
    assert f"{QUESTION} Et combien ont été blessés ?" in model.probed[-1][-1].text


def test_probe_without_probabilities_reads_the_reply() -> None:
    from bot.probe import Probe

    model = TextOnlyChatModel(replies=[], received=[], probe_replies=["NONE", "3", "none."],
                              probe_asked=[])
    probe = Probe(model, "system", {"number": 0.5})
    assert [probe.gives(DEPLOYED, f"Phrase {i}.") for i in range(3)] == [False, True, False]
    assert "Phrase 0." in model.probe_asked[0][-1].text


# -- the role check: which of its sentence's numbers (dates) the answer gives ----------

WOUNDED = "Combien de militaires ont été blessés lors de l’embuscade ?"


@pytest.mark.parametrize("copied", ["3", "trois autres militaires"])
def test_a_number_in_another_role_than_the_copied_one_is_not_the_answer(
        bot: Citebot, model: QueueChatModel, copied: str) -> None:
    # Sentence 7 says two soldiers died and three were wounded: "deux" is there, the
    # claim is close to it, only the model's copy tells which number answers (which
    # thing each number counts, bot/counts.py, would tell too: off here).
    bot.qa.check_counts = False
    model.probe_replies.append(copied)
    a = ask(bot, model, "Deux militaires ont été blessés lors de l’embuscade [7].", WOUNDED)
    assert "Deux militaires" not in a.answer
    user = model.probe_asked[-1][-1].text
    assert WOUNDED in user and "trois autres militaires" in user and "number" in user
    assert model.probe_asked[-1][0].text == model.received[-1][0].text  # cached prefix


@pytest.mark.parametrize("copied", ["3", "Les militaires", "2 [7]"])
def test_an_answer_is_kept_unless_the_copy_names_another_of_its_numbers(
        bot: Citebot, model: QueueChatModel, copied: str) -> None:
    claim = "Trois militaires ont été blessés lors de l’embuscade [7]."
    bot.qa.check_counts = False
    if copied == "2 [7]":  # the answer takes the copied number, not the marker's
        claim, copied = "Deux militaires ont été blessés lors de l’embuscade [7].", "2 [7]"
    model.probe_replies.append(copied)
    a = ask(bot, model, claim, WOUNDED)
    assert a.answered and a.citations[0].id == "palmyre.fr:7"
    assert claim.split(" [")[0] in a.answer


def test_a_sentence_of_several_numbers_none_of_which_the_copy_takes_is_no_answer(
        bot: Citebot, model: QueueChatModel) -> None:
    # Two American soldiers died, three were wounded: none of them is a Syrian soldier.
    model.probe_replies.append("NONE")
    question = "Combien de soldats syriens ont trouvé la mort lors de l’embuscade ?"
    a = ask(bot, model, "Deux soldats ont trouvé la mort [7].", question)
    assert not a.answered and "Deux soldats" not in a.answer
    # Not quoted either, and asked once (cached) for the answer and the quote.
    assert len(model.probe_asked) == 1 and question in model.probe_asked[0][-1].text
    bot.qa.check_roles = False
    model.probe_replies.append("NONE")
    assert ask(bot, model, "Deux soldats ont trouvé la mort [7].", question).answered


def test_a_count_of_people_is_not_refused_on_the_copys_none(
        bot: Citebot, model: QueueChatModel) -> None:
    # Three people, told as "deux soldats américains et un civil": no number to copy.
    model.probe_replies.append("NONE")
    a = ask(bot, model, "Deux soldats américains et un civil, trois personnes, ont trouvé la "
                        "mort lors de l’embuscade [7].",
            "Combien de personnes ont trouvé la mort lors de l’embuscade ?")
    assert a.answered and "trois personnes" in a.answer


def follow_up(bot: Citebot, model: QueueChatModel,
              *turns: tuple[str, str, str]) -> Answer:
    """Each (question, the model's reply, the probe's copy) asked in one conversation;
    the last answer."""
    conv = bot.new_conversation()
    for question, reply, copied in turns:
        model.replies.append(reply)
        model.probe_replies.append(copied)
        a = bot.ask(question, conv)
    return a


def test_a_follow_up_the_copy_finds_nothing_in_is_left_alone(
        bot: Citebot, model: QueueChatModel) -> None:
    a = follow_up(bot, model,
                  ("Combien de personnes ont trouvé la mort lors de l’embuscade ?",
                   "Deux soldats américains et un civil ont trouvé la mort [7].",
                   "deux soldats américains et un civil"),
                  ("Et combien ont été blessés ?", "Trois militaires ont été blessés [7].",
                   "NONE"))
    assert a.answered and "Trois militaires" in a.answer


def test_a_sum_of_the_copied_numbers_agrees(bot: Citebot, model: QueueChatModel) -> None:
    model.probe_replies.append("deux soldats américains et un civil")
    a = ask(bot, model, "Trois personnes ont trouvé la mort lors de l’embuscade [7].",
            "Combien de personnes ont trouvé la mort lors de l’embuscade ?")
    assert a.answered and "Trois personnes" in a.answer


def test_a_date_in_another_role_than_the_copied_one_is_not_the_answer(
        bot: Citebot, model: QueueChatModel) -> None:
    created = "Quand la coalition internationale anti-EI a-t-elle été créée ?"
    model.probe_replies.append("2014")
    a = ask(bot, model, "La coalition internationale anti-EI a été créée le 12 novembre "
                        "dernier [9].", created)
    assert "12 novembre" not in a.answer and "date" in model.probe_asked[-1][-1].text
    model.probe_replies.append("2014")
    a = ask(bot, model, "La coalition internationale anti-EI a été créée en 2014 [9].",
            created)
    assert a.answered and "2014" in a.answer


def test_the_copy_is_asked_for_the_follow_up_alone(bot: Citebot,
                                                   model: QueueChatModel) -> None:
    a = follow_up(bot, model,
                  ("Quand la Syrie a-t-elle rejoint la coalition internationale ?",
                   "La Syrie a rejoint la coalition le 12 novembre dernier [9].",
                   "12 novembre"),
                  # "fondée": a word the exchange had not said (else it is a repeat)
                  ("Et quand cette coalition a-t-elle été créée ?",
                   "Cette coalition a été fondée le 12 novembre dernier [9].", "2014"))
    assert "12 novembre" not in a.answer
    # Read after the first question, the copy would give the first question's date.
    user = model.probe_asked[-1][-1].text
    assert "Et quand cette coalition" in user and "Quand la Syrie" not in user


def test_a_sentence_with_one_number_is_not_asked_which(bot: Citebot,
                                                       model: QueueChatModel) -> None:
    a = ask(bot, model, "Les deux parties ont réaffirmé leur engagement commun [2].",
            "Combien de parties ont réaffirmé leur engagement commun ?")
    assert a.answered and model.probe_asked == []
    # "en décembre 2024" is one date, if two facts.
    a = ask(bot, model, "La nouvelle administration syrienne est en place depuis décembre "
                        "2024 [10].", "Depuis quand la nouvelle administration syrienne "
                                      "est-elle en place ?")
    assert a.answered and model.probe_asked == []
    bot.qa.check_roles = bot.qa.check_counts = False
    a = ask(bot, model, "Deux militaires ont été blessés lors de l’embuscade [7].", WOUNDED)
    assert a.answered and model.probe_asked == []


# -- claims joining two sentences and repeated answers ------------------------------------

CALL = "Qu’a transmis le ministre syrien au secrétaire d’État américain lors de l’entretien ?"


def test_a_claim_joining_two_sentences_is_supported_by_both(
        bot: Citebot, model: QueueChatModel) -> None:
    # Sentence 3 names al-Shaibani, sentence 5 Donald Trump: neither alone holds both.
    a = ask(bot, model, "Lors d’un entretien téléphonique, Asaad al-Shaibani a transmis les "
                        "condoléances du président syrien à Donald Trump [3] [5].", CALL)
    assert a.answered and "Donald Trump" in a.answer
    assert {c.id for c in a.citations} == {"palmyre.fr:3", "palmyre.fr:5"}


def test_a_joined_claim_needs_each_name_in_a_cited_sentence(
        bot: Citebot, model: QueueChatModel) -> None:
    # Bachar al-Assad is in the article, but in neither cited sentence.
    a = ask(bot, model, "Lors d’un entretien téléphonique, Asaad al-Shaibani a transmis les "
                        "condoléances de Bachar al-Assad à Donald Trump [3] [5].", CALL)
    assert "Assad" not in a.answer


def test_a_repeated_answer_is_asked_again_as_one_question(
        bot: Citebot, model: QueueChatModel) -> None:
    again = _follow_up(bot, model, FIRST, "Trois autres militaires ont été blessés [7].")
    retry = model.received[-1][-1].text
    # Asked the two questions as one, without the exchange the model just repeated.
    assert f"Question: {QUESTION} {FOLLOW_UP}" in retry and FIRST not in retry
    assert again.answered and again.answer.startswith("Trois autres militaires")


# -- the answer's relevance to the question ------------------------------------------------

ON_TOPIC = "Deux soldats américains et un civil ont trouvé la mort lors de l’embuscade [7]."
# True of sentence 10, which retrieval found, and nothing the question asked about.
OFF_TOPIC = ("La nouvelle administration syrienne s’attache à rétablir la sécurité sur "
             "l’ensemble du territoire national [10].")


def test_a_verified_answer_about_something_else_is_not_shown(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, relevance=0.3)
    assert ask(bot, model, ON_TOPIC).answered
    a = ask(bot, model, OFF_TOPIC)
    assert "administration" not in a.answer or a.answer.startswith("Selon l’article")


def test_without_a_relevance_bar_the_verified_answer_stands(
        bot: Citebot, model: QueueChatModel) -> None:
    a = ask(bot, model, OFF_TOPIC)
    assert a.answered and a.answer.startswith("La nouvelle administration syrienne")


# -- retrieval's best sentence passed over ---------------------------------------------------

# True of sentence 1, which retrieval ranks far under sentence 7, and no answer to QUESTION.
PASSED_OVER = ("L’attentat perpétré par Daech près de l’ancienne cité de Palmyre visait à "
               "entraver le rapprochement entre les deux pays [1].")


def test_an_answer_citing_far_below_the_best_sentence_gives_way_to_it(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2, rank_gap=0.1)
    model.replies.append(PASSED_OVER)  # asked again, the model insists
    a = ask(bot, model, PASSED_OVER)
    assert a.answered and a.answer.startswith("Selon l’article")
    assert [c.id for c in a.citations] == ["palmyre.fr:7"]
    # The best sentence itself, or one as close to the top, is the model's to cite.
    assert ask(bot, model, ON_TOPIC).answer.startswith("Deux soldats américains")


def test_without_a_rank_gap_the_models_pick_stands(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2)
    a = ask(bot, model, PASSED_OVER)
    assert a.answered and a.answer.startswith("L’attentat perpétré par Daech")
    assert [c.id for c in a.citations] == ["palmyre.fr:1"]


def test_as_calibrated_an_answer_whose_sentence_writes_the_questions_names_is_spared(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2, rank_gap=0.1,
                                rank_gap_spares_named=True)
    # Sentence 1 writes "Palmyre", as the question does: the model chose among
    # sentences on the same subject.
    spared = ask(bot, model, PASSED_OVER)
    assert [c.id for c in spared.citations] == ["palmyre.fr:1"]
    # Sentence 2 does not: it gives way to retrieval's best sentence.
    model.replies.append(OTHER_SUBJECT)  # asked again, the model insists
    a = ask(bot, model, OTHER_SUBJECT)
    assert [c.id for c in a.citations] == ["palmyre.fr:7"]


def test_an_answer_the_best_sentence_says_as_closely_is_cited_to_it(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.05, rank_gap=0.1)
    # As close to sentence 7, retrieval's best, as to sentence 1 it cites, and far
    # better ranked there: the answer stands, cited to the best sentence.
    both = "Daech a tué des soldats américains près de Palmyre [1]."
    a = ask(bot, model, both)
    assert a.answer.startswith("Daech a tué des soldats américains")
    assert [c.id for c in a.citations] == ["palmyre.fr:7"]


OTHER_SUBJECT = ("Les deux parties ont réaffirmé leur engagement commun en faveur de la lutte "
                 "contre le terrorisme [2].")


NAME_QUESTION = "Comment s’appelle le combattant de Daech qui a mené l’embuscade ?"
# The fighter's name is not in sentence 7: the model brings one from another sentence.
NAMED_WRONG = "Le combattant de Daech s’appelle Asaad al-Shaibani [7]."


def test_pointed_at_the_sentence_to_quote_a_model_that_finds_no_name_refuses(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2)
    model.replies.append(NAMED_WRONG)
    a = ask(bot, model, "Le combattant de Daech a mené l’embuscade [7].", NAME_QUESTION)
    assert not a.answered
    # A name that fails its check (here: one no sentence writes) leaves the quote, and
    # sentence 7 names no person: the fighter's name is not in the article.
    model.replies.append(NAMED_WRONG)
    quoted = ask(bot, model, "Le combattant de Daech s’appelle Abou Tadmor [7].", NAME_QUESTION)
    assert not quoted.answered and "embuscade" not in quoted.answer


@pytest.mark.parametrize(("copied", "quoted"), [("3", True), ("NONE", False), ("12", False)])
def test_pointed_at_the_sentence_to_quote_a_model_that_finds_no_number_leaves_it_to_the_copy(
        bot: Citebot, model: QueueChatModel, copied: str, quoted: bool) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2)
    no_number = "Des militaires ont été blessés lors de l’embuscade [7]."
    model.replies.append(no_number)  # asked again, pointed at sentence 7
    model.probe_replies.append(copied)
    a = ask(bot, model, no_number, WOUNDED)
    # The copy takes one of sentence 7's numbers: the sentence gives it, and is quoted.
    # A NONE, or a number the sentence does not state, leaves the question refused.
    assert a.answered is quoted
    assert ("trois autres militaires" in a.answer) is quoted


RAPPROCHEMENT = "Avec quel pays la Syrie a-t-elle engagé le rapprochement en cours ?"


def test_an_invented_name_gets_one_retry_pointed_at_the_sentence_to_quote(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2)
    invented = "La Syrie a engagé le rapprochement en cours avec le Canada [1]."
    model.replies.append(invented)  # the queue answers in order: first the made-up name
    a = ask(bot, model, "La Syrie a engagé le rapprochement en cours avec les États-Unis [1].",
            RAPPROCHEMENT)
    assert a.answered and "États-Unis" in a.answer and "Canada" not in a.answer
    assert [c.id for c in a.citations] == ["palmyre.fr:1"]
    assert "[1]" in model.received[-1][-1].text  # the retry is pointed at sentence 1
    # Made up again: refused, not quoted.
    model.replies.append(invented)
    a = ask(bot, model, invented, RAPPROCHEMENT)
    assert not a.answered and not a.citations


# -- the hint line copied --------------------------------------------------------------------

def _hint_echo(model: QueueChatModel) -> str:
    """The hint line of the last prompt, as the model would copy it."""
    user = model.received[-1][-1].text
    return next(line for line in user.splitlines() if "[" in line and QUESTION not in line)


def test_a_copied_hint_line_is_neither_streamed_nor_verified(
        bot: Citebot, model: QueueChatModel) -> None:
    ask(bot, model, "x")  # learns the hint line retrieval gives this question
    echo = _hint_echo(model)
    tokens: list[str] = []
    model.replies.append(f"{echo} {ON_TOPIC}")
    a = bot.ask(QUESTION, bot.new_conversation(), on_token=tokens.append)
    assert "".join(tokens).startswith("Deux soldats américains")
    assert a.answered and a.answer.startswith("Deux soldats américains")
    # Copied alone, it is no answer; written in passing, it is left as it is.
    assert not ask(bot, model, echo).answered
    tokens.clear()
    model.replies.append(f"Selon la recherche, {echo}")
    bot.ask(QUESTION, bot.new_conversation(), on_token=tokens.append)
    assert "".join(tokens).startswith("Selon la recherche")


def test_a_failed_answer_is_asked_again_pointed_at_the_sentence_to_quote(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2, rank_gap=0.1)
    # The second answer comes from the sentence about to be quoted.
    model.replies.append(PASSED_OVER)
    a = ask(bot, model, ON_TOPIC)
    assert a.answered and a.answer.startswith("Deux soldats américains")
    assert [c.id for c in a.citations] == ["palmyre.fr:7"]
    retry = model.received[-1][-1].text
    assert "[7]" in retry and "[1]" not in retry  # only the sentence to quote is pointed at
    # No second try when the model's answer stands, nor when nothing may be quoted.
    calls = len(model.received)
    ask(bot, model, ON_TOPIC)
    assert len(model.received) == calls + 1


# -- yes-or-no questions, negations, quotes in the reader's language -------------------

def test_a_yes_or_no_question_is_answered_with_the_sentence_that_settles_it(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2, cross_language=0.2)
    a = ask(bot, model, "Non, aucun civil [7].",
            "Un civil a-t-il trouvé la mort lors de l’embuscade de Palmyre ?")
    assert model.replies == ["Non, aucun civil [7]."]  # the model was not asked
    assert a.answered and "« Le Commandement central américain" in a.answer
    assert a.citations[0].id == "palmyre.fr:7"


POLAR = "Un civil a-t-il trouvé la mort lors de l’embuscade de Palmyre ?"


def test_a_yes_or_no_question_quotes_the_sentence_the_model_finds_settles_it(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2, cross_language=0.2,
                                polar=0.5)
    model.yes_probs.append(0.9)
    a = bot.ask(POLAR, bot.new_conversation())
    asked = model.judged[-1][-1].text
    assert POLAR in asked and "Reply with one word: yes, no, or unknown." in asked
    assert a.answered and f"Sentence: {a.citations[0].text}\n" in asked
    assert not model.received  # the answer model was not asked to answer
    # Of two sentences to quote, the one the model is likelier to find settles it.
    hits = bot.qa.retriever.search([POLAR], 2)
    model.yes_probs += [0.6, 0.8]
    assert bot.qa._settling({"question": "Et un enfant ?", "query": "x"}, hits) == [hits[1]]
    model.yes_probs += [0.4, 0.3]
    assert bot.qa._settling({"question": "Et un bébé ?", "query": "x"}, hits) == []


def test_a_yes_or_no_question_no_sentence_settles_is_refused(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2, cross_language=0.2,
                                polar=0.5)
    model.yes_probs += [0.4, 0.3, 0.2, 0.2, 0.2]
    a = bot.ask(POLAR, bot.new_conversation())
    assert not a.answered and a.answer == "L’article ne le dit pas."
    # Uncalibrated, the sentence retrieval ranks first is quoted, nothing asked.
    bot.qa.thresholds = replace(bot.qa.thresholds, polar=None)
    model.judged.clear()
    assert bot.ask(POLAR, bot.new_conversation()).answered and not model.judged


def test_a_yes_or_no_answer_says_yes_or_no_when_the_model_leans_clearly(
        bot: Citebot, model: QueueChatModel) -> None:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2, cross_language=0.2,
                                polar=0.5, polar_yes=3.0, polar_no=1.5)

    def answer(yes: float, no: float) -> str:
        model.yes_probs.append((yes, no, 1 - yes - no))
        assert bot.qa.probe is not None
        bot.qa.probe._settled.clear()  # the same question again: not remembered
        a = bot.ask(POLAR, bot.new_conversation())
        assert a.answered and "« Le Commandement central américain" in a.answer
        return a.answer

    assert answer(0.7, 0.2).startswith("Oui. Selon l’article : «")
    assert answer(0.2, 0.6).startswith("Non. Selon l’article : «")
    # Each word needs its own ratio: 2.5 times likelier is not enough for "yes".
    assert answer(0.5, 0.2).startswith("Selon l’article : «")
    assert answer(0.4, 0.3).startswith("Selon l’article : «")
    assert not model.yes_probs  # one prompt per question: the gate's is reused
    # Uncalibrated, no word is said and the model is not asked for one.
    bot.qa.thresholds = replace(bot.qa.thresholds, polar=None, polar_yes=None, polar_no=None)
    model.judged.clear()
    assert bot.ask(POLAR, bot.new_conversation()).answer.startswith("Selon")
    assert not model.judged


def test_words_copied_from_the_cited_sentence_stand_however_short(
        bot: Citebot, model: QueueChatModel) -> None:
    # A bar no short claim reaches: only the copy of the sentence's own words passes.
    bot.qa.thresholds = replace(bot.qa.thresholds, claim_bar=0.95)
    question = "Dans quelle zone l’embuscade a-t-elle été menée ?"
    copied = ask(bot, model, "La zone désertique de Palmyre [7].", question)
    assert copied.answered and copied.answer == "La zone désertique de Palmyre [1]."
    assert copied.citations[0].id == "palmyre.fr:7"
    for other in ("La zone rurale de Palmyre [7].", "La zone désertique de Homs [7]."):
        assert not ask(bot, model, other, question).answer.startswith("La zone")
    # Cited to the wrong sentence, the copy is cited to its own.
    moved = ask(bot, model, "La zone désertique de Palmyre [8].", question)
    assert moved.answered and moved.citations[0].id == "palmyre.fr:7"


def test_a_model_without_probabilities_does_not_gate_yes_or_no_questions() -> None:
    from bot.probe import Probe

    # Its greedy reply is no probability: no reply is asked for, none consumed.
    model = TextOnlyChatModel(replies=[], received=[], probe_replies=[], probe_asked=[])
    assert Probe(model, "system", {}).p_settles(POLAR, "Phrase.") is None
    assert not model.received and not model.probe_asked


def test_a_claim_denying_what_its_sentence_states_is_unsupported(
        bot: Citebot, model: QueueChatModel) -> None:
    denied = ask(bot, model, "Non, la Syrie n’a pas rejoint la coalition internationale "
                             "anti-EI [9].", "Quelle coalition la Syrie a-t-elle rejointe ?")
    assert "n’a pas rejoint" not in denied.answer
    stated = ask(bot, model, "La Syrie a rejoint la coalition internationale anti-EI [9].",
                 "Quelle coalition la Syrie a-t-elle rejointe ?")
    assert stated.answered and stated.answer.startswith("La Syrie a rejoint")


def _quoted_to_an_english_reader(bot: Citebot, model: QueueChatModel, rendering: str) -> Answer:
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2, cross_language=0.2)
    # The answer verifies nowhere; pointed at the sentence to quote, the model declines;
    # then it is asked to render that sentence in English.
    model.replies += ["The weather was fine on that day [2].", SENTINEL, rendering]
    # English to the fake detector, close to sentence 7 for the monolingual fake embedder.
    return bot.ask("Which soldats américains avaient trouvé la mort lors de l’embuscade ?",
                   bot.new_conversation())


def test_a_quote_to_a_reader_of_another_language_is_rendered_in_theirs(
        bot: Citebot, model: QueueChatModel) -> None:
    a = _quoted_to_an_english_reader(
        bot, model, "The Commandement central américain (CENTCOM) indicated that deux "
                    "soldats américains et un civil avaient trouvé la mort in the ambush [7].")
    assert "Translate this sentence" in model.received[-1][-1].text
    assert "Le Commandement central américain" in model.received[-1][-1].text
    assert a.answered and a.answer.startswith("The article says (in translation): The")
    assert a.answer.endswith("[1].") and "«" not in a.answer
    assert a.citations[0].id == "palmyre.fr:7" and "deux soldats américains" in \
        a.citations[0].text


def test_a_rendering_that_adds_a_fact_leaves_the_quote(bot: Citebot,
                                                       model: QueueChatModel) -> None:
    a = _quoted_to_an_english_reader(
        bot, model, "The Commandement central américain (CENTCOM) indicated that deux "
                    "soldats américains et 40 civils avaient trouvé la mort in the ambush [7].")
    assert a.answered and "«" in a.answer and "40" not in a.answer



def test_an_english_answer_names_places_in_english(bot: Citebot, model: QueueChatModel) -> None:
    # English to the fake detector, close to sentence 7 for the monolingual fake embedder.
    a = ask(bot, model, "The deux soldats américains et un civil avaient trouvé la mort lors "
                        "d’une embuscade dans la zone désertique de Palmyre [7].",
            "Which soldats américains avaient trouvé la mort lors de l’embuscade ?")
    assert a.language == "en" and a.answered
    assert "zone désertique de Palmyra [1]." in a.answer
    assert "de Palmyre." in a.citations[0].text


def test_an_answer_copying_words_only_the_article_s_language_has_is_not_the_reader_s(
        bot: Citebot, model: QueueChatModel) -> None:
    # English to the fake detector, close to sentence 6 for the monolingual fake embedder.
    question = "Which mesures did Rubio cite?"
    plain = ask(bot, model, "Rubio cited the mesures destinées à favoriser la stabilité [6].",
                question)
    assert plain.answered and plain.answer.startswith("Rubio cited the mesures")
    # "reprise" is French alone (the fake detector's list). Pointed at the sentence to
    # quote, the model declines; rendered in English, the sentence is quoted instead.
    bot.qa.thresholds = replace(bot.qa.thresholds, cross_language=0.2)
    mixed = "Rubio cited the mesures destinées à favoriser la reprise économique [6]."
    model.replies += [mixed, SENTINEL, "The Marco Rubio a réaffirmé l’appui constant des "
                      "États-Unis au gouvernement, notamment à travers la coopération [6]."]
    quoted = bot.ask(question, bot.new_conversation())
    assert quoted.answer.startswith("The article says (in translation): The Marco Rubio")
    assert quoted.citations[0].id == "palmyre.fr:6"
    # With no better wording (the model has no more replies), the verified answer stands
    # rather than a quote in French.
    kept = ask(bot, model, mixed, question)
    assert kept.answered and kept.answer.startswith("Rubio cited the mesures")
    # Nor is it refused when the sentence is too far to quote.
    bot.qa.thresholds = replace(bot.qa.thresholds, cross_language=0.99)
    assert ask(bot, model, mixed, question).answer.startswith("Rubio cited the mesures")
    # After an answer that made up a name, only a verified retry is shown (the quote
    # is not): one in words of the article's language too, rather than a refusal.
    bot.qa.thresholds = replace(bot.qa.thresholds, cross_language=0.2)
    model.replies += ["Rubio cited the mesures of Emmanuel Macron [6].", mixed]
    retried = bot.ask(question, bot.new_conversation())
    assert retried.answered and retried.answer.startswith("Rubio cited the mesures destinées")
    assert "Macron" not in retried.answer


def _number_of(bot: Citebot, model: QueueChatModel, question: str, words: str) -> int:
    """The [n] the model sees for the sentence holding ``words``."""
    model.replies.append("x")
    bot.ask(question, bot.new_conversation())
    return 1 + [i for i, text in enumerate(numbered_ids(model)) if words in text][0]


PURPOSE = "Dans quel but la nouvelle administration syrienne s’attache-t-elle à agir ?"


def test_an_answer_restating_the_question_is_not_shown(
        bot: Citebot, model: QueueChatModel) -> None:
    n = _number_of(bot, model, PURPOSE, "nouvelle administration")
    echo = ask(bot, model, f"La nouvelle administration syrienne s’attache à agir [{n}].",
               PURPOSE)
    assert not echo.answered
    said = ask(bot, model, f"La nouvelle administration syrienne s’attache à rétablir la "
                           f"sécurité [{n}].", PURPOSE)
    assert said.answered and said.answer.startswith("La nouvelle administration syrienne")


REASON = ("Pourquoi les autorités syriennes ont-elles lancé une opération de sécurité dans "
          "la province de Homs ?")


def test_what_an_answer_adds_must_be_its_sentences(bot: Citebot, model: QueueChatModel) -> None:
    n = _number_of(bot, model, REASON, "province de Homs")
    # The purpose is the last sentence's: the claim is close to the one on the operation
    # only by the question's words, restated.
    elsewhere = ask(bot, model, "Les autorités syriennes ont lancé une opération de sécurité "
                                "dans la province de Homs pour rétablir la sécurité et "
                                f"stabiliser la situation sur l’ensemble du territoire [{n}].",
                    REASON)
    assert not elsewhere.answered
    own = ask(bot, model, "Les autorités syriennes ont lancé une opération de sécurité dans "
                          "la province de Homs ciblant des cellules de Daech dans les zones "
                          f"rurales [{n}].", REASON)
    assert own.answered and [c.id for c in own.citations] == ["palmyre.fr:8"]


def test_a_claim_trimmed_of_its_completed_date_may_restate_the_question(
        bot: Citebot, model: QueueChatModel) -> None:
    question = "Pourquoi la Syrie a-t-elle attendu le 12 novembre pour rejoindre la coalition ?"
    n = _number_of(bot, model, question, "officiellement rejointe")
    # Without the year the model added, what is left is the question's own date.
    a = ask(bot, model, f"La Syrie a rejoint la coalition le 12 novembre 2024 [{n}].", question)
    assert not a.answered


@pytest.mark.parametrize(("question", "right", "wrong"), [
    # "trois" is in the sentence, counting the wounded (bot/counts.py).
    ("Qui a trouvé la mort lors de l’embuscade ?",
     "Deux soldats américains et un civil ont trouvé la mort [7].",
     "Trois soldats américains ont trouvé la mort [7]."),
    # The dead named as the doers (bot/agents.py).
    ("Qui a mené l’embuscade près de Palmyre ?",
     "L’embuscade a été menée par un combattant de Daech [7].",
     "L’embuscade a été menée par deux soldats américains et un civil [7]."),
])
def test_an_answer_binding_a_fact_to_the_wrong_thing_is_not_shown(
        bot: Citebot, model: QueueChatModel, question: str, right: str, wrong: str) -> None:
    kept = ask(bot, model, right, question)
    assert kept.answered and kept.answer.startswith(right.split(" [")[0])
    shown = ask(bot, model, wrong, question)
    assert wrong.split(" [")[0] not in shown.answer


def test_a_sentence_copied_whole_is_a_quote_held_to_the_quoting_bar(
        bot: Citebot, model: QueueChatModel) -> None:
    question = "Qui dirige le Commandement central américain ?"
    copy = ("Le Commandement central américain (CENTCOM) a indiqué samedi que deux soldats "
            "américains et un civil avaient trouvé la mort, tandis que trois autres "
            "militaires avaient été blessés lors d’une embuscade menée par un combattant "
            "de Daech dans la zone désertique de Palmyre [7].")
    # Over the gate, under the quoting bar (0.99 here): the model judged nothing.
    a = ask(bot, model, copy, question)
    assert not a.answered and not a.citations
    # Once retrieval would quote it, the copy stands like the quote.
    bot.qa.thresholds = replace(bot.qa.thresholds, same_language=0.2)
    a = ask(bot, model, copy, question)
    assert a.answered and [c.id for c in a.citations] == ["palmyre.fr:7"]
