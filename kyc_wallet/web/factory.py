"""What every app factory does first: the Flask object with the shared
templates and static files, its configuration, the trusted hosts, the Origin
and CSRF checks and security headers (:mod:`.security`), the error handler,
and a rate limiter.

The app's public URL setting is ``<NAME>_URL`` (``ISSUER_URL``, ``WALLET_URL``,
``VERIFIER_URL``): the default ``TRUSTED_HOSTS`` and the app's own origin come
from it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from .config import load_config
from .config_types import check_setting_types
from .errors import register_error_handlers
from .logs import install_request_log
from .security import install_security

__all__ = ["new_app", "rate_limit"]

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
    app.extensions["limiter"] = Limiter(
        get_remote_address, app=app, storage_uri=app.config.get("RATE_LIMIT_STORAGE", "memory://")
    )
    app.jinja_env.globals.update(app_title=app.config[title_setting], home_endpoint=home_endpoint)
    register_error_handlers(app)
    install_request_log(app)
    return app


def rate_limit(app: Flask, endpoint: str, setting: str) -> None:
    """Limit ``endpoint`` per client address to the ``setting`` (e.g. ``60 per minute``)."""
    limiter: Limiter = app.extensions["limiter"]
    view: Any = app.view_functions[endpoint]
    app.view_functions[endpoint] = limiter.limit(lambda: app.config[setting])(view)
