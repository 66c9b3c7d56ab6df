"""Per-chat conversation state in SQLite, so a restart forgets nothing.

WAL mode with full sync: every turn is committed before the answer is sent, and a
``kill -9`` loses at most the answer being computed, never a stored one. Plain SQL on
the standard library's ``sqlite3``: two small tables need no ORM.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

from bot.conversation import Conversation, Turn
from bot.types import Lang
from index.errors import CitebotError

SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    chat_id INTEGER PRIMARY KEY,
    forced_lang TEXT CHECK (forced_lang IN ('fr', 'en')),
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    language TEXT NOT NULL,
    cited_ids TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS turns_by_chat ON turns (chat_id, id);
CREATE TABLE IF NOT EXISTS handled_updates (
    update_id INTEGER PRIMARY KEY,
    handled REAL NOT NULL
);
"""


class ChatStore:
    """Conversations by chat id. Thread-safe: answers are computed in worker threads."""

    def __init__(self, path: Path, max_turns: int) -> None:
        self.path = path
        self.max_turns = max_turns
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            path.touch(mode=0o600, exist_ok=True)
            path.chmod(0o600)
            self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as e:
            raise CitebotError(f"Cannot open the chat history database {path}: {e}") from e

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:  # disk full, locked, corrupt: the old state stays
                raise CitebotError(f"Could not save the chat history: {e}") from e

    def conversation(self, chat_id: int) -> Conversation:
        with self._lock:
            row = self._db.execute(
                "SELECT forced_lang FROM chats WHERE chat_id = ?", (chat_id,)
            ).fetchone()
            rows = self._db.execute(
                "SELECT question, answer, language, cited_ids FROM turns WHERE chat_id = ? "
                "ORDER BY id DESC LIMIT ?", (chat_id, self.max_turns),
            ).fetchall()
        conversation = Conversation(max_turns=self.max_turns,
                                    forced_lang=cast(Lang | None, row[0] if row else None))
        for question, answer, language, cited in reversed(rows):
            conversation.add(Turn(question, answer, language, tuple(json.loads(cited))))
        return conversation

    def add_turn(self, chat_id: int, turn: Turn) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO turns (chat_id, question, answer, language, cited_ids, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (chat_id, turn.question, turn.answer, turn.language,
                 json.dumps(list(turn.cited_ids)), time.time()),
            )
            # Bounded history: only the turns a conversation can use are kept.
            db.execute(
                "DELETE FROM turns WHERE chat_id = ? AND id NOT IN "
                "(SELECT id FROM turns WHERE chat_id = ? ORDER BY id DESC LIMIT ?)",
                (chat_id, chat_id, self.max_turns),
            )

    def reset(self, chat_id: int) -> None:
        with self._tx() as db:
            db.execute("DELETE FROM turns WHERE chat_id = ?", (chat_id,))

    def set_lang(self, chat_id: int, lang: Lang | None) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO chats (chat_id, forced_lang, updated) VALUES (?, ?, ?) "
                "ON CONFLICT (chat_id) DO UPDATE SET forced_lang = excluded.forced_lang, "
                "updated = excluded.updated",
                (chat_id, lang, time.time()),
            )

    def forced_lang(self, chat_id: int) -> Lang | None:
        with self._lock:
            row = self._db.execute(
                "SELECT forced_lang FROM chats WHERE chat_id = ?", (chat_id,)
            ).fetchone()
        return cast(Lang | None, row[0] if row else None)

    def handled(self, update_id: int) -> bool:
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM handled_updates WHERE update_id = ?", (update_id,)
            ).fetchone()
        return row is not None

    def mark_handled(self, update_id: int, keep: int = 100_000) -> None:
        """Remember an answered update: Telegram resends updates whose receipt was not
        confirmed before a stop, and a reader should not get the same answer twice."""
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO handled_updates VALUES (?, ?)",
                       (update_id, time.time()))
            db.execute("DELETE FROM handled_updates WHERE update_id <= ?", (update_id - keep,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
