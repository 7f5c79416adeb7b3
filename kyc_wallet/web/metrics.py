"""Prometheus metrics (``prometheus-client``) and ``GET /metrics`` (issue 21
item 10).

Every answered request is counted by app, method, endpoint and status, and
timed by app and endpoint. The endpoint is the Flask URL rule
(``/offers/<offer_id>``), never the path: a path can carry an identifier that
is a bearer capability, and one series per identifier would grow without end.
A request that matched no route (a 404, or a ``Host`` refused before routing)
is counted under ``<unmatched>``.

``/metrics`` tells how much traffic each endpoint has: it answers only with
``Authorization: Bearer <METRICS_TOKEN>`` (at least 16 characters), and is
off (404) while ``METRICS_TOKEN`` is unset. ``TRUSTED_HOSTS`` applies to it
as to every route.

Under gunicorn with several workers each worker counts on its own: set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder writable by the workers (and
wiped before each start) in the environment gunicorn starts with; every
worker then writes its counts there and ``/metrics`` answers their sum,
whichever worker serves it (``prometheus_client.multiprocess``). The gunicorn
configuration :mod:`kyc_wallet.web.gunicorn_conf` marks a stopped worker
dead."""

from __future__ import annotations

import hmac
import os
import time
from typing import Any

from flask import Flask, Response, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from werkzeug.exceptions import NotFound

from ssi.errors import InvalidClient

from .config import ConfigurationError
from .logs import endpoint_label, request_started

__all__ = ["MIN_TOKEN_LENGTH", "REQUESTS", "REQUEST_SECONDS", "install_metrics"]

MIN_TOKEN_LENGTH = 16

REQUESTS = Counter(
    "kycw_http_requests",
    "HTTP requests answered, by app, method, endpoint (the Flask URL rule) and status",
    ["app", "method", "endpoint", "status"],
)
REQUEST_SECONDS = Histogram(
    "kycw_http_request_duration_seconds",
    "Time to answer an HTTP request, by app and endpoint (the Flask URL rule)",
    ["app", "endpoint"],
)


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # read by prometheus_client itself too
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def _check_token(configured: str) -> None:
    scheme, _, sent = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        sent.strip().encode(), configured.encode()
    ):
        raise InvalidClient("send the metrics token as 'Authorization: Bearer <METRICS_TOKEN>'")


def install_metrics(app: Flask) -> None:
    """Count and time every request of ``app``; serve ``GET /metrics``."""
    token = app.config.get("METRICS_TOKEN")
    if token is not None and (not isinstance(token, str) or len(token) < MIN_TOKEN_LENGTH):
        raise ConfigurationError(
            f"METRICS_TOKEN must be a string of at least {MIN_TOKEN_LENGTH} characters:"
            ' generate one with python -c "import secrets; print(secrets.token_urlsafe(32))"'
        )
    name = app.name

    @app.after_request
    def _count(response: Any) -> Any:
        endpoint = endpoint_label()
        REQUESTS.labels(name, request.method, endpoint, str(response.status_code)).inc()
        started = request_started()
        if started is not None:
            REQUEST_SECONDS.labels(name, endpoint).observe(time.perf_counter() - started)
        return response

    def metrics() -> Response:
        configured = app.config.get("METRICS_TOKEN")
        if not configured:
            raise NotFound("metrics are off: set METRICS_TOKEN to serve them")
        _check_token(configured)
        response = Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)
        response.headers["Cache-Control"] = "no-store"
        return response

    app.add_url_rule("/metrics", "metrics", metrics, methods=["GET"])
