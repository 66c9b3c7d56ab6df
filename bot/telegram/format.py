"""Answers as Telegram HTML messages: escaped, quoted, and split under Telegram's limit.

An answer becomes a list of ``Block``s (the answer text, each cited sentence as a
``<blockquote>``). Blocks are packed into messages of at most ``LIMIT`` UTF-16 units of
HTML; a block too long on its own is cut at sentence, then word boundaries, and each
piece gets its own tags, so no message ever holds half a tag or half an entity.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.messages import message
from bot.types import Answer

LIMIT = 4096  # Telegram's cap on a message's text
_SENTENCE_END = re.compile(r"(?<=[.!?…»])\s+")
_SPACE = re.compile(r"\s+")


def utf16_len(text: str) -> int:
    """Telegram counts UTF-16 code units: characters outside the BMP count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of raw (unescaped) text, optionally wrapped in one HTML tag."""

    text: str
    tag: str | None = None

    @property
    def html(self) -> str:
        body = html.escape(self.text, quote=False)
        return f"<{self.tag}>{body}</{self.tag}>" if self.tag else body


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Telegram message: its HTML, and the plain text to send if HTML is rejected."""

    html: str
    plain: str
    blocks: tuple[Block, ...]


def answer_blocks(answer: Answer) -> list[Block]:
    blocks = [Block(n, "i") for n in answer.notices]
    blocks.append(Block(answer.answer))
    blocks.extend(Block(f"[{c.n}] {c.text}", "blockquote") for c in answer.citations)
    if answer.citations:
        ids = ", ".join(c.id for c in answer.citations)
        blocks.append(Block(message("sources_line", answer.language, ids=ids), "i"))
    return blocks


def _cut(text: str, pattern: re.Pattern[str], fits: int) -> list[str]:
    """Greedily join the pieces ``pattern`` splits ``text`` into, up to ``fits`` each."""
    pieces: list[str] = []
    current = ""
    for part in pattern.split(text):
        candidate = f"{current} {part}" if current else part
        if utf16_len(html.escape(candidate, quote=False)) <= fits:
            current = candidate
        else:
            if current:
                pieces.append(current)
            current = part
    if current:
        pieces.append(current)
    return pieces


def _hard_cut(text: str, fits: int) -> list[str]:
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for ch in text:
        width = utf16_len(html.escape(ch, quote=False))
        if size + width > fits:
            pieces.append("".join(current))
            current, size = [], 0
        current.append(ch)
        size += width
    if current:
        pieces.append("".join(current))
    return pieces


def split_block(block: Block, limit: int = LIMIT) -> list[Block]:
    """The block itself if it fits, else pieces that do, cut as gracefully as possible."""
    if utf16_len(block.html) <= limit:
        return [block]
    fits = limit - (len(block.tag) * 2 + 5 if block.tag else 0)
    out: list[str] = []
    for sentence_run in _cut(block.text, _SENTENCE_END, fits):
        for word_run in (
            [sentence_run] if utf16_len(html.escape(sentence_run, quote=False)) <= fits
            else _cut(sentence_run, _SPACE, fits)
        ):
            fits_alone = utf16_len(html.escape(word_run, quote=False)) <= fits
            out.extend([word_run] if fits_alone else _hard_cut(word_run, fits))
    return [Block(piece, block.tag) for piece in out if piece]


def pack(blocks: Iterable[Block], limit: int = LIMIT) -> list[Outgoing]:
    """Blocks joined by blank lines into as few messages as fit in ``limit``."""
    messages: list[Outgoing] = []
    current: list[Block] = []
    for piece in (p for b in blocks for p in split_block(b, limit)):
        if current and utf16_len(_joined_html([*current, piece])) > limit:
            messages.append(_outgoing(current))
            current = []
        current.append(piece)
    if current:
        messages.append(_outgoing(current))
    return messages


def _joined_html(blocks: Sequence[Block]) -> str:
    return "\n\n".join(b.html for b in blocks)


def _outgoing(blocks: Sequence[Block]) -> Outgoing:
    return Outgoing(_joined_html(blocks), "\n\n".join(b.text for b in blocks), tuple(blocks))


def format_answer(answer: Answer, limit: int = LIMIT) -> list[Outgoing]:
    return pack(answer_blocks(answer), limit)


def format_text(text: str, limit: int = LIMIT) -> list[Outgoing]:
    return pack([Block(text)], limit)


def draft_text(parts: Sequence[str], limit: int = LIMIT) -> str:
    """The growing, unverified draft shown while the model writes (plain text)."""
    text = "".join(parts).strip() + " …"
    while utf16_len(text) > limit:
        text = text[: len(text) - (utf16_len(text) - limit) - 2] + " …"
    return text
