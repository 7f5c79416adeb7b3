"""JSON logs with a request id (issue 21 item 10).

Every line is one JSON object: ``time`` (UTC, ISO 8601), ``level``,
``logger``, ``message``, ``request_id`` (``null`` outside a request), and for
the access line of each request (logger ``kyc_wallet.access``) ``method``,
``path``, ``status`` and ``duration_ms``; a logged exception adds
``exception`` (its traceback).

- The request id is the caller's ``X-Request-ID`` when it is 1 to 64 of
  ``A-Z a-z 0-9 . _ -`` (a proxy's or a client's id, so lines can be followed
  across services); anything else is replaced by a fresh random id. It is
  sent back in the ``X-Request-ID`` header of every answer.
- The access line names the URL rule (``/offers/<offer_id>``), not the path
  and never the query string: a path may carry an identifier that works as a
  bearer capability (an offer by reference), a query string an offer URI or a
  ``response_code``. No client address is logged (personal data). A request
  that matched no route is ``<unmatched>``.
- Nothing here logs a header, a form, a body or a cookie.

:func:`configure_logging` is called by the entry points (``kyc-wallet <role>``
and :mod:`kyc_wallet.web.gunicorn_conf`), never by an app factory; the level
is ``KYCW_LOG_LEVEL`` (default ``INFO``). Werkzeug's development server logs
no request line of its own (:class:`QuietRequestHandler`): ours replaces it.
"""

from __future__ import annotations

import contextvars
import datetime
import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, request
from werkzeug.serving import WSGIRequestHandler

__all__ = [
    "ACCESS_LOGGER",
    "JsonFormatter",
    "QuietRequestHandler",
    "REQUEST_ID_HEADER",
    "configure_logging",
    "current_request_id",
    "endpoint_label",
    "gunicorn_logconfig",
    "install_request_log",
    "log_level",
    "request_started",
]

ACCESS_LOGGER = "kyc_wallet.access"
REQUEST_ID_HEADER = "X-Request-ID"
LEVEL_VARIABLE = "KYCW_LOG_LEVEL"
UNMATCHED = "<unmatched>"
_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_ACCESS_FIELDS = ("method", "path", "status", "duration_ms")
_STARTED = "kycw.started"
_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kycw_request_id", default=None
)

access_log = logging.getLogger(ACCESS_LOGGER)


def current_request_id() -> str | None:
    """The id of the request this thread is serving, if any."""
    return _REQUEST_ID.get()


def _accepted_id(sent: str | None) -> str:
    if sent is not None and _SAFE_ID.fullmatch(sent):
        return sent
    return secrets.token_hex(16)


def endpoint_label() -> str:
    """The URL rule the request matched, or ``<unmatched>`` (never the path)."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def request_started() -> float | None:
    """``time.perf_counter()`` when the request came in."""
    started = request.environ.get(_STARTED)
    return started if isinstance(started, float) else None


class JsonFormatter(logging.Formatter):
    """One JSON object per record."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.datetime.fromtimestamp(record.created, datetime.UTC)
        out: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
        }
        for field in _ACCESS_FIELDS:
            if hasattr(record, field):
                out[field] = getattr(record, field)
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exception"] = record.exc_text
        return json.dumps(out, default=str)


def log_level(default: str = "INFO") -> str:
    """``KYCW_LOG_LEVEL`` (an entry point's environment), else ``default``."""
    import os  # the entry points' setting: library code reads no environment

    level = os.environ.get(LEVEL_VARIABLE, default).strip().upper()
    if level not in logging.getLevelNamesMapping():
        raise SystemExit(
            f"{LEVEL_VARIABLE} must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL, not {level!r}"
        )
    return level


def configure_logging(level: str | None = None) -> None:
    """Send every logger's records to stderr as JSON lines, at ``level``
    (default :func:`log_level`); replaces the root logger's handlers."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level or log_level())


def gunicorn_logconfig() -> dict[str, Any]:
    """gunicorn's ``logconfig_dict``: gunicorn's messages and the app's as JSON
    on stderr; gunicorn's access log has no handler (the app logs its own)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "kyc_wallet.web.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": log_level(), "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"handlers": [], "propagate": True},
            "gunicorn.access": {"handlers": [], "propagate": False},
        },
    }


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's development server without its request lines (they hold the
    query string) and with its errors stripped of the request line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def log_error(self, format: str, *args: Any) -> None:
        logging.getLogger("werkzeug").warning(
            "the development server refused a request it could not read"
        )


class _RequestIdMiddleware:
    """Pick the request id, note the start time, answer ``X-Request-ID``."""

    def __init__(self, wrapped: Any) -> None:
        self.wrapped = wrapped

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request_id = _accepted_id(environ.get("HTTP_X_REQUEST_ID"))
        environ[_STARTED] = time.perf_counter()
        token = _REQUEST_ID.set(request_id)

        def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            return start_response(status, [*headers, (REQUEST_ID_HEADER, request_id)], *args)

        try:
            result: Iterable[bytes] = self.wrapped(environ, start)
            return result
        finally:
            _REQUEST_ID.reset(token)


def install_request_log(app: Flask) -> None:
    """Request ids and one access line per answered request of ``app``."""
    app.wsgi_app = _RequestIdMiddleware(app.wsgi_app)  # type: ignore[method-assign]

    @app.after_request
    def _access_line(response: Any) -> Any:
        started = request_started()
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        access_log.info(
            "%s %s %s",
            request.method,
            endpoint_label(),
            response.status_code,
            extra={
                "method": request.method,
                "path": endpoint_label(),
                "status": response.status_code,
                "duration_ms": duration,
            },
        )
        return response
