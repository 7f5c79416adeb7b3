"""Run a WSGI app on a real HTTP server on 127.0.0.1 for a test."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from werkzeug.serving import make_server


@contextmanager
def serve(app: Any, before_start: Callable[[str], None] | None = None) -> Iterator[str]:
    """Serve ``app`` on a free port; ``before_start(base_url)`` may configure it."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
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
