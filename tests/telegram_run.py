"""Runs a real ``Application`` against ``FakeTelegram`` inside the test's event loop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from pydantic import SecretStr
from telegram.ext import AIORateLimiter, Application

from bot.app import Citebot
from bot.settings import Settings
from bot.telegram.application import build_application
from tests.fake_telegram import FakeTelegram


def bot_settings(settings: Settings, server: FakeTelegram, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "telegram_token": SecretStr(server.token), "telegram_base_url": server.base_url,
        "telegram_edit_interval_s": 0.2, "telegram_timeout_s": 1.0, **overrides,
    }
    return settings.model_copy(update=values)


@asynccontextmanager
async def polling(settings: Settings, citebot: Citebot,
                  **build: Any) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """Start, poll, and on exit stop the way ``run_polling`` does on SIGTERM."""
    build.setdefault("rate_limiter", AIORateLimiter(max_retries=3))
    build.setdefault("courier_backoff_s", 0.05)
    app = build_application(settings, citebot, **build)
    await app.initialize()
    if app.post_init:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown:
            await app.post_shutdown(app)
