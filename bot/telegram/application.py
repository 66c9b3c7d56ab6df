"""The Telegram application: built in one place, run by long polling or a webhook."""

from __future__ import annotations

import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlparse

from telegram import BotCommand, Update
from telegram.ext import (
    AIORateLimiter,
    Application,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import Citebot
from bot.settings import Settings
from bot.telegram import handlers
from bot.telegram.access import AllowList, RateLimiter
from bot.telegram.delivery import Courier
from bot.telegram.secrets import load_token, redact_logs
from bot.telegram.service import ChatService
from bot.telegram.store import ChatStore
from index.errors import CitebotError

log = logging.getLogger(__name__)

COMMANDS = {
    "en": [("help", "How to use the bot"), ("sources", "The articles I answer from"),
           ("reset", "Start a new conversation"), ("lang", "Answer language: fr, en or auto")],
    "fr": [("help", "Mode d’emploi"), ("sources", "Les articles sources"),
           ("reset", "Nouvelle conversation"), ("lang", "Langue des réponses : fr, en, auto")],
}
UPDATES = [Update.MESSAGE]


def build_application(
    settings: Settings,
    citebot: Citebot,
    *,
    store: ChatStore | None = None,
    rate_limiter: AIORateLimiter | None = None,
    courier_backoff_s: float = 1.0,
) -> Application:  # type: ignore[type-arg]
    """The whole bot: handlers, access control, storage, rate limits, error handling."""
    token = load_token(settings)
    redact_logs(token)
    settings.ensure_data_dir()
    store = store or ChatStore(settings.history_path, settings.history_turns)
    executor = ThreadPoolExecutor(settings.telegram_workers, thread_name_prefix="answer")

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        for code, commands in COMMANDS.items():
            await app.bot.set_my_commands(
                [BotCommand(n, d) for n, d in commands],
                language_code=None if code == "en" else code,
            )

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        # Handlers have finished by now (Application.stop waits for them).
        executor.shutdown(wait=True)
        store.close()

    app = (
        Application.builder()
        .token(token)
        .base_url(settings.telegram_base_url)
        .read_timeout(settings.telegram_timeout_s)
        .write_timeout(settings.telegram_timeout_s)
        .connect_timeout(settings.telegram_timeout_s)
        .pool_timeout(settings.telegram_timeout_s)
        .rate_limiter(rate_limiter or AIORateLimiter(max_retries=3))
        .concurrent_updates(True)  # chats in parallel; ChatService orders each chat
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    app.bot_data["deps"] = handlers.Deps(
        service=ChatService(citebot, store, executor),
        courier=Courier(app.bot, backoff_s=courier_backoff_s),
        allow=AllowList.of(settings.allowed_users, settings.allowed_chats),
        limiter=RateLimiter(settings.user_questions_per_minute, 60.0),
        edit_interval_s=settings.telegram_edit_interval_s,
        streaming=citebot.qa.generator is not None,
    )
    app.add_handler(TypeHandler(Update, handlers.gate), group=-1)
    for name, callback in [("start", handlers.start), ("help", handlers.help_command),
                           ("sources", handlers.sources), ("reset", handlers.reset),
                           ("lang", handlers.lang)]:
        app.add_handler(CommandHandler(name, callback))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, handlers.question))
    app.add_handler(TypeHandler(Update, handlers.handled), group=1)
    app.add_error_handler(handlers.on_error)
    return app


def webhook_secret(settings: Settings) -> str:
    if settings.webhook_secret is not None:
        secret = settings.webhook_secret.get_secret_value()
        if not secret or len(secret) > 256 or not all(c.isalnum() or c in "_-" for c in secret):
            raise CitebotError("CITEBOT_WEBHOOK_SECRET may hold 1-256 of A-Z a-z 0-9 _ -.")
        return secret
    return secrets.token_urlsafe(32)


def run(settings: Settings, app: Application) -> None:  # type: ignore[type-arg]
    """Serve until SIGINT/SIGTERM; in-flight answers finish, stored state is committed."""
    if settings.webhook_url:
        url = urlparse(settings.webhook_url)
        if url.scheme != "https" or not url.hostname:
            raise CitebotError("CITEBOT_WEBHOOK_URL must be an https:// URL Telegram can reach.")
        secret = webhook_secret(settings)
        redact_logs(secret)
        log.info("webhook on %s:%d%s", settings.webhook_listen, settings.webhook_port, url.path)
        app.run_webhook(
            listen=settings.webhook_listen, port=settings.webhook_port,
            url_path=url.path.lstrip("/"), webhook_url=settings.webhook_url,
            secret_token=secret, allowed_updates=UPDATES,
        )
    else:
        log.info("long polling")
        app.run_polling(allowed_updates=UPDATES)
