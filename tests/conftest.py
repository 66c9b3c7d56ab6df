from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

from bot.settings import Settings

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "articles" / "palmyre.fr.txt"
MODELS = Path(os.environ.get("CITEBOT_TEST_MODELS_DIR", REPO / "data" / "models"))

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> None:
    # The network is off in tests: loopback and unix sockets only.
    if isinstance(address, tuple):
        host = str(address[0])
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise ConnectionRefusedError(f"network access in tests: {address!r}")
    _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if key.startswith("CITEBOT_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)  # no stray .env, and relative data dirs land in tmp


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", articles=[ARTICLE], models_dir=MODELS)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``citebot`` as a user runs it, with the fake embedder behind the real factory."""
    import bot.app
    from tests.fakes import FakeEmbedder

    monkeypatch.setenv("CITEBOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("CITEBOT_ANSWER_THRESHOLD", "0.2")
    monkeypatch.setenv("CITEBOT_LLM", "none")
    monkeypatch.setattr(bot.app, "make_embedder", lambda settings: FakeEmbedder())
    return tmp_path / "data"
