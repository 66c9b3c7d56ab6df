"""Secrets and hygiene: no unsafe deserialisation in the source, private files on disk,
and no secret value printed by `citebot config`, reprs, errors or logs."""

from __future__ import annotations

import ast
import json
import logging
import os
import stat
import typing
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from bot.app import create_citebot
from bot.settings import Settings
from tests.conftest import REPO
from tests.fakes import FakeDetector, FakeEmbedder
from tests.reliability.conftest import run_cli
from tests.reliability.fake_openai import fake_openai

# -- the source scan -------------------------------------------------------------------

# Modules whose loaders run code from the data they read.
UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "joblib", "shelve", "marshal",
                  "cloudpickle"}
UNSAFE_CALLS = {"eval", "exec", "compile", "__import__", "os.system", "os.popen",
                "yaml.unsafe_load", "yaml.full_load", "pandas.read_pickle", "pd.read_pickle"}


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def unsafe_uses(source: str, filename: str = "<src>") -> list[str]:
    """Each use of a loader that can execute what it reads, as ``file:line: what``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names]
            if isinstance(node, ast.ImportFrom) and node.module:
                names.append(node.module)
            for name in names:
                if name.split(".")[0] in UNSAFE_MODULES:
                    found.append(f"{where}: import {name}")
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        if name in UNSAFE_CALLS or name.split(".")[0] in UNSAFE_MODULES:
            found.append(f"{where}: {name}()")
        elif name == "yaml.load":
            loader = _dotted(_kw(node, "Loader") or (node.args[1] if len(node.args) > 1
                                                      else ast.Constant(None)))
            if not loader.endswith(("SafeLoader", "CSafeLoader", "BaseLoader")):
                found.append(f"{where}: yaml.load without a safe Loader")
        elif name == "torch.load" and not _is_true(_kw(node, "weights_only")):
            found.append(f"{where}: torch.load without weights_only=True")
        elif last == "load" and name.split(".")[0] in ("np", "numpy") and _is_true(
                _kw(node, "allow_pickle")):
            found.append(f"{where}: numpy load with allow_pickle=True")
        elif _is_true(_kw(node, "shell")):
            found.append(f"{where}: {name}(shell=True)")
        elif last == "from_pretrained" and _is_true(_kw(node, "trust_remote_code")):
            found.append(f"{where}: {name}(trust_remote_code=True)")
    return found


def _sources() -> Iterator[Path]:
    for folder in ("bot", "index", "bench"):
        yield from sorted((REPO / folder).rglob("*.py"))


def test_the_scanner_finds_what_it_looks_for() -> None:
    planted = """
