"""The local model's prompt prefix saved on disk and restored at the next start-up."""

from pathlib import Path

import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from bot.llm import LocalChatModel
from tests.conftest import MODELS

pytestmark = pytest.mark.real_model

GGUF = MODELS / "qwen2.5-coder-1.5b-instruct-q4_k_m" / "model.gguf"
SYSTEM = ("Answer from these sentences only, citing [n]. "
          "Sentence [1]: Le pont a coûté 3 millions d'euros. "
          "Sentence [2]: Le maire l'a inauguré mardi.")
QUESTION = "How much did the bridge cost?"


def _model(state_dir: Path) -> LocalChatModel:
    if not GGUF.is_file():
        pytest.fail(f"The local LLM is not provisioned in {MODELS}: run `make models`.")
    return LocalChatModel(model_path=str(GGUF), n_ctx=1024, max_tokens=24,
                          state_dir=str(state_dir))


def _answer(model: LocalChatModel, system: str = SYSTEM) -> str:
    return model.invoke([SystemMessage(system), HumanMessage(QUESTION)]).text


def _only(folder: Path, suffix: str) -> Path:
    (path,) = folder.glob(f"*{suffix}")
    return path


def test_second_start_restores_the_prefix_and_answers_alike(tmp_path: Path) -> None:
    first = _model(tmp_path)
    assert first.warm_up(SYSTEM) is False  # nothing saved yet: evaluated, then saved
    assert _only(tmp_path, ".state").stat().st_size > 0
    expected = _answer(first)

    second = _model(tmp_path)
    assert second.warm_up(SYSTEM) is True
    assert second.load().n_tokens > 0
    assert _answer(second) == expected


def test_a_damaged_or_foreign_state_is_evaluated_afresh(tmp_path: Path) -> None:
    _model(tmp_path).warm_up(SYSTEM)
    state = _only(tmp_path, ".state")
    state.write_bytes(state.read_bytes()[: state.stat().st_size // 2])  # cut short

    model = _model(tmp_path)
    assert model.warm_up(SYSTEM) is False
    assert _answer(model)  # the model still answers
    assert _model(tmp_path).warm_up(SYSTEM) is True  # and the state was rewritten

    other = SYSTEM.replace("3 millions", "4 millions")
    assert _model(tmp_path).warm_up(other) is False  # another prompt, another state
    assert len(list(tmp_path.glob("*.state"))) == 2


def test_without_a_state_dir_every_start_evaluates() -> None:
    model = LocalChatModel(model_path=str(GGUF), n_ctx=1024, max_tokens=8)
    if not GGUF.is_file():
        pytest.fail(f"The local LLM is not provisioned in {MODELS}.")
    assert model.warm_up(SYSTEM) is False
    assert model.warm_up(SYSTEM) is False
