"""The worker's own health and metrics (issue 21 item 10), on a small HTTP port
of its own (``kyc-wallet verifier worker --health-port PORT``, on 127.0.0.1
unless ``--health-host`` says otherwise):

- ``GET /healthz``: the process is up;
- ``GET /readyz``: its database answers and, when it sends to a chain, the
  node answers (unlike a web process, the worker depends on the node);
- ``GET /metrics``: Prometheus text (``prometheus-client``): the outbox's depth
  and the age of its oldest intent not done (read at each scrape), the last
  monitor run's duration, the failed webhook attempts
  (:mod:`verifier.metrics`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from werkzeug.serving import BaseWSGIServer, make_server

from kyc_wallet.web.health import health_middleware

from .metrics import OUTBOX_DEPTH, OUTBOX_OLDEST_AGE
from .worker import VerifierWorker, context_of

__all__ = ["health_app", "serve_health"]


def health_app(worker: VerifierWorker) -> Any:
    """The WSGI app of the worker's health port."""
    ctx = context_of(worker.app)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/metrics" or environ.get("REQUEST_METHOD") != "GET":
            start_response("404 NOT FOUND", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        depth, oldest = ctx.outbox.backlog()
        OUTBOX_DEPTH.set(depth)
        OUTBOX_OLDEST_AGE.set(0 if oldest is None else max(0, ctx.now() - oldest))
        body = generate_latest(REGISTRY)
        start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
        return [body]

    return health_middleware(app, worker.ready, "the database or the chain node is not reachable")


def serve_health(worker: VerifierWorker, host: str, port: int) -> BaseWSGIServer:
    """Serve :func:`health_app` on ``host``:``port`` in a thread; ``shutdown()`` stops it."""
    server = make_server(host, port, health_app(worker), threaded=True)
    threading.Thread(target=server.serve_forever, name="worker-health", daemon=True).start()
    return server
