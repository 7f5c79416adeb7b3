"""The issuer's app factory: ``create_app(config=None)``.

Configuration (docs/configuration.md): defaults below, then a TOML file, then
``KYCW_ISSUER_*`` environment variables, then ``config``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from kyc_wallet.database import Database
from kyc_wallet.web.auth import secret_hash
from kyc_wallet.web.config import ConfigurationError
from kyc_wallet.web.factory import new_app, rate_limit
from kyc_wallet.web.health import install_health
from kyc_wallet.web.metrics import install_metrics
from kyc_wallet.web.signin import DEFAULTS as SIGNIN_DEFAULTS
from kyc_wallet.web.signin import install_operator_signin
from ssi.fetch import is_loopback_host

from . import records
from .core.context import IssuerContext
from .db.setup import SchemaMismatch, check_current, migrate, open_database
from .keys import IssuerKeys
from .service import install_context
from .w3c import load_w3c_issuer

__all__ = ["create_app", "DEFAULTS", "DEMO_ISSUER_NAME"]

DEMO_ISSUER_NAME = "Demo KYC Provider"
"""The name of an issuer on loopback without ``ISSUER_NAME`` (:func:`issuer_name`)."""

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": "issuer-data",
    "DATABASE_URL": None,  # unset: issuer.sqlite in DATA_DIR; or postgresql+psycopg://…
    "ISSUER_URL": "http://127.0.0.1:5001",
    "TRUSTED_HOSTS": None,  # the URL's host, 127.0.0.1:<port>, localhost:<port>
    "ISSUER_NAME": None,  # required unless ISSUER_URL is loopback (then DEMO_ISSUER_NAME)
    "WALLET_URL": "http://127.0.0.1:5002",
    "SIGNING_ALG": "ES256",
    "KEY_PATH": None,
    "CERT_CHAIN_PATH": None,
    "W3C_KEY_PATH": None,
    "W3C_OFFER": [],
    "OPERATOR_PASSWORD": None,
    **SIGNIN_DEFAULTS,
    "API_KEYS": [],
    "DEV_ALLOW_HTTP_LOOPBACK": False,
    "METRICS_TOKEN": None,  # GET /metrics answers only with this bearer token
    "OFFER_TTL": 86400,
    "ACCESS_TOKEN_TTL": 300,
    "NONCE_TTL": 300,
    "PROOF_MAX_AGE": 300,
    "TX_CODE_LENGTH": 6,
    "TX_CODE_MAX_ATTEMPTS": 5,
    "BATCH_SIZE": 5,
    "CREDENTIAL_TTL_DAYS": 365,
    "STATUS_LIST_SIZE": 1 << 17,
    "STATUS_LIST_TTL": 300,
    "STATUS_LIST_LIFETIME": 86400,
    "RETAIN_PERSONAL_DATA": False,
    "RATE_LIMIT_TOKEN": "60 per minute",
    "RATE_LIMIT_NONCE": "120 per minute",
    "RATE_LIMIT_STORAGE": "database",  # or memory:// (one process), redis://…
    "TRUSTED_PROXY_HOPS": 0,  # proxies in front that append X-Forwarded-For/-Proto
    "MAX_CONTENT_LENGTH": 1_000_000,
    "JSON_PATH_PREFIXES": [
        "/metrics",
        "/api/",
        "/token",
        "/nonce",
        "/credential",
        "/.well-known/",
        "/offers/",
        "/statuslists/",
    ],
}


def create_app(config: Mapping[str, Any] | None = None, *, clock: Any = time.time) -> Flask:
    """Build the issuer app; ``clock`` is injectable so tests can move time."""
    app = new_app(
        "issuer",
        DEFAULTS,
        config,
        "KYCW_ISSUER",
        clock,
        title_setting="ISSUER_NAME",
        home_endpoint="operator.index",
    )
    app.config["ISSUER_NAME"] = issuer_name(app.config)
    app.jinja_env.globals["app_title"] = app.config["ISSUER_NAME"]
    install_operator_signin(app, "ISSUER_URL")
    data_dir = Path(app.config["DATA_DIR"])
    app.config["ISSUER_URL"] = app.config["ISSUER_URL"].rstrip("/")
    key_path = Path(app.config["KEY_PATH"] or data_dir / "issuer_key.pem")
    chain = app.config["CERT_CHAIN_PATH"]
    keys = IssuerKeys.load(key_path, app.config["SIGNING_ALG"], Path(chain) if chain else None)
    w3c_key_path = Path(app.config["W3C_KEY_PATH"] or data_dir / "w3c_issuer_key.pem")
    w3c_issuer = load_w3c_issuer(w3c_key_path, app.config["W3C_OFFER"])
    db = open_issuer_database(app.config)
    ctx = IssuerContext(db, keys, w3c_issuer, clock, secret_hash, app.config)
    install_context(app, ctx)
    app.extensions["store"] = db  # for kyc_wallet.web.signin (shared with the verifier)
    install_health(app, db.ping)
    install_metrics(app)
    if not app.config["RETAIN_PERSONAL_DATA"]:  # tokens that expired while it was stopped
        records.sweep(db, ctx.now())

    from .api import bp as api_bp
    from .metadata import bp as metadata_bp
    from .operator import bp as operator_bp
    from .protocol import bp as protocol_bp

    for blueprint in (metadata_bp, protocol_bp, operator_bp, api_bp):
        app.register_blueprint(blueprint)
    rate_limit(app, "protocol.token", "RATE_LIMIT_TOKEN")
    rate_limit(app, "protocol.nonce", "RATE_LIMIT_NONCE")
    return app


def issuer_name(config: Mapping[str, Any]) -> str:
    """``ISSUER_NAME``: what wallets show investors as the credential's issuer.
    An issuer others can reach (its ``ISSUER_URL`` host is not this computer)
    must name itself; only a demo or trial on loopback (127.0.0.1, localhost)
    is ``Demo KYC Provider`` when it is unset."""
    name = config["ISSUER_NAME"]
    if name and name.strip():
        return str(name).strip()
    if is_loopback_host(urlsplit(str(config["ISSUER_URL"])).hostname or ""):
        return DEMO_ISSUER_NAME
    raise ConfigurationError(
        f"ISSUER_NAME is not set: the name wallets show investors for the KYC provider at "
        f"{config['ISSUER_URL']}; set it in the configuration file "
        '(ISSUER_NAME = "Example KYC GmbH") or as KYCW_ISSUER_ISSUER_NAME'
    )


def database_from_config(config: Mapping[str, Any]) -> Database:
    """The database ``DATABASE_URL`` names, else ``issuer.sqlite`` in ``DATA_DIR``
    (a mistyped URL: :class:`ConfigurationError`, one line)."""
    url = config.get("DATABASE_URL")
    if url is not None and not isinstance(url, str):
        raise ConfigurationError(f"DATABASE_URL must be a string, not {type(url).__name__!r}")
    try:
        return open_database(config["DATA_DIR"], url or None)
    except ValueError as exc:
        raise ConfigurationError(str(exc)) from None


def open_issuer_database(config: Mapping[str, Any]) -> Database:
    """The app's database: the embedded SQLite default is migrated here, under
    its file lock; a PostgreSQL database must already be current
    (``kyc-wallet issuer migrate``), else the start stops with one line."""
    db = database_from_config(config)
    try:
        if db.is_sqlite:
            migrate(db)
        else:
            check_current(db)
    except SchemaMismatch as exc:
        db.dispose()
        raise ConfigurationError(str(exc)) from None
    return db
