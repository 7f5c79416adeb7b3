"""One error handler per app: ``{"error", "error_description"}`` for machines
(OAuth 2.0 RFC 6749 §5.2 on protocol endpoints), a readable page for people.

Client mistakes become 4xx and change nothing; only a bug becomes a 500, and
its details stay in the log.

The page (``common/error.html``) extends the app's own ``<app>/_base.html``,
so it keeps the app's navigation; it says in a plain sentence what happened
and what to do next (:mod:`.error_pages`), and keeps the error code, the HTTP
status and the request id in small print for support (issue 20 item 2)."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify, render_template, request
from jinja2 import Template
from werkzeug.exceptions import HTTPException

from ssi.errors import SSIError

from .error_pages import explain
from .logs import current_request_id

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


def _base_template() -> Template:
    """The app's own base (its navigation), else the common one."""
    return current_app.jinja_env.select_template(
        [f"{current_app.name}/_base.html", "common/base.html"]
    )


def _back_link() -> str | None:
    """The page the person came from, when it is one of this app's (the
    ``Referer`` of a same-origin page: ``Referrer-Policy: same-origin``)."""
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url) and referrer != request.url:
        return referrer
    return None


def _page(
    status: int, error: str, description: str, own: bool, kind: str | None, wait: int | None
) -> str:
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    words = explain(status, kind, size_limit=limit, retry_after=wait)
    shown = own and words.show_description and bool(description)
    context = {
        "status": status,
        "error": error,
        "headline": words.headline,
        "next_step": words.next_step,
        "detail": description if shown else "",
        "technical": "" if shown else description,
        "request_id": current_request_id(),
        "back": _back_link(),
    }
    try:
        return render_template("common/error.html", base_template=_base_template(), **context)
    except Exception:  # the app's navigation failed to render: the page without it
        current_app.logger.exception("error page with the app's navigation failed")
        base = current_app.jinja_env.get_template("common/base.html")
        return render_template("common/error.html", base_template=base, **context)


def _respond(
    status: int,
    error: str,
    description: str,
    headers: Any = None,
    *,
    own: bool = False,
    kind: str | None = None,
    technical: bool = True,
) -> Any:
    """The error as JSON for machines, as a page for people. ``own``: the
    description is the app's own message (an :class:`SSIError`'s), worth
    showing as it is; ``kind``: the exception's ``page_kind``; ``technical``:
    whether the page repeats the description in its small print."""
    if wants_json():
        response = jsonify({"error": error, "error_description": description})
    else:
        wait = next((int(v) for k, v in headers or [] if k == "Retry-After" and v.isdigit()), None)
        page = _page(status, error, description if technical else "", own, kind, wait)
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
        kind = getattr(exc, "page_kind", None)
        return _respond(exc.status, exc.error, exc.description, headers, own=True, kind=kind)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        error = _HTTP_ERROR_CODES.get(status, "invalid_request" if status < 500 else "server_error")
        kept = [(k, v) for k, v in exc.get_headers() if k.lower() in ("allow", "retry-after")]
        description = exc.description or exc.name
        stock = exc.description == type(exc).description  # Werkzeug's text: not for the page
        return _respond(status, error, description, kept, technical=not stock)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        app.logger.exception("unexpected error")
        return _respond(500, "server_error", "an unexpected error occurred; it has been logged")