import pickle
from joblib import load
import yaml, torch, numpy as np, subprocess
eval(data); exec(code)
yaml.load(text)
yaml.load(text, Loader=yaml.SafeLoader)
torch.load(path)
torch.load(path, weights_only=True)
np.load(p, allow_pickle=True)
np.load(p)
subprocess.run(cmd, shell=True)
AutoModel.from_pretrained(x, trust_remote_code=True)
"""
    found = unsafe_uses(planted)
    assert len(found) == 9, found
    assert not any(":7:" in f or ":9:" in f or ":11:" in f for f in found)  # the safe ones


def test_no_unsafe_deserialisation_or_code_execution_in_the_source() -> None:
    sources = list(_sources())
    assert len(sources) > 20 and any(p.parts[-2] == "bot" for p in sources)
    found = [f for path in sources
             for f in unsafe_uses(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))]
    assert found == []


# -- file permissions ------------------------------------------------------------------


@pytest.fixture
def lax_umask() -> Iterator[None]:
    old = os.umask(0o022)  # the common default: files 0644, folders 0755
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_data_dir_private_and_index_files_owner_only(settings: Settings, lax_umask: None) -> None:
    settings.data_dir.mkdir(mode=0o755)
    os.chmod(settings.data_dir, 0o755)  # made by someone else, readable by all
    create_citebot(settings.model_copy(update={"llm": "none"}), embedder=FakeEmbedder(),
                   detector=FakeDetector(), chat_model=None)
    from bot.repl import history_file

    history = history_file(settings)
    assert _mode(settings.data_dir) == 0o700
    index = settings.index_path.resolve()
    assert _mode(index) == 0o700
    files = [p for p in settings.data_dir.rglob("*") if p.is_file() and not p.is_symlink()]
    assert {p.name for p in files} >= {"index.faiss", "sentences.jsonl", "manifest.json",
                                       history.name}
    for p in files:
        assert _mode(p) == 0o600, p


def test_history_file_tightened_when_it_exists(settings: Settings, lax_umask: None) -> None:
    from bot.repl import history_file

    settings.ensure_data_dir()
    old = settings.data_dir / "chat_history.txt"
    old.write_text("une question\n")
    os.chmod(old, 0o644)
    assert history_file(settings) == old and _mode(old) == 0o600
    assert old.read_text() == "une question\n"


# -- secrets ---------------------------------------------------------------------------


def _is_secret(annotation: object) -> bool:
    return annotation is SecretStr or any(_is_secret(a) for a in typing.get_args(annotation))


SECRET_FIELDS = [name for name, f in Settings.model_fields.items() if _is_secret(f.annotation)]


def _secret_value(name: str) -> str:
    # Plain characters, so that any format a field may require still accepts it.
    return f"S3cr3tValue{name.replace('_', '')}9f8e7d6c5b4a"


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    assert "openai_api_key" in SECRET_FIELDS
    values = {name: _secret_value(name) for name in SECRET_FIELDS}
    for name, value in values.items():
        monkeypatch.setenv(f"CITEBOT_{name.upper()}", value)
    monkeypatch.setenv("CITEBOT_DATA_DIR", str(tmp_path / "data"))
    return values


def test_config_never_prints_secret_values(secret_env: dict[str, str]) -> None:
    for args in (["config"], ["config", "--json"]):
        result = run_cli(args)
        assert result.exit_code == 0, result.output
        for name, value in secret_env.items():
            assert f"{name.upper()}" in result.stdout.upper()  # listed…
            assert value not in result.output  # …but not shown
    shown = json.loads(run_cli(["config", "--json"]).stdout)
    assert all(shown[name] in ("**********", None) for name in secret_env)


def test_settings_repr_and_validation_errors_hide_secrets(
    secret_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = Settings()
    for name, value in secret_env.items():
        field = getattr(settings, name)
        assert field.get_secret_value() == value  # the secret is there, and in use
        assert value not in repr(settings) and value not in str(settings)
        assert value not in settings.model_dump_json()
    monkeypatch.setenv("CITEBOT_TOP_K", "not a number")
    with pytest.raises(ValidationError) as e:
        Settings()
    assert not any(v in str(e.value) for v in secret_env.values())
    from bot.cli import main

    monkeypatch.setattr("sys.argv", ["citebot", "config"])
    with pytest.raises(SystemExit):
        main()
    out = capsys.readouterr()
    assert "Invalid settings" in out.err
    assert not any(v in out.out + out.err for v in secret_env.values())


def test_api_key_sent_to_the_server_but_never_logged(
    secret_env: dict[str, str], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import bot.app

    key = secret_env["openai_api_key"]
    monkeypatch.setattr(bot.app, "make_embedder", lambda settings: FakeEmbedder())
    with fake_openai("error500") as server, caplog.at_level(logging.DEBUG):
        monkeypatch.setenv("CITEBOT_LLM", "openai")
        monkeypatch.setenv("CITEBOT_OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("CITEBOT_OPENAI_MODEL", "fake")
        monkeypatch.setenv("CITEBOT_ANSWER_THRESHOLD", "0.2")
        monkeypatch.setenv("CITEBOT_LOG_LEVEL", "DEBUG")
        result = run_cli(["ask", "--json", "Quels soldats américains ont trouvé la mort lors de "
                                         "l’embuscade de Palmyre ?"])
    sent = [v for h in server.headers for k, v in h.items() if k.lower() == "authorization"]
    assert sent and all(key in v for v in sent)  # the key was in play…
    assert len(caplog.records) > 5  # debug logging was on: the check below means something
    for value in secret_env.values():  # …and nowhere in what was logged or printed
        assert value not in caplog.text and value not in result.output
