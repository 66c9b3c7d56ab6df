"""`citebot telegram` as a real process on the real models, against the fake Bot API:
cross-lingual answers, SIGTERM mid-traffic, and a restart that remembers the chat."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.conftest import MODELS, REPO
from tests.fake_telegram import FakeTelegram, SentMessage

pytestmark = pytest.mark.real_model


async def _start(server: FakeTelegram, data: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}
    env.update({
        "CITEBOT_TELEGRAM_TOKEN": server.token, "CITEBOT_TELEGRAM_BASE_URL": server.base_url,
        "CITEBOT_LLM": "none", "CITEBOT_DATA_DIR": str(data), "CITEBOT_MODELS_DIR": str(MODELS),
        "CITEBOT_LOG_LEVEL": "DEBUG", "HF_HUB_OFFLINE": "1",
    })
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "telegram", cwd=REPO, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def _reply(server: FakeTelegram, chat: int, question_id: int) -> SentMessage:
    await server.wait_for(lambda: any(m.reply_to == question_id for m in server.sent(chat)),
                          timeout_s=180)
    return next(m for m in server.sent(chat) if m.reply_to == question_id)


async def _stop(process: asyncio.subprocess.Process) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, err.decode()[-3000:]
    return err.decode()


def test_process_answers_stops_cleanly_and_restarts_with_memory(tmp_path: Path) -> None:
    async def main() -> None:
        server = FakeTelegram()
        await server.start()
        try:
            process = await _start(server, tmp_path / "data")
            fr = server.push_text(1, "Qui a été tué lors de l'embuscade ?", language_code="fr")
            en = server.push_text(2, "Who was killed near Palmyra?", language_code="en")
            first_fr, first_en = await _reply(server, 1, fr), await _reply(server, 2, en)
            # A question arriving as the process is told to stop: answered now or after
            # the restart, but exactly once.
            late = server.push_text(3, "Qui est Marco Rubio ?", language_code="fr")
            log1 = await _stop(process)
            process = await _start(server, tmp_path / "data")
            follow = server.push_text(2, "And how many were wounded?", language_code="en")
            followed, late_reply = await _reply(server, 2, follow), await _reply(server, 3, late)
            log2 = await _stop(process)
        finally:
            await server.stop()
        assert "deux soldats américains et un civil" in first_fr.text and "[1]" in first_fr.text
        assert "deux soldats américains et un civil" in first_en.text
        assert first_en.text.startswith("The article says")  # English prose, French quote
        assert "trois autres militaires" in followed.text  # resolved from stored history
        assert "Marco Rubio" in late_reply.text
        for chat in (1, 2, 3):
            replied = [m.reply_to for m in server.sent(chat)]
            assert len(replied) == len(set(replied))  # nothing answered twice
        assert server.token not in log1 + log2 and server.token.split(":")[1] not in log1 + log2

    asyncio.run(main())
