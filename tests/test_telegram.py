"""The Telegram bot end to end: a real PTB Application against the local fake Bot API."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import numpy as np
import pytest

from bot.app import Citebot, create_citebot
from bot.settings import Settings
from bot.telegram.application import build_application
from tests.fake_telegram import BOT_USERNAME, FakeTelegram, Fault, SentMessage, parse_html
from tests.fakes import FakeDetector, FakeEmbedder, QueueChatModel
from tests.telegram_run import bot_settings, polling

FR_QUESTION = "Qui sont les soldats américains morts dans la zone de Palmyre ?"
EN_ARTICLE = (
    "The harbour of Brest reopened on Monday after the storm.\n"
    "Fishermen said the storm destroyed forty boats in the harbour of Brest.\n"
    "The mayor promised new funds for the fishermen.\n"
)

Scenario = Callable[[FakeTelegram, Settings], Awaitable[None]]


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.queries = 0

    def embed_query(self, text: str) -> np.ndarray:
        self.queries += 1
        return super().embed_query(text)


@pytest.fixture
def base(settings: Settings, tmp_path: Path) -> Settings:
    english = tmp_path / "brest.en.txt"
    english.write_text(EN_ARTICLE)
    return settings.model_copy(update={
        "answer_threshold": 0.3, "llm": "none", "articles": [*settings.articles, english],
    })


def make_bot(settings: Settings, embedder: FakeEmbedder | None = None,
             chat_model: Any = None) -> Citebot:
    return create_citebot(settings, embedder=embedder or FakeEmbedder(),
                          detector=FakeDetector(), chat_model=chat_model)


def run(base: Settings, scenario: Scenario) -> None:
    async def main() -> None:
        server = FakeTelegram()
        await server.start()
        try:
            await scenario(server, bot_settings(base, server))
        finally:
            await server.stop()

    asyncio.run(main())


async def ask(server: FakeTelegram, chat_id: int, text: str, **kw: Any) -> SentMessage:
    """Push a question and wait for the bot's (first) reply to it."""
    before = len(server.sent(chat_id))
    server.push_text(chat_id, text, **kw)
    await server.wait_for(lambda: len(server.sent(chat_id)) > before)
    await asyncio.sleep(0.05)
    return server.sent(chat_id)[before]


