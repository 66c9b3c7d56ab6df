"""Chats as the Telegram bot sees them: stored conversations, one question at a time each.

Answers are computed in a small thread pool (the chain is synchronous and CPU-bound);
a per-chat lock keeps a chat's questions in arrival order and never interleaved, while
different chats proceed concurrently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from bot.app import Citebot
from bot.telegram.store import ChatStore
from bot.types import Answer, Lang
from index.errors import CitebotError

log = logging.getLogger(__name__)


def user_lang(language_code: str | None) -> Lang:
    """Telegram's client language, folded to the two we speak (English by default)."""
    return "fr" if (language_code or "").lower().startswith("fr") else "en"


@dataclass
class ChatService:
    citebot: Citebot
    store: ChatStore
    executor: ThreadPoolExecutor
    _locks: dict[int, asyncio.Lock] = field(default_factory=dict)
    _users: dict[int, int] = field(default_factory=dict)

    @asynccontextmanager
    async def turn(self, chat_id: int) -> AsyncIterator[None]:
        """Hold the chat: later questions in the same chat wait, in order (FIFO lock)."""
        lock = self._locks.setdefault(chat_id, asyncio.Lock())
        self._users[chat_id] = self._users.get(chat_id, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[chat_id] -= 1
            if not self._users[chat_id]:  # bounded memory over many chats
                del self._users[chat_id], self._locks[chat_id]

    def lang(self, chat_id: int, language_code: str | None) -> Lang:
        return self.store.forced_lang(chat_id) or user_lang(language_code)

    async def ask(self, chat_id: int, question: str,
                  on_token: Callable[[str], None] | None = None) -> Answer:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self._ask, chat_id, question, on_token)

    def _ask(self, chat_id: int, question: str,
             on_token: Callable[[str], None] | None) -> Answer:
        conversation = self.store.conversation(chat_id)
        answer = self.citebot.ask(question, conversation, on_token)
        try:
            self.store.add_turn(chat_id, conversation.turns[-1])
        except CitebotError as e:
            # The reader still gets the answer; only the follow-up context is lost.
            log.error("chat %s: history not saved: %s", chat_id, e)
        return answer

    def reset(self, chat_id: int) -> None:
        self.store.reset(chat_id)

    def set_lang(self, chat_id: int, lang: Lang | None) -> None:
        self.store.set_lang(chat_id, lang)
