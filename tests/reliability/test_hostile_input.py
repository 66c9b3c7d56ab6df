"""Hostile and odd input through the CLI (`ask`, `chat --json` on raw stdin bytes, the REPL).

Each case goes through the real command, session and chain; the fake embedder sits
behind the real factory. What must hold: no crash, one reply per input, the reply
printable as UTF-8, the user's text shown literally, and an answer only when it cites.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from rich.console import Console

from bot.app import Citebot, create_citebot
from bot.repl import run_interactive
from bot.settings import Settings
from tests.conftest import ARTICLE
from tests.fakes import FakeDetector, FakeEmbedder
from tests.reliability.conftest import assert_grounded, run_cli

SOLDIERS_ID = "palmyre.fr:7"
SOLDIERS = next(line for line in ARTICLE.read_text(encoding="utf-8").splitlines()
                if "deux soldats américains" in line).split(". À la suite")[0] + "."
MARKUP = "<b>gras</b> </blockquote> *_[]()~ `code` [bold red]rouge[/] [/b] &amp; soldats"


def _one_json(stdout: str) -> dict:
    lines = stdout.splitlines()
    assert len(lines) == 1, stdout
    return json.loads(lines[0])


@pytest.mark.parametrize(
    ("question", "error"),
    [("", "empty_question"), ("   \t  ", "empty_question"), ("\x00\x00\x01", "empty_question"),
     ("\x1b\x07\x7f", "empty_question"), ("🙂🔥🇫🇷", "no_words"), ("?!… ¿¡", "no_words"),
     ("\udcff\udcfe", "empty_question")],  # undecodable argv bytes arrive as surrogates
)
def test_ask_json_refuses_what_holds_no_question(cli_env: Path, question: str,
                                                 error: str) -> None:
    result = run_cli(["ask", "--json", question])
    assert result.exit_code == 0, result.output
    obj = _one_json(result.stdout)
    assert obj["answered"] is False and obj["citations"] == [] and obj["error"] == error
    assert obj["answer"]  # the explanation, in words
    result.stdout.encode("utf-8")  # printable, whatever came in


def test_ask_plain_refusal_is_a_message_not_a_crash(cli_env: Path) -> None:
    for question in ("", "🙂", "\udcff"):
        result = run_cli(["ask", question])
        assert result.exit_code == 0
        assert "question" in result.stdout.lower()


def test_ask_survives_undecodable_bytes_inside_a_question(cli_env: Path) -> None:
    obj = _one_json(run_cli(["ask", "--json", "soldats \udcff américains ?"]).stdout)
    assert "\ufffd" not in obj["question"] and "soldats" in obj["question"]


def test_overlong_question_is_truncated_with_a_notice(cli_env: Path) -> None:
    question = "Quels soldats américains ont trouvé la mort ? " + "blabla " * 2000
    assert len(question) > 10_000
    obj = _one_json(run_cli(["ask", "--json", question]).stdout)
    assert len(obj["question"]) <= 1000 and obj["notices"]
    assert "1000" in obj["notices"][0]
    plain = run_cli(["ask", question]).stdout
    assert "1000" in plain  # the notice is shown in the terminal too


def test_overlong_junk_is_echoed_cut(cli_env: Path) -> None:
    obj = _one_json(run_cli(["ask", "--json", "🙂" * 50_000]).stdout)
    assert obj["error"] == "no_words" and len(obj["question"]) <= 1000


def test_control_characters_do_not_reach_the_output(cli_env: Path) -> None:
    obj = _one_json(run_cli(["ask", "--json", "soldats\x1b[31m améri\x00cains\u202e ?"]).stdout)
    assert obj["question"] == "soldats[31m américains ?"  # the escapes, not the text, go
    assert all(ch >= " " for ch in obj["question"])


def test_markup_is_kept_literally(cli_env: Path) -> None:
    obj = _one_json(run_cli(["ask", "--json", MARKUP]).stdout)
    assert obj["question"] == MARKUP
    plain = run_cli(["ask", "/" + MARKUP.replace(" ", "")])  # echoed in an error message
    assert plain.exit_code == 0
    assert "[bold" in plain.stdout and "[/b]" in plain.stdout


def test_verbatim_article_sentence_is_answered_by_that_sentence(quoting_bot: Citebot) -> None:
    a = quoting_bot.ask(SOLDIERS, quoting_bot.new_conversation())
    assert a.answered and a.citations[0].id == SOLDIERS_ID
    assert_grounded(quoting_bot, a)


HOSTILE_LINES: list[bytes] = [
    b"",
    b"   \t ",
    b"\xff\xfe\xfa",  # invalid UTF-8
    b"\x00\x00\x00",
    b"Quels soldats am\xc3\xa9ricains ont trouv\xe9 la mort ?",  # Latin-1 byte inside UTF-8
    b"\xc3",  # truncated sequence
    b"\xed\xa0\x80",  # an encoded surrogate, invalid in UTF-8
    "🙂🙂🙂".encode(),
    b"x" * 12_000,
    ("soldats " * 5000).encode(),
    MARKUP.encode(),
    "soldats\u2028américains\u2029\x85\x1c ?".encode(),  # separators str.splitlines honours
    b"soldats\r",  # CRLF input
    b"/lang \xff",
    b"/\xff",
    b"/" + b"a" * 5000,
    "من قتل قرب تدمر؟".encode(),
    "¿Quién murió cerca de Palmira?".encode(),
    "Кто погиб возле Пальмиры?".encode(),
    SOLDIERS.encode(),
]


def test_chat_json_one_printable_object_per_line_whatever_the_bytes(cli_env: Path) -> None:
    stdin = b"\n".join(HOSTILE_LINES) + b"\n"
    result = run_cli(["chat", "--json"], stdin)
    assert result.exit_code == 0, result.output
    raw = result.stdout_bytes
    raw.decode("utf-8")  # strict: the stream is valid UTF-8
    # Python's splitlines honours U+2028, NEL, FS…: none may leak raw into a JSON line.
    lines = result.stdout.splitlines()
    assert len(lines) == len(HOSTILE_LINES)
    objs = [json.loads(line) for line in lines]
    for line, obj in zip(HOSTILE_LINES, objs, strict=True):
        if line.startswith(b"/"):
            assert "command" in obj
            continue
        assert isinstance(obj["answered"], bool) and obj["language"] in ("fr", "en")
        assert obj["answered"] == bool(obj["citations"])
        assert len(obj["question"]) <= 1000
    assert objs[-1]["answered"] and objs[-1]["citations"][0]["id"] == SOLDIERS_ID


def test_chat_json_without_final_newline_and_with_nul_only_stream(cli_env: Path) -> None:
    result = run_cli(["chat", "--json"], b"\x00" * 100_000)
    assert result.exit_code == 0
    assert _one_json(result.stdout)["error"] == "empty_question"


def _repl(citebot: Citebot, settings: Settings, stdin: bytes) -> str:
    console = Console(file=io.StringIO(), width=120, color_system=None)
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))
    try:
        run_interactive(citebot, console, settings)
    finally:
        sys.stdin = old
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(out, str)
    return out


def test_repl_shows_markup_literally_and_survives_bytes(
    quoting_bot: Citebot, settings: Settings
) -> None:
    out = _repl(quoting_bot, settings,
                b"/[bold]x[/bold]\n/[/b]\n\xff\xfe\n" + MARKUP.encode() + b"\n/quit\n")
    assert "/[bold]x[/bold]" in out and "/[/b]" in out


def test_repl_shows_article_titles_literally(tmp_path: Path, settings: Settings) -> None:
    article = tmp_path / "crue.md"
    article.write_text("# Crue [/b] à <b>Valence</b> [red]\n\nLa rivière est sortie de son lit.\n",
                       encoding="utf-8")
    s = settings.model_copy(update={"articles": [article], "llm": "none"})
    citebot = create_citebot(s, embedder=FakeEmbedder(), detector=FakeDetector(),
                             chat_model=None)
    assert "Crue [/b] à <b>Valence</b> [red]" in _repl(citebot, s, b"/quit\n")


def test_index_info_shows_article_titles_literally(cli_env: Path, tmp_path: Path) -> None:
    article = tmp_path / "crue.md"
    article.write_text("# Crue [/b] [red]\n\nLa rivière est sortie de son lit.\n",
                       encoding="utf-8")
    assert run_cli(["index", "build", str(article)]).exit_code == 0
    result = run_cli(["index", "info"])
    assert result.exit_code == 0 and "Crue [/b] [red]" in result.stdout