def test_french_question_gets_a_cited_html_answer(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        async with polling(s, make_bot(s)):
            reply = await ask(server, 11, FR_QUESTION, language_code="fr")
        assert reply.parse_mode == "HTML"
        shown, error = parse_html(reply.text)
        assert error is None
        assert "<blockquote>[1]" in reply.text and "deux soldats américains" in shown
        assert "palmyre.fr:7" in shown and shown.startswith("Selon l’article")
        assert server.calls_to("sendChatAction")  # "typing…" while computing
        assert len(server.calls_to("setMyCommands")) == 2  # English default and French

    run(base, scenario)


def test_english_question_and_unanswerable_question(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        async with polling(s, make_bot(s)):
            answered = await ask(server, 12, "How many boats did the storm destroy in Brest?")
            refused = await ask(server, 12, "What is the capital of France?")
        assert "forty boats" in answered.text and "<blockquote>" in answered.text
        assert answered.text.startswith("The article says")
        assert refused.text == "The article does not say."

    run(base, scenario)


def test_commands_follow_the_users_language(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        async with polling(s, make_bot(s)):
            start = await ask(server, 13, "/start", language_code="fr")
            help_en = await ask(server, 14, "/help", language_code="de")
            sources = await ask(server, 13, "/sources", language_code="fr")
            usage = await ask(server, 14, "/lang klingon")
            forced = await ask(server, 14, "/lang fr")
            french = await ask(server, 14, "What is the capital of France?")
            reset = await ask(server, 14, "/reset")
        assert start.text.startswith("Bonjour") and "/sources" in start.text
        assert help_en.text.startswith("Every answer")  # unknown language: English
        assert "10 phrases" in sources.text and "brest" in sources.text.lower()
        assert usage.text.startswith("Usage: /lang")
        assert forced.text == "Langue des réponses : fr."
        assert french.text == "L’article ne le dit pas."
        assert reset.text.startswith("Nouvelle conversation")

    run(base, scenario)


def test_groups_answer_only_mentions_replies_and_commands(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        group = -100_555
        async with polling(s, make_bot(s)):
            server.push_text(group, FR_QUESTION, user_id=5, chat_type="supergroup")
            mentioned = await ask(server, group, f"@{BOT_USERNAME} {FR_QUESTION}",
                                  user_id=5, chat_type="supergroup")
            replied = await ask(server, group, "Et combien ont été blessés ?", user_id=6,
                                chat_type="supergroup", reply_to_bot=True)
            command = await ask(server, group, f"/help@{BOT_USERNAME}", user_id=5,
                                chat_type="supergroup")
        assert len(server.sent(group)) == 3  # the unaddressed question got nothing
        assert "deux soldats" in mentioned.text and mentioned.reply_to is not None
        assert "blessés" in replied.text
        assert command.text.startswith("Every answer")

    run(base, scenario)


def test_allow_list_refuses_before_computing(base: Settings) -> None:
    embedder = CountingEmbedder()

    async def scenario(server: FakeTelegram, s: Settings) -> None:
        s = s.model_copy(update={"allowed_users": [21]})
        async with polling(s, make_bot(s, embedder)):
            queries = embedder.queries
            refused = await ask(server, 22, FR_QUESTION)
            assert embedder.queries == queries
            server.push_text(-300, FR_QUESTION, user_id=22, chat_type="group")
            allowed = await ask(server, 21, FR_QUESTION)
        assert refused.text == "Sorry, this bot is private."
        assert not server.sent(-300)  # strangers in groups get silence
        assert "deux soldats" in allowed.text

    run(base, scenario)


def test_rate_limit_per_user(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        s = s.model_copy(update={"user_questions_per_minute": 2})
        async with polling(s, make_bot(s)):
            for _ in range(2):
                await ask(server, 31, FR_QUESTION)
            limited = await ask(server, 31, FR_QUESTION)
        assert limited.text.startswith("Too many questions")

    run(base, scenario)


def test_flood_control_is_honoured_and_the_answer_delivered(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        server.inject("sendMessage", Fault.rate_limit(1))
        async with polling(s, make_bot(s)):
            reply = await ask(server, 41, FR_QUESTION)
        sends = server.calls_to("sendMessage")
        assert len(sends) == 2 and sends[1].at - sends[0].at >= 1.0
        assert "deux soldats" in reply.text

    run(base, scenario)


def test_server_errors_and_timeouts_are_retried(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        server.inject("sendMessage", Fault(502, "Bad Gateway"), Fault.timeout(1.5))
        async with polling(s, make_bot(s)):
            reply = await ask(server, 42, FR_QUESTION)
        assert len(server.calls_to("sendMessage")) == 3
        assert len(server.sent(42)) == 1 and "deux soldats" in reply.text

    run(base, scenario)


def test_entity_errors_fall_back_to_plain_text(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        server.inject("sendMessage", Fault.bad_entities())
        async with polling(s, make_bot(s)):
            reply = await ask(server, 43, FR_QUESTION)
        assert reply.parse_mode is None
        assert "[1] " in reply.text and "<blockquote>" not in reply.text

    run(base, scenario)


def test_long_answers_are_split_into_valid_messages(base: Settings, tmp_path: Path) -> None:
    article = tmp_path / "long.fr.txt"
    clause = "le convoi <humanitaire> & les secours ont atteint la vallée du Nord"
    article.write_text(
        "".join(f"Selon le rapport {i}, " + ", ".join([clause] * 45) + ".\n" for i in range(2))
    )

    async def scenario(server: FakeTelegram, s: Settings) -> None:
        s = s.model_copy(update={"articles": [article], "index_name": "long"})
        async with polling(s, make_bot(s)):
            server.push_text(44, "Le convoi humanitaire a-t-il atteint la vallée du Nord ?")
            await server.wait_for(lambda: len(server.sent(44)) >= 2)
            await asyncio.sleep(0.3)
        sent = server.sent(44)
        assert all(len(parse_html(m.text)[0]) <= 4096 for m in sent)
        assert all(parse_html(m.text)[1] is None for m in sent)
        assert not [c for c in server.calls if c.method == "sendMessage" and "too long" in str(c)]
        shown = "".join(parse_html(m.text)[0] for m in sent)
        # Every clause survives escaping and splitting (quoted in the answer and the quotes).
        assert shown.count("<humanitaire> &") == 2 * 90

    run(base, scenario)


def test_telegram_rejecting_length_makes_smaller_messages(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        server.inject("sendMessage", Fault.too_long())
        async with polling(s, make_bot(s)):
            server.push_text(45, FR_QUESTION)
            await server.wait_for(lambda: len(server.sent(45)) >= 2)
        assert "deux soldats" in "".join(m.text for m in server.sent(45))

    run(base, scenario)


def test_streamed_answer_grows_by_edits_then_is_verified(base: Settings) -> None:
    model = QueueChatModel()
    model.replies = ["Deux soldats américains et un civil ont trouvé la mort [1]."]

    async def scenario(server: FakeTelegram, s: Settings) -> None:
        async with polling(s, make_bot(s, chat_model=model)):
            server.push_text(46, FR_QUESTION, language_code="fr")
            await server.wait_for(lambda: any(m.parse_mode == "HTML" for m in server.sent(46)))
        sent = server.sent(46)
        assert len(sent) == 1  # the draft became the answer
        assert sent[0].edits >= 1 and "<blockquote>" in sent[0].text
        assert "un civil" in sent[0].text

    run(base, scenario)


def test_questions_in_one_chat_are_answered_once_each_in_order(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        questions = [FR_QUESTION, "Qui est Marco Rubio ?", "What is the capital of France?",
                     "Quand la Syrie a-t-elle rejoint la coalition ?"]
        async with polling(s, make_bot(s)):
            ids = {chat: [server.push_text(chat, q) for q in questions] for chat in (51, 52)}
            await server.wait_for(lambda: all(len(server.sent(c)) == 4 for c in ids))
            await asyncio.sleep(0.2)
        for chat in ids:
            sent = server.sent(chat)
            assert len(sent) == len(questions)
            replied = [m.reply_to or 0 for m in sent]
            assert replied == sorted(replied)  # per-chat order of the questions

    run(base, scenario)


def test_restart_keeps_the_conversation(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        async with polling(s, make_bot(s)):
            await ask(server, 61, FR_QUESTION, language_code="fr")
            await ask(server, 61, "/lang en")
        async with polling(s, make_bot(s)):
            followup = await ask(server, 61, "Et combien ont été blessés ?")
        assert "trois autres militaires" in followup.text  # the reference resolved
        assert followup.text.startswith("The article says")  # /lang survived too

    run(base, scenario)


def test_hostile_input_gets_clean_replies(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        async with polling(s, make_bot(s)):
            emoji = await ask(server, 63, "🙂🙂🙂")
            junk = await ask(server, 63, "\x00\x07 \u202e")
            markup = await ask(server, 63, f"</blockquote><b>{FR_QUESTION}</b> *_[]()~")
            long = await ask(server, 63, FR_QUESTION + " x" * 6000)
        assert emoji.text.startswith("I could not read a question")
        assert junk.text == "Please type a question about the article."
        assert parse_html(markup.text)[1] is None and "deux soldats" in markup.text
        assert long.text.startswith("<i>Votre question était trop longue")  # notice, then answer
        assert "deux soldats" in long.text

    run(base, scenario)


def test_an_update_delivered_again_is_not_answered_twice(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        async with polling(s, make_bot(s)):
            await ask(server, 62, FR_QUESTION)
        async with polling(s, make_bot(s)):
            server.redeliver(max(server.pushed))
            await server.wait_for(lambda: not server._updates)  # fetched and confirmed
            await asyncio.sleep(0.3)
        assert len(server.sent(62)) == 1

    run(base, scenario)


def test_unexpected_errors_apologise_and_log_without_the_token(base: Settings) -> None:
    class BrokenEmbedder(FakeEmbedder):
        def embed_query(self, text: str) -> np.ndarray:
            raise RuntimeError("embedding backend crashed")

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.DEBUG)

    async def scenario(server: FakeTelegram, s: Settings) -> None:
        async with polling(s, make_bot(s, BrokenEmbedder())):
            reply = await ask(server, 71, FR_QUESTION)
        assert reply.text == "Sorry, something went wrong on my side. Please try again."

    try:
        run(base, scenario)
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)
    logged = stream.getvalue()
    assert "embedding backend crashed" in logged and "Traceback" in logged
    assert FakeTelegram().token not in logged and "/bot<token>" in logged


def test_webhook_accepts_the_secret_and_rejects_others(base: Settings) -> None:
    async def scenario(server: FakeTelegram, s: Settings) -> None:
        app = build_application(s, make_bot(s))
        await app.initialize()
        await app.start()
        assert app.updater is not None
        port = free_port()
        await app.updater.start_webhook(
            listen="127.0.0.1", port=port, url_path="hook", secret_token="s3cret-XYZ",
            webhook_url="https://example.invalid/hook",
        )
        update = {"update_id": 999, "message": {
            "message_id": 5, "date": 0, "chat": {"id": 81, "type": "private"},
            "from": {"id": 81, "is_bot": False, "first_name": "R"}, "text": FR_QUESTION}}
        try:
            async with aiohttp.ClientSession() as http:
                url = f"http://127.0.0.1:{port}/hook"
                wrong = await http.post(url, json=update,
                                        headers={"X-Telegram-Bot-Api-Secret-Token": "nope"})
                right = await http.post(url, json=update,
                                        headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret-XYZ"})
            await server.wait_for(lambda: bool(server.sent(81)))
        finally:
            await app.updater.stop()
            await app.stop()
            await app.shutdown()
        assert wrong.status == 403 and right.status == 200
        assert server.webhook["secret_token"] == "s3cret-XYZ"
        assert len(server.sent(81)) == 1 and "deux soldats" in server.sent(81)[0].text

    run(base, scenario)


def free_port() -> int:
    """A port the kernel just handed out, released for the server under test to take."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.parametrize("token", [None, "not-a-token", "123:short"])
def test_missing_or_malformed_token_is_a_clear_error(base: Settings, token: str | None) -> None:
    from pydantic import SecretStr

    from bot.telegram.secrets import load_token
    from index.errors import CitebotError

    s = base.model_copy(update={"telegram_token": SecretStr(token) if token else None})
    with pytest.raises(CitebotError) as err:
        load_token(s)
    assert "token" in str(err.value).lower()
    assert token is None or token not in str(err.value)
