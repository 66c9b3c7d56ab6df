"""A loopback OpenAI-compatible chat server that misbehaves on request.

It speaks just enough of ``POST /v1/chat/completions`` (streamed or not) for
``langchain-openai`` to talk to it, so the real client, its timeouts and its error
handling are what the tests exercise.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

Mode = Literal["ok", "error500", "garbage", "hang", "trickle", "reset"]


@dataclass
class FakeOpenAI:
    """What the server does with the next requests, and what it was sent."""

    mode: Mode = "ok"
    reply: str = ""
    chunk_delay_s: float = 0.0  # between streamed words ("trickle")
    hang_s: float = 5.0  # how long "hang" keeps the client waiting, bounded for the test
    requests: list[dict[str, object]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"content": content}
    obj = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "fake",
           "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(obj)}\n\n".encode()


def _handler(state: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            length = int(self.headers.get("Content-Length") or 0)
            request = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append(request)
            state.headers.append(dict(self.headers))
            if state.mode == "error500":
                self._send(500, b'{"error": {"message": "internal error", "type": "server"}}')
            elif state.mode == "garbage":
                self._send(200, b"\x00\xffthis is not json{{{", "text/plain")
            elif state.mode == "reset":
                self.close_connection = True
                self.connection.close()
            elif state.mode == "hang":
                time.sleep(state.hang_s)
                self._send(200, b"{}")
            elif request.get("stream"):
                self._stream(state.reply.split(" "))
            else:
                body = {"id": "c1", "object": "chat.completion", "created": 0, "model": "fake",
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": state.reply}}]}
                self._send(200, json.dumps(body).encode())

        def _stream(self, words: list[str]) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                for i, word in enumerate(words):
                    self.wfile.write(_chunk(word if i == 0 else " " + word))
                    self.wfile.flush()
                    if state.mode == "trickle":
                        time.sleep(state.chunk_delay_s)
                self.wfile.write(_chunk(None, "stop") + b"data: [DONE]\n\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up: that is what some tests want

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-answer is what the fault tests provoke


@contextmanager
def fake_openai(mode: Mode = "ok", reply: str = "", **kw: float) -> Iterator[FakeOpenAI]:
    state = FakeOpenAI(mode=mode, reply=reply, **kw)  # type: ignore[arg-type]
    server = _QuietServer(("127.0.0.1", 0), _handler(state))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
