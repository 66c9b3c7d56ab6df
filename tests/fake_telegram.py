"""A local fake of the Telegram Bot API, for end-to-end tests and the load benchmark.

It speaks the real wire format (``POST /bot<token>/<method>``, form or JSON in,
``{"ok": ..., "result": ...}`` out), so the bot under test runs unmodified with PTB's
``base_url`` pointed here. It records every call, validates HTML and length as Telegram
does, and fails on demand: 429 with ``retry_after``, 400 "message is too long" or
"can't parse entities", 5xx, and timeouts. Loopback only.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from aiohttp import web

BOT_ID = 7000001
BOT_USERNAME = "citebot_test_bot"
TOKEN = "123456789:" + "A" * 35
TELEGRAM_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code",
                 "pre", "blockquote", "tg-spoiler", "span", "tg-emoji"}
# Parameters that are strings even when they look like JSON ("42", "true").
STRING_PARAMS = {"text", "parse_mode", "url", "secret_token", "action", "description",
                 "language_code", "ip_address"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    at: float


@dataclass
class Fault:
    """One injected failure: an HTTP status with a description, or a delay (timeout)."""

    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    delay_s: float = 0.0

    @classmethod
    def rate_limit(cls, seconds: int = 1) -> Fault:
        return cls(429, f"Too Many Requests: retry after {seconds}", retry_after=seconds)

    @classmethod
    def too_long(cls) -> Fault:
        return cls(400, "Bad Request: message is too long")

    @classmethod
    def bad_entities(cls) -> Fault:
        return cls(400, "Bad Request: can't parse entities: unsupported start tag")

    @classmethod
    def timeout(cls, seconds: float) -> Fault:
        return cls(0, "timeout", delay_s=seconds)


class _TelegramHTML(HTMLParser):
    """Checks HTML the way the Bot API does, and measures the text it would show."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.error: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TELEGRAM_TAGS:
            self.error = self.error or f"Unsupported start tag \"{tag}\""
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = self.error or f"Can't find end tag corresponding to start tag {tag}"

    def handle_data(self, data: str) -> None:
        # Raw data: a '<' or '>' here was not escaped, which Telegram refuses.
        if "<" in data or ">" in data:
            self.error = self.error or "Unexpected character"
        self.text.append(data)

    def handle_entityref(self, name: str) -> None:
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in named:
            self.error = self.error or f"Unsupported HTML entity &{name};"
        self.text.append(named.get(name, ""))

    def handle_charref(self, name: str) -> None:
        self.text.append(chr(int(name[1:], 16) if name[:1] in "xX" else int(name)))


def parse_html(text: str) -> tuple[str, str | None]:
    """(the text Telegram would display, an error message or None)."""
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.stack and not parser.error:
        parser.error = f"Can't find end tag corresponding to start tag {parser.stack[-1]}"
    return "".join(parser.text), parser.error


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class SentMessage:
    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_to: int | None
    edits: int = 0
    updated_at: float = field(default_factory=time.monotonic)


