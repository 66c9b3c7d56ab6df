"""``citebot`` run in a pseudo-terminal, as a reader's terminal would run it: for the
start-up benchmark (time to the prompt) and the terminal tests."""

from __future__ import annotations

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

REPO = Path(__file__).resolve().parent.parent
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")
CURSOR_QUERY = b"\x1b[6n"


class Terminal:
    """A child process on a 200x50 pseudo-terminal; ``raw`` is all it wrote, ``seen``
    the same without escape sequences."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        # A new pseudo-terminal is 0x0: prompt_toolkit would have nowhere to draw.
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 200, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen([sys.executable, *args], cwd=REPO,
                                     env={**env, "TERM": "xterm"}, stdin=slave,
                                     stdout=slave, stderr=slave, start_new_session=True)
        os.close(slave)
        self.raw = b""
        self.seen = ""

    def expect(self, pattern: str | bytes, timeout: float = 120) -> str:
        """Read until ``pattern`` (a regex on ``seen``, or bytes in ``raw``) appears."""
        deadline = time.monotonic() + timeout

        def found() -> bool:
            if isinstance(pattern, bytes):
                return pattern in self.raw
            return re.search(pattern, self.seen) is not None

        while not found():
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise TimeoutError(f"no {pattern!r} in {self.seen[-2000:]!r}")
            if select.select([self.master], [], [], min(left, 0.5))[0]:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    continue
                if CURSOR_QUERY in chunk:  # prompt_toolkit asks where the cursor is
                    os.write(self.master, b"\x1b[1;1R")
                self.raw += chunk
                # Decoded whole: a character or an escape may straddle two reads.
                self.seen = ESCAPES.sub("", self.raw.decode("utf-8", "replace"))
        return self.seen

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\r")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        os.close(self.master)
