"""Telegram handlers: each reads the update, calls the service, sends what comes back."""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import cast

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.inputs import BadQuestion
from bot.messages import message
from bot.telegram.access import AllowList, RateLimiter
from bot.telegram.delivery import Courier, Draft, keep_typing
from bot.telegram.format import format_answer, format_text
from bot.telegram.service import ChatService, user_lang
from bot.types import Lang
from index.errors import CitebotError

log = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE


@dataclass
class Deps:
    """Everything the handlers share, kept in ``application.bot_data``."""

    service: ChatService
    courier: Courier
    allow: AllowList
    limiter: RateLimiter
    edit_interval_s: float
    streaming: bool


def deps(context: Context) -> Deps:
    return cast(Deps, context.bot_data["deps"])


def _ids(update: Update) -> tuple[int, int | None, str | None]:
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None  # the filters only let chat messages through
    return chat.id, user.id if user else None, user.language_code if user else None


async def _say(context: Context, update: Update, key: str, **values: object) -> None:
    chat_id, _, code = _ids(update)
    text = message(key, deps(context).service.lang(chat_id, code), **values)
    await deps(context).courier.send(chat_id, format_text(text))


def addressed_text(msg: Message, username: str, bot_id: int) -> str | None:
    """The question in ``msg`` if it is meant for the bot: always in private chats; in
    groups only when the bot is mentioned (mention removed) or replied to."""
    text = msg.text or ""
    if msg.chat.type == ChatType.PRIVATE:
        return text
    mention = re.compile(rf"@{re.escape(username)}\b", re.IGNORECASE)
    if mention.search(text):
        return mention.sub(" ", text).strip()
    replied = msg.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot_id:
        return text
    return None


async def gate(update: Update, context: Context) -> None:
    """Runs first: nothing is computed for users or chats outside the allow-list, nor
    again for an update answered before a restart."""
    if deps(context).service.store.handled(update.update_id):
        log.info("update %s was handled before a restart: skipped", update.update_id)
        raise ApplicationHandlerStop
    chat_id, user_id, _ = _ids(update) if update.effective_chat else (None, None, None)
    if deps(context).allow.allows(user_id, chat_id):
        return
    log.info("refused user %s in chat %s", user_id, chat_id)
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await _say(context, update, "not_allowed")
    raise ApplicationHandlerStop


async def handled(update: Update, context: Context) -> None:
    """Runs last, once the reply is out: the update will not be answered again."""
    try:
        deps(context).service.store.mark_handled(update.update_id)
    except CitebotError as e:
        log.error("could not record update %s as handled: %s", update.update_id, e)


async def start(update: Update, context: Context) -> None:
    chat_id, _, code = _ids(update)
    lang = deps(context).service.lang(chat_id, code)
    text = message("start", lang, help=message("help_telegram", lang))
    await deps(context).courier.send(chat_id, format_text(text))


async def help_command(update: Update, context: Context) -> None:
    await _say(context, update, "help_telegram")


async def sources(update: Update, context: Context) -> None:
    chat_id, _, code = _ids(update)
    lang = deps(context).service.lang(chat_id, code)
    lines = [message("sources", lang, title=s.title, sentences=s.sentences)
             for s in deps(context).service.citebot.sources()]
    await deps(context).courier.send(chat_id, format_text("\n".join(lines)))


async def reset(update: Update, context: Context) -> None:
    chat_id, _, _ = _ids(update)
    async with deps(context).service.turn(chat_id):
        deps(context).service.reset(chat_id)
    await _say(context, update, "reset")


async def lang(update: Update, context: Context) -> None:
    chat_id, _, code = _ids(update)
    choice = (context.args or [""])[0].lower() if len(context.args or []) == 1 else ""
    if choice not in ("fr", "en", "auto"):
        await _say(context, update, "lang_usage")
        return
    deps(context).service.set_lang(chat_id, None if choice == "auto" else cast(Lang, choice))
    await _say(context, update, "lang_set", choice=choice)


async def question(update: Update, context: Context) -> None:
    msg = update.effective_message
    assert msg is not None and msg.text is not None  # filters.TEXT guarantees it
    text = addressed_text(msg, context.bot.username, context.bot.id)
    if text is None:
        return
    chat_id, user_id, code = _ids(update)
    wait = deps(context).limiter.retry_after(user_id or chat_id)
    if wait:
        await _say(context, update, "rate_limited", seconds=max(1, round(wait)))
        return
    async with deps(context).service.turn(chat_id):
        await answer(deps(context), chat_id, msg, text, code)


async def answer(d: Deps, chat_id: int, msg: Message, text: str, code: str | None) -> None:
    """Typing, a streamed draft if the model streams, then the verified answer."""
    # Replying to the question ties each answer to it when several wait in one chat.
    reply_to = msg.message_id
    typing = asyncio.create_task(keep_typing(d.courier.bot, chat_id))
    draft = Draft(d.courier, chat_id, d.edit_interval_s, reply_to)
    try:
        # Groups allow 20 messages a minute: there only the verified answer is sent.
        stream = d.streaming and msg.chat.type == ChatType.PRIVATE
        result = await d.service.ask(chat_id, text, draft.threadsafe_feeder() if stream else None)
        outgoing = format_answer(result)
    except BadQuestion as e:  # no words to detect a language from: use the reader's
        outgoing = format_text(message(e.key, d.service.lang(chat_id, code)))
    except CitebotError as e:  # written for the user: say it as it is
        outgoing = format_text(str(e))
    finally:
        typing.cancel()
        draft_id = await draft.finish()
    await d.courier.send(chat_id, outgoing, reply_to, edit_id=draft_id)


async def on_error(update: object, context: Context) -> None:
    """Everything unexpected: logged with its traceback, the user gets an apology."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    try:
        text = message("apology", user_lang(user.language_code if user else None))
        await context.bot.send_message(update.effective_chat.id, text)
    except Exception:  # the apology is best effort; the error is logged already
        log.warning("could not send the apology", exc_info=True)