@dataclass
class FakeTelegram:
    """The server's state; ``start()`` binds it to 127.0.0.1 on a free port."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], SentMessage] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    random_fault_rate: float = 0.0
    random_fault_methods: frozenset[str] = frozenset()
    faults_injected: int = 0
    _faults: dict[str, list[Fault]] = field(default_factory=dict)
    _updates: list[dict[str, Any]] = field(default_factory=list)
    pushed: dict[int, dict[str, Any]] = field(default_factory=dict)
    _new_update: asyncio.Event = field(default_factory=asyncio.Event)
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _rng: random.Random = field(default_factory=lambda: random.Random(7))
    _runner: web.AppRunner | None = None
    port: int = 0

    # ---- lifecycle -----------------------------------------------------------------
    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # ---- what the test drives ------------------------------------------------------
    def inject(self, method: str, *faults: Fault) -> None:
        self._faults.setdefault(method, []).extend(faults)

    def push(self, update: dict[str, Any]) -> int:
        update_id = next(self._update_ids)
        self.pushed[update_id] = {"update_id": update_id, **update}
        self._updates.append(self.pushed[update_id])
        self._new_update.set()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Send an update again, as Telegram does when its receipt was not confirmed."""
        self._updates.append(self.pushed[update_id])
        self._new_update.set()

    def push_text(self, chat_id: int, text: str, *, user_id: int | None = None,
                  language_code: str = "en", chat_type: str = "private",
                  reply_to_bot: bool = False) -> int:
        """A user's message (its message id is returned); commands and mentions carry
        their entities, as Telegram's do."""
        entities = []
        if text.startswith("/"):
            entities.append({"type": "bot_command", "offset": 0,
                             "length": len(text.split()[0])})
        mention = f"@{BOT_USERNAME}"
        if mention in text:
            entities.append({"type": "mention", "offset": text.index(mention),
                             "length": len(mention)})
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = f"group {chat_id}"
        message_id = next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id, "date": int(time.time()), "chat": chat,
            "from": {"id": user_id if user_id is not None else chat_id, "is_bot": False,
                     "first_name": "Reader", "language_code": language_code},
            "text": text, "entities": entities,
        }
        if reply_to_bot:
            message["reply_to_message"] = {
                "message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                "from": self._bot_user(), "text": "earlier answer",
            }
        self.push({"message": message})
        return message_id

    def sent(self, chat_id: int | None = None) -> list[SentMessage]:
        """Messages the bot has in each chat, in the order they were first sent."""
        return [m for m in self.messages.values() if chat_id is None or m.chat_id == chat_id]

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, condition: Callable[[], bool], timeout_s: float = 30.0) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if time.monotonic() > deadline:
                raise TimeoutError("the fake Telegram server waited in vain")
            await asyncio.sleep(0.02)

    # ---- the Bot API ---------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append(Call(method, params, time.monotonic()))
        fault = self._next_fault(method)
        if fault is not None:
            self.faults_injected += 1
            if fault.delay_s:
                await asyncio.sleep(fault.delay_s)  # the client gives up first
                return self._error(504, "Gateway Timeout")
            return self._error(fault.status, fault.description, fault.retry_after)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return self._error(404, f"Not Found: method {method}")
        result = handler(params)
        if asyncio.iscoroutine(result):
            result = await result
        if isinstance(result, web.Response):
            return result
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        out: dict[str, Any] = {}
        for key, value in (await request.post()).items():
            if key in STRING_PARAMS or not isinstance(value, str):
                out[key] = value
                continue
            try:
                out[key] = json.loads(value)
            except ValueError:
                out[key] = value
        return out

    def _next_fault(self, method: str) -> Fault | None:
        queued = self._faults.get(method)
        if queued:
            return queued.pop(0)
        if method in self.random_fault_methods and self._rng.random() < self.random_fault_rate:
            return self._rng.choice([Fault.rate_limit(1), Fault(502, "Bad Gateway"),
                                     Fault.timeout(3.0)])
        return None

    @staticmethod
    def _error(status: int, description: str, retry_after: int | None = None) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if retry_after is not None:
            body["parameters"] = {"retry_after": retry_after}
        return web.json_response(body, status=status)

    def _bot_user(self) -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "citebot", "username": BOT_USERNAME}

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self._bot_user(), "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    async def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if not self._updates:
            self._new_update.clear()
            timeout = float(params.get("timeout") or 0)
            try:
                await asyncio.wait_for(self._new_update.wait(), timeout)
            except TimeoutError:
                return []
        return self._updates[:limit]

    def _check_text(self, params: dict[str, Any]) -> web.Response | None:
        text = str(params.get("text", ""))
        shown = text
        if params.get("parse_mode") == "HTML":
            shown, error = parse_html(text)
            if error:
                return self._error(400, f"Bad Request: can't parse entities: {error}")
        if not shown.strip():
            return self._error(400, "Bad Request: message text is empty")
        if utf16_len(shown) > 4096:
            return self._error(400, "Bad Request: message is too long")
        return None

    def _message(self, chat_id: int, message_id: int, text: str) -> dict[str, Any]:
        return {"message_id": message_id, "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
                "from": self._bot_user(), "text": text}

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        rejected = self._check_text(params)
        if rejected is not None:
            return rejected
        chat_id = int(params["chat_id"])
        message_id = next(self._message_ids)
        reply = params.get("reply_parameters") or {}
        self.messages[(chat_id, message_id)] = SentMessage(
            chat_id, message_id, params["text"], params.get("parse_mode"),
            reply.get("message_id") if isinstance(reply, dict) else None,
        )
        return self._message(chat_id, message_id, params["text"])

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | web.Response:
        key = (int(params["chat_id"]), int(params["message_id"]))
        if key not in self.messages:
            return self._error(400, "Bad Request: message to edit not found")
        rejected = self._check_text(params)
        if rejected is not None:
            return rejected
        sent = self.messages[key]
        if sent.text == params["text"] and sent.parse_mode == params.get("parse_mode"):
            return self._error(400, "Bad Request: message is not modified")
        sent.text, sent.parse_mode = params["text"], params.get("parse_mode")
        sent.edits += 1
        sent.updated_at = time.monotonic()
        return self._message(key[0], key[1], sent.text)

    def _api_sendChatAction(self, params: dict[str, Any]) -> bool:
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = dict(params)
        return True

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        self.webhook = {}
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True
