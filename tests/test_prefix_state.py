"""The local model's prompt prefix saved on disk and restored at the next start-up."""

import os
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


def test_a_state_llama_cpp_cannot_read_is_evaluated_afresh(tmp_path: Path) -> None:
    import json

    from bot.prefix_state import _sha256

    _model(tmp_path).warm_up(SYSTEM)
    state, record = _only(tmp_path, ".state"), _only(tmp_path, ".json")
    state.write_bytes(b"not a llama.cpp state")
    meta = json.loads(record.read_text())
    record.write_text(json.dumps({**meta, "sha256": _sha256(state)}))  # digest agrees

    model = _model(tmp_path)
    assert model.warm_up(SYSTEM) is False  # llama.cpp refused it: evaluated afresh
    assert model.load().n_tokens > 0 and _answer(model)


def test_only_the_most_recent_states_are_kept(tmp_path: Path) -> None:
    from bot.prefix_state import KEEP

    stale = tmp_path / ".stale.state.x.partial"  # a save interrupted long ago
    stale.write_bytes(b"")
    os.utime(stale, (0, 0))
    model = _model(tmp_path)
    for i in range(KEEP + 2):
        assert model.warm_up(SYSTEM.replace("3 millions", f"{i + 10} millions")) is False
    assert len(list(tmp_path.glob("*.state"))) == KEEP
    assert len(list(tmp_path.glob("*.json"))) == KEEP
    assert not list(tmp_path.glob(".*.partial"))
