"""Telegram HTML formatting and splitting: always valid, always within limits, nothing lost."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.format import Block, format_answer, pack, utf16_len
from bot.types import Answer, Citation
from tests.fake_telegram import parse_html

_text = st.text(
    alphabet=st.characters(codec="utf-8"), min_size=1, max_size=3000
).filter(lambda t: t.strip() != "")
_blocks = st.lists(
    st.builds(Block, _text, st.sampled_from([None, "blockquote", "i", "b"])),
    min_size=1, max_size=6,
)


def _words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


@settings(max_examples=150, deadline=None)
@given(_blocks, st.integers(min_value=64, max_value=4096))
def test_every_message_is_valid_html_within_the_limit_and_keeps_the_text(
    blocks: list[Block], limit: int
) -> None:
    messages = pack(blocks, limit)
    shown = []
    for m in messages:
        text, error = parse_html(m.html)
        assert error is None, (m.html, error)
        assert utf16_len(m.html) <= limit
        assert m.plain == text  # the plain-text fallback shows exactly the same
        shown.append(text)
    # Splits happen only at white space or, for one overlong word, inside it.
    assert "".join(_words("".join(shown))) == "".join(_words("".join(b.text for b in blocks)))


def test_answer_layout_quotes_each_citation() -> None:
    answer = Answer("q", "en", True, "Two soldiers died [1] & one <civilian> [2].",
                    [Citation(1, "a:1", "Deux soldats sont morts."),
                     Citation(2, "a:2", "Un <civil> aussi.")])
    (message,) = format_answer(answer)
    assert message.html.startswith("Two soldiers died [1] &amp; one &lt;civilian&gt; [2].")
    assert "<blockquote>[2] Un &lt;civil&gt; aussi.</blockquote>" in message.html
    assert message.html.endswith("<i>Sentences: a:1, a:2</i>")


def test_astral_characters_count_twice() -> None:
    messages = pack([Block("😀" * 3000)], 4096)
    assert [utf16_len(m.html) for m in messages] == [4096, 1904]
