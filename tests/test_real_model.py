"""The real EmbeddingGemma model on the default article (provisioned by `make test`)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.app import Citebot, create_citebot
from bot.settings import Settings
from tests.conftest import ARTICLE, MODELS, REPO

pytestmark = pytest.mark.real_model

DEV_QUESTIONS = REPO.parent / "shared" / "article" / "dev_questions.jsonl"
SOLDIERS = "palmyre.fr:7"


@pytest.fixture(scope="module")
def real_bot(tmp_path_factory: pytest.TempPathFactory) -> Citebot:
    if not (MODELS / "embeddinggemma-300m").is_dir():
        pytest.fail(f"EmbeddingGemma is not provisioned in {MODELS}: run `make models`.")
    data = tmp_path_factory.mktemp("data")
    return create_citebot(
        Settings(data_dir=data, articles=[ARTICLE], models_dir=MODELS, llm="none")
    )


@pytest.mark.parametrize("question", [
    "What did the Syrian foreign minister call the attack?",
    "Comment le ministre syrien des Affaires étrangères a-t-il qualifié l’attaque ?",
])
def test_a_person_asked_by_role_finds_the_sentence_naming_him_bare(
        real_bot: Citebot, question: str) -> None:
    # Sentence 4 names al-Shaibani without his office, which sentence 3 gives: embedded
    # after it (index/cast.py), it ranks first, above the introduction.
    hits = real_bot.qa.retriever.search(question, 3)
    assert hits[0].sentence.id == "palmyre.fr:4"


@pytest.mark.parametrize(
    ("question", "lang"),
    [("Qui est mort près de Palmyre ?", "fr"), ("Who died near Palmyra?", "en"),
     ("Combien de militaires ont été blessés ?", "fr"),
     ("How many soldiers were wounded in the ambush?", "en")],
)
def test_cross_lingual_answer_cites_the_soldiers(
    real_bot: Citebot, question: str, lang: str
) -> None:
    a = real_bot.ask(question, real_bot.new_conversation())
    assert a.answered and a.language == lang
    assert SOLDIERS in [c.id for c in a.citations]


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "Who won the 2022 World Cup?",
     "Quelle est la recette de la tarte tatin ?", "How do I reset my password?"],
)
def test_off_topic_questions_are_refused(real_bot: Citebot, question: str) -> None:
    a = real_bot.ask(question, real_bot.new_conversation())
    assert not a.answered and a.citations == []


def test_dev_questions(real_bot: Citebot) -> None:
    rows = [json.loads(line) for line in DEV_QUESTIONS.read_text().splitlines()]
    single = [r for r in rows if len(r["turns"]) == 1]
    retrieved = answered = refused = answerable = unanswerable = 0
    for r in single:
        question = r["turns"][0]
        a = real_bot.ask(question, real_bot.new_conversation())
        assert a.language == r["lang"], question
        if r["answerable"]:
            answerable += 1
            hits = real_bot.qa.retriever.search(question, 3)
            retrieved += any(r["gold_sentence_contains"] in h.sentence.text for h in hits)
            answered += a.answered
        else:
            unanswerable += 1
            refused += not a.answered
    assert retrieved / answerable >= 0.85, (retrieved, answerable)
    assert answered / answerable >= 0.75, (answered, answerable)
    # Near misses (same topic, answer absent) need the answer model's judgement; the
    # similarity gate alone refuses only the clearly off-topic ones.
    assert refused >= 1, (refused, unanswerable)


def test_issue_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "CITEBOT_DATA_DIR": str(tmp_path / "data"),
           "CITEBOT_MODELS_DIR": str(MODELS)}
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "chat", "--json"],
        input="Qui est mort près de Palmyre ?\nWho died near Palmyra?\n",
        capture_output=True, text=True, env=env, cwd=REPO, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    objs = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(objs) == 2
    for obj in objs:
        assert any("deux soldats américains et un civil" in c["text"] for c in obj["citations"])
