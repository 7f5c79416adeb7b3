"""Run a WSGI app, or a plain request handler, on a real HTTP server on
127.0.0.1 for a test."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from werkzeug.serving import make_server


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serve(
    app: Any, before_start: Callable[[str], None] | None = None, *, port: int = 0
) -> Iterator[str]:
    """Serve ``app`` on ``port`` (a free one by default); ``before_start(base_url)``
    may configure it."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    if before_start is not None:
        before_start(base_url)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


class PlainHandler(BaseHTTPRequestHandler):
    """A quiet ``http.server`` handler with one way to answer, for the tests'
    hand-made servers (served by :func:`serve_handler`)."""

    def answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve_handler(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Serve a plain ``http.server`` request handler (for a test's hand-made
    answers: headers, sizes, slowness) on a free port of 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Restartable:
    """``app`` on a fixed port that goes down (:meth:`stop`: nothing listens, a
    new connection is refused) and comes back (:meth:`start`: a new server on the
    same port), as a dependency of the code under test does. A connection a
    client keeps alive outlives :meth:`stop`: for such clients the app answers
    ``Connection: close``."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.app = app
        self.port = free_port() if port is None else port
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: AbstractContextManager[str] | None = None

    def start(self) -> None:
        assert self._server is None, "already running"
        server = serve(self.app, port=self.port)
        server.__enter__()
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.__exit__(None, None, None)
            self._server = None
