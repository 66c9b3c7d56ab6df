"""Getting messages to Telegram despite its real behaviour.

Flood control (429 with ``retry_after``) is waited out, timeouts and 5xx are retried
with back-off, HTML that Telegram refuses is resent as plain text, and a message it
finds too long is cut smaller. ``Draft`` shows a streamed answer by throttled edits.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Bot, Message, ReplyParameters
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError

from bot.telegram.format import LIMIT, Outgoing, draft_text, format_text, pack

log = logging.getLogger(__name__)
T = TypeVar("T")
MIN_SPLIT = 256


def _seconds(value: int | float | dt.timedelta) -> float:
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def _says(error: BadRequest, *needles: str) -> bool:
    text = error.message.lower()
    return any(n in text for n in needles)


class Courier:
    """Sends and edits messages for one bot, retrying what is worth retrying."""

    def __init__(self, bot: Bot, attempts: int = 4, backoff_s: float = 1.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.bot = bot
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.sleep = sleep

    async def call(self, method: Callable[..., Awaitable[T]], **kwargs: Any) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                return await method(**kwargs)
            except RetryAfter as e:  # the rate limiter's own retries ran out
                if attempt == self.attempts:
                    raise
                await self.sleep(_seconds(e.retry_after))
            except BadRequest:
                raise  # a 400 will not get better by asking again
            except NetworkError as e:  # timeouts and 5xx
                if attempt == self.attempts:
                    raise
                log.warning("Telegram call failed (%s), retry %d", type(e).__name__, attempt)
                await self.sleep(self.backoff_s * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    async def send(self, chat_id: int, messages: list[Outgoing],
                   reply_to: int | None = None, edit_id: int | None = None) -> list[int]:
        """Send ``messages`` in order; the first replaces message ``edit_id`` if given."""
        sent: list[int] = []
        for i, out in enumerate(messages):
            if i == 0 and edit_id is not None:
                sent.extend(await self._edit(chat_id, edit_id, out, reply_to))
            else:
                sent.extend(await self._send(chat_id, out, reply_to if i == 0 else None))
        return sent

    async def _send(self, chat_id: int, out: Outgoing, reply_to: int | None,
                    html: bool = True) -> list[int]:
        reply = ReplyParameters(reply_to, allow_sending_without_reply=True) if reply_to else None
        try:
            message: Message = await self.call(
                self.bot.send_message, chat_id=chat_id, text=out.html if html else out.plain,
                parse_mode=ParseMode.HTML if html else None, reply_parameters=reply,
                disable_web_page_preview=True,
            )
            return [message.message_id]
        except BadRequest as e:
            if html and _says(e, "can't parse entities", "unsupported start tag"):
                log.warning("Telegram rejected the HTML (%s): sending plain text", e.message)
                return await self._send(chat_id, out, reply_to, html=False)
            if _says(e, "message is too long") and len(out.html) > MIN_SPLIT:
                # Telegram measured differently from us: cut in halves until it agrees.
                smaller = pack(out.blocks, max(MIN_SPLIT, min(LIMIT, len(out.html)) // 2))
                return await self.send(chat_id, smaller, reply_to)
            raise

    async def _edit(self, chat_id: int, message_id: int, out: Outgoing,
                    reply_to: int | None, html: bool = True) -> list[int]:
        try:
            await self.call(
                self.bot.edit_message_text, chat_id=chat_id, message_id=message_id,
                text=out.html if html else out.plain,
                parse_mode=ParseMode.HTML if html else None, disable_web_page_preview=True,
            )
            return [message_id]
        except BadRequest as e:
            if _says(e, "message is not modified"):
                return [message_id]
            if html and _says(e, "can't parse entities", "unsupported start tag"):
                return await self._edit(chat_id, message_id, out, reply_to, html=False)
            # Whatever else is wrong with the draft, the answer still goes out.
            log.warning("could not edit the draft (%s): sending a new message", e.message)
            return await self._send(chat_id, out, reply_to)


class Draft:
    """A streamed answer shown as one message, edited at most every ``interval_s``."""

    def __init__(self, courier: Courier, chat_id: int, interval_s: float,
                 reply_to: int | None = None) -> None:
        self.courier = courier
        self.chat_id = chat_id
        self.interval_s = interval_s
        self.reply_to = reply_to
        self.message_id: int | None = None
        self._parts: list[str] = []
        self._changed = asyncio.Event()
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def feed(self, token: str) -> None:
        """Called on the event loop (see ``threadsafe_feeder``) with each new token."""
        self._parts.append(token)
        self._changed.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    def threadsafe_feeder(self) -> Callable[[str], None]:
        loop = asyncio.get_running_loop()

        def feed(token: str) -> None:
            loop.call_soon_threadsafe(self.feed, token)

        return feed

    async def _run(self) -> None:
        while not self._stopped.is_set():
            await self._changed.wait()
            if self._stopped.is_set():
                return
            self._changed.clear()
            text = draft_text(self._parts)
            try:
                if self.message_id is None:
                    ids = await self.courier.send(self.chat_id, format_text(text), self.reply_to)
                    self.message_id = ids[0]
                else:
                    await self.courier.bot.edit_message_text(
                        chat_id=self.chat_id, message_id=self.message_id, text=text
                    )
            except TelegramError as e:  # a lost draft edit is cosmetic
                log.info("draft update skipped: %s", e)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopped.wait(), self.interval_s)

    async def finish(self) -> int | None:
        """Stop editing (an edit in flight completes); the draft's message id, if any."""
        self._stopped.set()
        self._changed.set()
        if self._task is not None:
            await self._task
        return self.message_id


async def keep_typing(bot: Bot, chat_id: int, every_s: float = 4.5) -> None:
    """Show "typing…" until cancelled; Telegram clears it after about five seconds."""
    while True:
        try:
            await bot.send_chat_action(chat_id=chat_id, action=ChatAction.TYPING)
        except TelegramError as e:
            log.debug("chat action failed: %s", e)
        await asyncio.sleep(every_s)
