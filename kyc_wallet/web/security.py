"""Who may talk to an app: trusted ``Host`` names, ``Origin`` and CSRF on page
forms, security headers and cookie settings (SECURITY.md "Web" and "Who may
do what").

- ``TRUSTED_HOSTS`` (default: the host of the app's public URL,
  ``127.0.0.1:<port>`` and ``localhost:<port>``) is Flask's own setting:
  Werkzeug refuses any other ``Host`` with 400 before a view runs, on every
  route. Werkzeug compares host names only; the port of an entry is ignored.
  A DNS-rebinding page cannot choose the name its requests carry, so the name
  is what keeps it out.
- Every state-changing request of a page form (not the endpoints other
  parties call, marked :func:`csrf_exempt`) must come from the app's own
  origin: a foreign ``Origin`` (``null`` included) or a ``Sec-Fetch-Site``
  other than ``same-origin``/``none`` gets 403; a request with neither header
  (a non-browser client) needs only the CSRF token. Then the form's CSRF token
  (double submit, bound to the session) is checked. Pages are served with
  ``Referrer-Policy: same-origin``: no ``Referer`` leaves for another site, and
  the browser names the page's origin on its own forms.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import Flask, jsonify, request, session
from werkzeug.exceptions import SecurityError

from ssi.errors import AccessDenied, InvalidRequest

from .errors import wants_json

__all__ = [
    "CSP",
    "CSRFError",
    "CrossOriginRequest",
    "csrf_exempt",
    "csrf_token",
    "default_trusted_hosts",
    "install_security",
    "new_csrf_token",
]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_OWN_FETCH_SITES = {"same-origin", "none"}
_FOREIGN = "this form was sent from another site: open the page here and send it again"
F = TypeVar("F", bound=Callable[..., Any])


class CSRFError(InvalidRequest):
    """The form's CSRF token is missing or not this session's."""

    page_kind = "form_expired"  # the error page: "The form expired" (.error_pages)


class CrossOriginRequest(AccessDenied):
    """A page form posted from another origin (``Origin`` or ``Sec-Fetch-Site``)."""

    page_kind = "cross_site"


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
        token = new_csrf_token()
    return token


def new_csrf_token() -> str:
    """Give the session a fresh CSRF token (after its privileges changed)."""
    token = secrets.token_urlsafe(32)
    session["csrf"] = token
    return token


def _origin_of(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def default_trusted_hosts(public_url: str | None) -> list[str]:
    """The host of ``public_url``, ``127.0.0.1:<port>`` and ``localhost:<port>``."""
    parts = urlsplit(public_url or "")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    hosts = [parts.netloc] if parts.hostname else []
    for name in (f"127.0.0.1:{port}", f"localhost:{port}"):
        if name not in hosts:
            hosts.append(name)
    return hosts


def _check_same_origin(public_url: str | None) -> None:
    """403 unless the request comes from this app's own origin (or says nothing).

    ``Origin: null`` is foreign, unless the browser itself says the request is
    ``Sec-Fetch-Site: same-origin`` (a page under ``Referrer-Policy:
    no-referrer`` posts its own forms with ``Origin: null``; ``Sec-Fetch-*``
    headers are set by the browser alone)."""
    origin = request.headers.get("Origin")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    site = fetch_site.strip().lower() if fetch_site is not None else None
    if site is not None and site not in _OWN_FETCH_SITES:
        raise CrossOriginRequest(_FOREIGN)
    if origin is not None:
        own = {f"{request.scheme}://{request.host}".lower(), _origin_of(public_url or "")}
        sent = origin.strip().lower()
        if sent not in own and not (sent == "null" and site == "same-origin"):
            raise CrossOriginRequest(_FOREIGN)


def install_security(app: Flask, public_url_setting: str | None = None) -> None:
    """Trusted hosts, Origin and CSRF checks on page forms, headers, cookies.

    ``public_url_setting`` names the app's public URL setting (``ISSUER_URL``…):
    the default ``TRUSTED_HOSTS`` and the app's own origin come from it.
    Registered before any other ``before_request`` of the app, so a refused
    request reaches no other hook and no view."""
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    if not app.config.get("TRUSTED_HOSTS"):
        public = app.config.get(public_url_setting) if public_url_setting else None
        app.config["TRUSTED_HOSTS"] = default_trusted_hosts(public)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.filters["utc"] = utc_time

    @app.before_request
    def _check_host_origin_csrf() -> None:
        if isinstance(request.routing_exception, SecurityError):
            raise request.routing_exception  # Werkzeug: the Host is not trusted
        if request.method not in _UNSAFE:
            return
        view = app.view_functions.get(request.endpoint or "")
        if view is None or getattr(view, "csrf_exempt", False):
            return
        public = app.config.get(public_url_setting) if public_url_setting else None
        _check_same_origin(public)
        sent = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token") or ""
        expected = session.get("csrf")
        if not isinstance(expected, str) or not hmac.compare_digest(
            sent.encode(), expected.encode()
        ):
            raise CSRFError("the form's CSRF token is missing or wrong: reload the page and retry")

    @app.errorhandler(SecurityError)
    def _untrusted_host(exc: SecurityError) -> Any:
        # no URL adapter exists for this request: the page cannot use url_for
        description = "this server does not answer to that host name"
        if wants_json():
            response = jsonify({"error": "invalid_request", "error_description": description})
        else:
            response = app.response_class(
                f"400 Bad Request: {description}\n", mimetype="text/plain"
            )
        response.status_code = 400
        return response

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # not no-referrer: under it browsers post a page's own forms with Origin: null
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response
