"""Chat history in SQLite: concurrent chats, ``kill -9``, a full disk, restarts."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.conversation import Turn
from bot.telegram.store import ChatStore
from index.errors import CitebotError
from tests.conftest import REPO


def turn(i: int) -> Turn:
    return Turn(f"question {i}", f"answer {i} [1]", "fr", (f"a:{i}",))


def test_history_is_bounded_ordered_and_survives_reopening(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "h.sqlite3", max_turns=3)
    for i in range(5):
        store.add_turn(1, turn(i))
    store.add_turn(2, turn(99))
    store.set_lang(1, "en")
    store.close()
    again = ChatStore(tmp_path / "h.sqlite3", max_turns=3)
    conversation = again.conversation(1)
    assert [t.question for t in conversation.turns] == ["question 2", "question 3", "question 4"]
    assert conversation.turns[-1].cited_ids == ("a:4",)
    assert conversation.forced_lang == "en" and again.conversation(2).forced_lang is None
    again.reset(1)
    assert not again.conversation(1).turns and again.conversation(2).turns
    assert (tmp_path / "h.sqlite3").stat().st_mode & 0o777 == 0o600


def test_concurrent_chats_lose_nothing(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "h.sqlite3", max_turns=50)

    def chat(chat_id: int) -> None:
        for i in range(40):
            store.add_turn(chat_id, turn(i))

    threads = [threading.Thread(target=chat, args=(c,)) for c in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for c in range(8):
        assert [t.question for t in store.conversation(c).turns] == [
            f"question {i}" for i in range(40)]


WRITER = """
import sys
from pathlib import Path
from bot.conversation import Turn
from bot.telegram.store import ChatStore
store = ChatStore(Path(sys.argv[1]), max_turns=1000)
i = 0
while True:
    store.add_turn(i % 4, Turn(f"q{i}", f"a{i}", "en", ("x:1",)))
    print(i, flush=True)  # acknowledged: committed
    i += 1
"""


def test_kill_9_keeps_every_acknowledged_turn_and_a_sound_database(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite3"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(db)], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    acknowledged = -1
    for line in writer.stdout:
        acknowledged = int(line)
        if acknowledged >= 200:
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    store = ChatStore(db, max_turns=1000)
    stored = {t.question for c in range(4) for t in store.conversation(c).turns}
    assert {f"q{i}" for i in range(acknowledged + 1)} <= stored


def test_a_full_disk_is_an_error_and_the_old_state_stays(tmp_path: Path) -> None:
    store = ChatStore(tmp_path / "h.sqlite3", max_turns=10_000)
    store.add_turn(1, turn(0))
    # SQLite's own quota gives the same SQLITE_FULL a full disk gives.
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")
    big = Turn("q", "x" * 20_000, "en", ())
    with pytest.raises(CitebotError, match="full"):
        for _ in range(50):
            store.add_turn(1, big)
    assert [t.question for t in store.conversation(1).turns][0] == "question 0"
    store.close()
    assert ChatStore(tmp_path / "h.sqlite3", 10).conversation(1).turns[0].answer == "answer 0 [1]"
