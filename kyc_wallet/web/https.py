"""``Secure`` cookies and HSTS whenever the app's public URL is https (issue 19
item 9): behind a TLS-terminating proxy the app itself sees plain HTTP, so the
configured public URL (``ISSUER_URL``, ``VERIFIER_URL``), not the request,
decides. The URL is read at each response, as tests and ``--url`` may set it
after the app was built.

HSTS: RFC 6797 §6.1 (``Strict-Transport-Security: max-age=…``); a browser
ignores it on a plain HTTP answer (§8.1), and it is sent without
``includeSubDomains``, since other hosts under the same domain are not ours.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

__all__ = ["HSTS_MAX_AGE", "install_https", "public_url_is_https"]

HSTS_MAX_AGE = 31_536_000  # one year


def public_url_is_https(app: Flask, url_setting: str) -> bool:
    return str(app.config.get(url_setting) or "").lower().startswith("https://")


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, ``Secure`` when the public URL is https."""

    def __init__(self, url_setting: str) -> None:
        self.url_setting = url_setting

    def get_cookie_secure(self, app: Flask) -> bool:
        configured = bool(app.config["SESSION_COOKIE_SECURE"])
        return configured or public_url_is_https(app, self.url_setting)


def install_https(app: Flask, url_setting: str) -> None:
    """``url_setting`` names the app's public base URL setting."""
    app.session_interface = _SessionInterface(url_setting)

    @app.after_request
    def _strict_transport_security(response: Any) -> Any:
        if public_url_is_https(app, url_setting):
            response.headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}")
        return response
