"""The one user-facing error type.

It lives at the lowest layer so that ``index`` can raise it without importing ``bot``;
interfaces turn it into a CLI message or a Telegram reply. Anything else is a bug and
goes to the logging error handler.
"""


class CitebotError(Exception):
    """An error whose message is written for the user and says what to do next."""
