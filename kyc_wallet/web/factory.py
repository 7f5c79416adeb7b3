"""What every app factory does first: the Flask object with the shared
templates and static files, its configuration, the trusted hosts, the Origin
and CSRF checks and security headers (:mod:`.security`), the error handler,
the trusted proxy hops, the pages' languages (:mod:`.i18n`) and the rate
limiter (:mod:`.rate_limit`).

The app's public URL setting is ``<NAME>_URL`` (``ISSUER_URL``, ``WALLET_URL``,
``VERIFIER_URL``): the default ``TRUSTED_HOSTS`` and the app's own origin come
from it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from kyc_wallet.database import Database

from .config import ConfigurationError, load_config
from .config_types import check_setting_types
from .display import install_display_filters
from .errors import register_error_handlers
from .i18n import install_i18n
from .logs import install_request_log
from .rate_limit import RateLimiter, counters_for
from .security import install_security

__all__ = ["PROXY_HOPS", "new_app", "rate_limit"]

PROXY_HOPS = "TRUSTED_PROXY_HOPS"
"""The setting of the apps that may run behind proxies (the issuer and the
verifier declare it; the wallet does not, and reads no ``X-Forwarded-*``)."""

HERE = Path(__file__).resolve().parent


def new_app(
    name: str,
    defaults: Mapping[str, Any],
    config: Mapping[str, Any] | None,
    prefix: str,
    clock: Callable[[], float],
    *,
    title_setting: str,
    home_endpoint: str,
) -> Flask:
    app = Flask(
        name,
        template_folder=str(HERE / "templates"),  # package data: in the wheel too
        static_folder=str(HERE / "static"),
    )
    # cookies are per host, not per port: three apps on 127.0.0.1 need three names
    app.config["SESSION_COOKIE_NAME"] = f"kycw_{name}_session"
    load_config(app, defaults, config, prefix)
    check_setting_types(app.config, defaults)
    app.extensions["clock"] = clock
    # first: a foreign Host or Origin reaches no other hook (not even the limiter)
    install_security(app, f"{name.upper()}_URL")
    if PROXY_HOPS in defaults:
        install_proxy_fix(app)
    app.jinja_env.globals.update(app_title=app.config[title_setting], home_endpoint=home_endpoint)
    install_display_filters(app)
    install_i18n(app)
    register_error_handlers(app)
    install_request_log(app)
    return app


def install_proxy_fix(app: Flask) -> None:
    """Behind ``TRUSTED_PROXY_HOPS`` proxies (0: none, the default), take the
    client's address and scheme from the ``X-Forwarded-For`` and
    ``X-Forwarded-Proto`` entries those proxies appended (Werkzeug's
    ``ProxyFix``: the rightmost ``hops`` entries; whatever a client wrote
    before them is ignored). ``X-Forwarded-Host``, ``-Port`` and ``-Prefix``
    are never read: the proxy passes ``Host`` through and ``TRUSTED_HOSTS``
    checks it."""
    hops = app.config[PROXY_HOPS]
    if not isinstance(hops, int) or isinstance(hops, bool) or not 0 <= hops <= 10:
        raise ConfigurationError(f"{PROXY_HOPS} must be a whole number from 0 to 10, not {hops!r}")
    if hops:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=0, x_port=0, x_prefix=0
        )


def rate_limit(app: Flask, endpoint: str, setting: str) -> None:
    """Limit ``endpoint`` per client address to the ``setting`` (e.g. ``60 per minute``).

    The first call builds the app's :class:`RateLimiter` on the store
    ``RATE_LIMIT_STORAGE`` names; ``database`` is the app's own
    :class:`Database` (``app.extensions["store"]``, set by the issuer and the
    verifier before they register their limits)."""
    limiter = app.extensions.get("rate_limiter")
    if limiter is None:
        store = app.extensions.get("store")
        database = store if isinstance(store, Database) else None
        counters = counters_for(app.config.get("RATE_LIMIT_STORAGE", "memory://"), database)
        limiter = RateLimiter(app.name, counters, app.extensions["clock"])
        app.extensions["rate_limiter"] = limiter
    limiter.guard(app, endpoint, setting)
