"""One error handler per app: ``{"error", "error_description"}`` for machines
(OAuth 2.0 RFC 6749 §5.2 on protocol endpoints), a readable page for people.

Client mistakes become 4xx and change nothing; only a bug becomes a 500, and
its details stay in the log."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ssi.errors import SSIError

__all__ = ["register_error_handlers", "wants_json"]

_HTTP_ERROR_CODES = {
    400: "invalid_request",
    401: "invalid_client",
    403: "access_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "invalid_request",
    415: "invalid_request",
    429: "slow_down",
}


def wants_json() -> bool:
    """Protocol and API paths always get JSON; elsewhere, what the client accepts."""
    prefixes: tuple[str, ...] = tuple(current_app.config.get("JSON_PATH_PREFIXES", ()))
    if request.path.startswith(prefixes):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _respond(status: int, error: str, description: str, headers: Any = None) -> Any:
    if wants_json():
        response = jsonify({"error": error, "error_description": description})
    else:
        page = render_template(
            "common/error.html", status=status, error=error, description=description
        )
        response = current_app.response_class(page, mimetype="text/html")
    response.status_code = status
    if status in (400, 401, 403, 429) and wants_json():
        response.headers["Cache-Control"] = "no-store"
    for name, value in headers or []:
        response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(SSIError)
    def _ssi_error(exc: SSIError) -> Any:
        if exc.status >= 500:
            app.logger.warning("%s: %s", type(exc).__name__, exc.description)
        retry_after = getattr(exc, "retry_after", 60)  # a 429 (or 503) may know how long
        wait = exc.status == 429 or hasattr(exc, "retry_after")
        headers = [("Retry-After", str(retry_after))] if wait else None
        return _respond(exc.status, exc.error, exc.description, headers)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        error = _HTTP_ERROR_CODES.get(status, "invalid_request" if status < 500 else "server_error")
        kept = [(k, v) for k, v in exc.get_headers() if k.lower() in ("allow", "retry-after")]
        return _respond(status, error, exc.description or exc.name, kept)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        app.logger.exception("unexpected error")
        return _respond(500, "server_error", "an unexpected error occurred; it has been logged")
