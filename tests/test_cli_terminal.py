"""`citebot chat` in a real terminal (a pseudo-terminal), on the real models: the prompt
shows while the models load and the index builds, and the first question is answered."""

import os
from pathlib import Path

import pytest

from bench.terminal import Terminal
from tests.conftest import MODELS

pytestmark = pytest.mark.real_model


def _chat(data: Path) -> Terminal:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}
    # The local LLM: its loading must not blank the terminal the prompt draws on.
    env.update({"CITEBOT_LLM": "local", "CITEBOT_DATA_DIR": str(data),
                "CITEBOT_MODELS_DIR": str(MODELS)})
    return Terminal(["-m", "bot", "chat"], env)


def test_prompt_shows_while_loading_then_answers(tmp_path: Path) -> None:
    term = _chat(tmp_path / "data")  # a fresh data dir: the index must be built
    try:
        # The prompt shows before the models are ready: its toolbar says what still loads.
        seen = term.expect(r"loading models|indexing the article")
        assert "citebot" in seen and "palmyre" in seen.lower()
        term.type("Qui est mort près de Palmyre ?")
        seen = term.expect(r"palmyre\.fr:7")
        assert "[1]" in seen
        assert "Qui est mort près de Palmyre" in seen  # the typed line was echoed
        term.type("/quit")
        assert term.proc.wait(30) == 0
    finally:
        term.close()
