"""``/healthz`` and ``/readyz`` for a load balancer or an orchestrator (issue 21
item 10).

- ``GET /healthz``: the process is up and answers: 200 ``{"status": "ok"}``.
  It checks nothing else, so a slow database never gets a live process killed.
- ``GET /readyz``: the process can serve: the readiness check the factory
  passes in (:meth:`kyc_wallet.database.Database.ping`: one trivial query)
  succeeds: 200 ``{"status": "ok"}``; otherwise 503 ``{"status":
  "unavailable", "reason": …}`` (the detail goes to the log, not to the
  caller). A web process does not depend on the chain node: whitelisting goes
  through the outbox, which absorbs a node that is down.

Both are answered by a WSGI middleware in front of the Flask app, before any
hook: no session, no rate limit, no access log line and no request metric
(a probe every few seconds would drown the real traffic), and whatever the
``Host``: a load balancer probes a target by its IP address, and what these two
paths answer holds nothing a DNS-rebinding page could use (``TRUSTED_HOSTS``
still guards every other route, ``/metrics`` included).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

__all__ = ["HEALTH_PATHS", "ReadinessCheck", "health_middleware", "install_health"]

log = logging.getLogger(__name__)

ReadinessCheck = Callable[[], None]
"""Returns when the process can serve; raises (anything) when it cannot."""

HEALTH_PATHS = ("/healthz", "/readyz")
_UNREADY_REASON = "the database is not reachable"


class _HealthMiddleware:
    def __init__(self, wrapped: Any, ready: ReadinessCheck, reason: str = _UNREADY_REASON) -> None:
        self.wrapped = wrapped
        self.ready = ready
        self.reason = reason

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if path not in HEALTH_PATHS:
            return self.wrapped(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _answer(start_response, 405, {"status": "method not allowed"}, environ)
        if path == "/healthz":
            return _answer(start_response, 200, {"status": "ok"}, environ)
        try:
            self.ready()
        except Exception as exc:  # any failure means "not ready", never a 500
            log.warning("not ready: %s: %s", type(exc).__name__, exc)
            body = {"status": "unavailable", "reason": self.reason}
            return _answer(start_response, 503, body, environ)
        return _answer(start_response, 200, {"status": "ok"}, environ)


def health_middleware(wrapped: Any, ready: ReadinessCheck, reason: str) -> Any:
    """``/healthz`` and ``/readyz`` in front of the WSGI app ``wrapped`` (a
    process that is not a Flask app: the verifier's worker); ``reason``: what
    ``/readyz`` says when ``ready`` fails."""
    return _HealthMiddleware(wrapped, ready, reason)


def _answer(
    start_response: Callable[..., Any], status: int, body: dict[str, str], environ: dict[str, Any]
) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    reasons = {200: "OK", 405: "METHOD NOT ALLOWED", 503: "SERVICE UNAVAILABLE"}
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(data))),
        ("Cache-Control", "no-store"),
        ("X-Content-Type-Options", "nosniff"),
    ]
    if status == 405:
        headers.append(("Allow", "GET, HEAD"))
    start_response(f"{status} {reasons[status]}", headers)
    return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else data]


def install_health(app: Flask, ready: ReadinessCheck) -> None:
    """Answer ``/healthz`` and ``/readyz`` in front of ``app`` (``ready`` is
    the app's readiness check, e.g. its database's ``ping``)."""
    app.wsgi_app = _HealthMiddleware(app.wsgi_app, ready)  # type: ignore[method-assign]
    app.extensions["readiness"] = ready
