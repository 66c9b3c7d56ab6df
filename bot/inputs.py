"""Turn raw user input into a question the chain can take, or say why not."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.messages import message
from bot.types import Lang
from index.errors import CitebotError

_SPACES = re.compile(r"\s+")


class BadQuestion(CitebotError):
    """Input that holds no usable question; ``key`` names the message to show."""

    def __init__(self, key: str, lang: Lang) -> None:
        super().__init__(message(key, lang))
        self.key = key


@dataclass(frozen=True)
class CleanQuestion:
    text: str
    truncated: bool


def without_surrogates(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, so that it can be encoded.

    Python hands undecodable command-line bytes over as lone surrogates
    (``surrogateescape``); printing or JSON-encoding them as UTF-8 would crash.
    """
    return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)


def echo(raw: str, max_chars: int) -> str:
    """Raw input made safe to show back: encodable, one line, at most ``max_chars``."""
    text = "".join(
        " " if ch.isspace() else ch
        for ch in without_surrogates(raw)
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )
    return _SPACES.sub(" ", text).strip()[:max_chars]


def clean_question(raw: str, max_chars: int, lang: Lang = "en") -> CleanQuestion:
    """Strip control characters and fold white space; cut overlong text at a word."""
    # Cc/Cf/Cs/Co/Cn cover NULs, escapes, bidi overrides and lone surrogates left by
    # undecodable bytes; they only confuse the embedder and the terminal.
    text = "".join(
        " " if ch.isspace() else ch
        for ch in raw
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    ).replace("\ufffd", " ")
    text = _SPACES.sub(" ", text).strip()
    if not text:
        raise BadQuestion("empty_question", lang)
    if not any(ch.isalnum() for ch in text):
        raise BadQuestion("no_words", lang)
    truncated = len(text) > max_chars
    if truncated:
        cut = text[:max_chars]
        space = cut.rfind(" ")
        text = (cut[:space] if space > max_chars // 2 else cut).rstrip()
    return CleanQuestion(text, truncated)
