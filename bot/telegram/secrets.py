"""The bot token: read once, checked, and kept out of every log line and error."""

from __future__ import annotations

import logging
import re

from bot.settings import Settings
from index.errors import CitebotError

TOKEN_SHAPE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,100}$")
MASK = "<token>"


def load_token(settings: Settings) -> str:
    """The token from the settings or its file; a clear error (without it) if unusable."""
    if settings.telegram_token is not None:
        token = settings.telegram_token.get_secret_value().strip()
    elif settings.telegram_token_file is not None:
        try:
            token = settings.telegram_token_file.expanduser().read_text().strip()
        except OSError as e:
            raise CitebotError(
                f"Cannot read the Telegram token file {settings.telegram_token_file}: "
                f"{e.strerror}."
            ) from None
    else:
        raise CitebotError(
            "No Telegram token: set CITEBOT_TELEGRAM_TOKEN (or CITEBOT_TELEGRAM_TOKEN_FILE) "
            "to the token @BotFather gave you."
        )
    if not TOKEN_SHAPE.match(token):
        # Never echo the value: a half-pasted token is still a secret.
        raise CitebotError(
            "The Telegram token is malformed: expected digits, a colon and 30+ letters, "
            "digits, '_' or '-' (as @BotFather prints it)."
        )
    return token


class RedactingFormatter(logging.Formatter):
    """Wraps a formatter and masks secrets in the final text, tracebacks included."""

    def __init__(self, inner: logging.Formatter | None, secrets: list[str]) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()
        self.secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = self.inner.format(record)
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text


def redact_logs(*secrets: str) -> None:
    """Mask ``secrets`` in everything the root logger's handlers write from now on."""
    # httpx logs every request URL at INFO, and the Bot API puts the token in the URL.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for handler in logging.getLogger().handlers:
        if not isinstance(handler.formatter, RedactingFormatter):
            handler.setFormatter(RedactingFormatter(handler.formatter, list(secrets)))
