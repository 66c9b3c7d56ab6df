"""A ``Citebot`` made in the background, so the chat prompt shows while models load.

The embedding model, the index (built if need be) and the answer model take seconds;
the reader can be typing the first question meanwhile. Loading here must not write to
the terminal behind the prompt's back: llama.cpp is loaded without redirecting file
descriptors (``LocalChatModel.load``) and log records go through the prompt's
``patch_stdout`` (``bot.repl``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future

from bot.app import BuildProgress, Citebot

Make = Callable[[BuildProgress], Citebot]


class Loading:
    """A ``Citebot`` on its way once started; ``status`` says what it is doing."""

    def __init__(self, make: Make | None) -> None:
        self.status = "loading models…"
        self._future: Future[Citebot] = Future()
        self._make = make
        self._lock = threading.Lock()

    def start(self) -> Loading:
        """Start loading (once; later calls do nothing)."""
        with self._lock:
            make, self._make = self._make, None
        if make is not None:
            threading.Thread(target=self._run, args=(make,), name="citebot-loading",
                             daemon=True).start()
        return self

    def _run(self, make: Make) -> None:
        def progress(done: int, total: int) -> None:
            self.status = f"indexing the article: {done}/{total} sentences…"

        try:
            bot = make(progress)
        except BaseException as e:  # noqa: BLE001 - handed to whoever waits
            self.status = f"failed: {e}"
            self._future.set_exception(e)
        else:
            self.status = "ready"
            self._future.set_result(bot)

    @classmethod
    def done(cls, bot: Citebot) -> Loading:
        """An already made bot, behind the same interface."""
        loading = cls(None)
        loading.status = "ready"
        loading._future.set_result(bot)
        return loading

    @property
    def ready(self) -> bool:
        return self._future.done()

    def wait(self, timeout: float) -> bool:
        """Whether the bot is ready (or failed) within ``timeout`` seconds."""
        return bool(futures.wait([self._future], timeout).done)

    def result(self) -> Citebot:
        """The bot, waiting for it; re-raises what stopped it from loading."""
        return self._future.result()
