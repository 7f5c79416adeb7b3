"""CSRF (double-submit token bound to the session), security headers and cookie
settings: SECURITY.md "Web" (CSRF on every state-changing form; SameSite
cookies; a Content-Security-Policy without inline scripts)."""

from __future__ import annotations

import datetime
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, request, session

from ssi.errors import InvalidRequest

__all__ = ["CSRFError", "csrf_exempt", "csrf_token", "install_security", "CSP"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
F = TypeVar("F", bound=Callable[..., Any])


class CSRFError(InvalidRequest):
    """The form's CSRF token is missing or not this session's."""


def csrf_exempt(view: F) -> F:
    """Mark a view that authenticates otherwise (protocol endpoints, API keys)."""
    view.csrf_exempt = True  # type: ignore[attr-defined]
    return view


def utc_time(timestamp: Any) -> str:
    """A Unix time as ``YYYY-MM-DD HH:MM UTC`` for pages."""
    if not isinstance(timestamp, int | float):
        return "—"
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def csrf_token() -> str:
    token = session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def install_security(app: Flask) -> None:
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.filters["utc"] = utc_time

    @app.before_request
    def _check_csrf() -> None:
        if request.method not in _UNSAFE:
            return
        view = app.view_functions.get(request.endpoint or "")
        if view is None or getattr(view, "csrf_exempt", False):
            return
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get("csrf")
        if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
            raise CSRFError("the form's CSRF token is missing or wrong: reload the page and retry")

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
