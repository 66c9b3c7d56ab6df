"""Bots wired through the real chain, with the fakes of ``tests/fakes.py`` at the seams."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from bot.app import Citebot, create_citebot
from bot.calibration import Thresholds
from bot.settings import Settings
from tests.fakes import FakeDetector, FakeEmbedder, QueueChatModel

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
INJECTION_ARTICLE = FIXTURES / "injection.fr.txt"

# The fake embedder's scores are not calibrated: low bars let questions reach the model
# and quoting happen; ``name_bar`` no score reaches makes an unknown name disqualifying.
OPEN_BARS = Thresholds(0.2, 0.2, claim_bar=0.2, name_bar=0.99,
                       gate_same_language=0.2, gate_cross_language=0.2)


def model_bot_for(settings: Settings, model: QueueChatModel) -> Citebot:
    s = settings.model_copy(update={"answer_threshold": 0.2})
    citebot = create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(),
                             chat_model=model)
    citebot.qa.thresholds = OPEN_BARS
    return citebot


@pytest.fixture
def model() -> QueueChatModel:
    return QueueChatModel(replies=[], received=[])


@pytest.fixture
def model_bot(settings: Settings, model: QueueChatModel) -> Citebot:
    """The default article, answered by the queue-fed chat model."""
    return model_bot_for(settings, model)


@pytest.fixture
def quoting_bot(settings: Settings) -> Citebot:
    """The default article, answered by quoting (no chat model)."""
    s = settings.model_copy(update={"answer_threshold": 0.2, "llm": "none"})
    return create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(), chat_model=None)


def run_cli(args: list[str], stdin: str | bytes | None = None) -> Result:
    from bot.cli import app

    return CliRunner().invoke(app, args, input=stdin, catch_exceptions=False)


def assert_grounded(citebot: Citebot, answer: object) -> None:
    """Every ``[n]`` in the answer is a citation, and every citation quotes the index."""
    from bot.citations import MARKER
    from bot.types import Answer

    assert isinstance(answer, Answer)
    markers = {int(m.group(1)) for m in MARKER.finditer(answer.answer)}
    numbers = [c.n for c in answer.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    assert markers <= set(numbers), (answer.answer, numbers)
    for c in answer.citations:
        indexed = citebot.qa.retriever.index.get(c.id)
        assert indexed is not None and indexed.text == c.text
    assert answer.answered == bool(answer.citations)
