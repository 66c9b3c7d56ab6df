"""`citebot chat` in a real terminal (a pseudo-terminal), on the real models: the prompt
shows while the models load and the index builds, and the first question is answered."""

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.conftest import MODELS, REPO

pytestmark = pytest.mark.real_model

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


class Terminal:
    def __init__(self, data: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CITEBOT_")}
        # The local LLM: its loading must not blank the terminal the prompt draws on.
        env.update({"CITEBOT_LLM": "local", "CITEBOT_DATA_DIR": str(data),
                    "CITEBOT_MODELS_DIR": str(MODELS), "TERM": "xterm",
                    "COLUMNS": "200", "LINES": "50"})
        self.master, slave = pty.openpty()
        # A new pseudo-terminal is 0x0: prompt_toolkit would have nowhere to draw.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "chat"], cwd=REPO, env=env,
                                     stdin=slave, stdout=slave, stderr=slave,
                                     start_new_session=True)
        os.close(slave)
        self.seen = ""

    def expect(self, pattern: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.seen):
            left = deadline - time.monotonic()
            assert left > 0 and self.proc.poll() is None, f"no {pattern!r} in {self.seen!r}"
            if select.select([self.master], [], [], min(left, 0.5))[0]:
                try:
                    raw = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    break
                if b"\x1b[6n" in raw:  # where is the cursor? (prompt_toolkit asks)
                    os.write(self.master, b"\x1b[1;1R")
                self.seen += ESCAPES.sub("", raw.decode("utf-8", "replace"))
        return self.seen

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        os.close(self.master)


def test_prompt_shows_while_loading_then_answers(tmp_path: Path) -> None:
    term = Terminal(tmp_path / "data")  # a fresh data dir: the index must be built
    try:
        # The prompt shows before the models are ready: its toolbar says what still loads.
        seen = term.expect(r"loading models|indexing the article")
        assert "citebot" in seen and "palmyre" in seen.lower()
        term.type("Qui est mort près de Palmyre ?")
        seen = term.expect(r"palmyre\.fr:7")
        assert "[1]" in seen
        assert "Qui est mort près de Palmyre" in seen  # the typed line was echoed
        term.type("/quit")
        assert term.proc.wait(30) == 0
    finally:
        term.close()
