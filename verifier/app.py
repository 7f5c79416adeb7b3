"""The verifier's app factory: ``create_app(config=None, *, clock=time.time)``.

Configuration (docs/verifier.md): defaults below, then a TOML file, then
``KYCW_VERIFIER_*`` environment variables, then ``config``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from chain.outbox import Outbox
from kyc_wallet.web import qr_svg
from kyc_wallet.web.auth import parse_api_keys
from kyc_wallet.web.factory import new_app, rate_limit
from kyc_wallet.web.health import install_health
from kyc_wallet.web.metrics import install_metrics
from kyc_wallet.web.reload import Reloadable
from kyc_wallet.web.signin import install_operator_signin
from ssi.fetch import Fetcher, FetchPolicy

from .api_keys import MEMBERS as API_KEY_MEMBERS
from .api_keys import webhook_of, webhooks_by_actor
from .background import Background
from .core.context import VerifierContext, VerifierSettings
from .identity import ClientIdentity
from .settings import RELOADABLE, load_settings
from .storage import open_database
from .webhooks import Webhooks
from .whitelisting import start_chain

__all__ = ["create_app", "DEFAULTS"]

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": "verifier-data",
    "VERIFIER_URL": "http://127.0.0.1:5003",
    "TRUSTED_HOSTS": None,  # the URL's host, 127.0.0.1:<port>, localhost:<port>
    "VERIFIER_NAME": "Demo Token Platform",
    "WALLET_URL": "http://127.0.0.1:5002",
    "CLIENT_ID_PREFIX": None,  # x509_hash with a chain, else decentralized_identifier
    "KEY_PATH": None,
    "CERT_CHAIN_PATH": None,
    "RESPONSE_MODE": "direct_post.jwt",
    "TRUST_LIST_PATH": None,
    "TRUST_LIST": None,  # the same content inline (a mapping)
    "POLICIES_PATH": None,
    "POLICIES": None,  # the same content inline (a mapping)
    "API_KEYS": [],  # [{name, key, tokens, policies, webhook_url, webhook_secret}] (api_keys.py)
    "WEBHOOK_URL": None,  # the verifier's own pages and old-form keys
    "WEBHOOK_SECRET": None,
    "DEV_ALLOW_HTTP_LOOPBACK": False,
    "METRICS_TOKEN": None,  # GET /metrics answers only with this bearer token
    "REQUEST_TTL": 600,
    "REQUEST_OBJECT_TTL": 300,
    "KB_JWT_MAX_AGE": 300,
    "RATE_LIMIT_RESPONSE": "60 per minute",
    "RATE_LIMIT_REQUEST": "120 per minute",
    "RATE_LIMIT_STORAGE": "memory://",
    "CHAIN": None,  # "dev": in-process EVM with T-REX; "outbox": `kyc-wallet chain work`
    "DEV_TOKENS": [],
    "OUTBOX_PATH": None,  # the previous release's outbox file: imported at migrate
    "DATABASE_URL": None,  # None: verifier.sqlite in DATA_DIR; or postgresql+psycopg://
    "CHAIN_WORKER_INTERVAL": 1.0,
    "MONITOR_INTERVAL": 60.0,
    "OPERATOR_PASSWORD": None,
    "MAX_CONTENT_LENGTH": 1_100_000,
    "JSON_PATH_PREFIXES": ["/metrics", "/api/", "/oid4vp/", "/.well-known/"],
}


class _Identity:
    """The client identity, rebuilt when ``VERIFIER_URL`` changes (tests set it late)."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._cached: tuple[str, ClientIdentity] | None = None

    def get(self) -> ClientIdentity:
        config = self._app.config
        url = str(config["VERIFIER_URL"]).rstrip("/")
        if self._cached is None or self._cached[0] != url:
            key_path = Path(config["KEY_PATH"] or Path(config["DATA_DIR"]) / "verifier_key.pem")
            identity = ClientIdentity.load(
                config["CLIENT_ID_PREFIX"],
                key_path,
                config["CERT_CHAIN_PATH"],
                url,
                development=bool(config["DEV_ALLOW_HTTP_LOOPBACK"]),
            )
            self._cached = (url, identity)
        return self._cached[1]


def create_app(config: Mapping[str, Any] | None = None, *, clock: Any = time.time) -> Flask:
    """Build the verifier app; ``clock`` is injectable so tests can move time."""
    app = new_app(
        "verifier",
        DEFAULTS,
        config,
        "KYCW_VERIFIER",
        clock,
        title_setting="VERIFIER_NAME",
        home_endpoint="pages.index",
    )
    install_operator_signin(app, "VERIFIER_URL")
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=bool(app.config["DEV_ALLOW_HTTP_LOOPBACK"])))
    db = open_database(app.config)
    outbox = Outbox(db)
    platform = start_chain(app, outbox)
    holder = Reloadable(
        RELOADABLE, lambda: load_settings(app.config, platform, fetcher, clock), clock
    )
    loaded = holder.current
    default_webhook = webhook_of(
        app.config["WEBHOOK_URL"],
        app.config["WEBHOOK_SECRET"],
        ("WEBHOOK_URL", "WEBHOOK_SECRET"),
        min_secret=0,  # as before: the old setting's secret may be short
    )
    webhooks = webhooks_by_actor(loaded.api_access, default_webhook)
    install_health(app, db.ping)
    install_metrics(app)
    identity = _Identity(app)
    identity.get()  # fail at start on a bad key, chain or prefix
    webhook_sender = Webhooks(db, fetcher.post, clock, webhooks, default_webhook)
    config = app.config
    app.extensions["verifier"] = VerifierContext(
        settings=VerifierSettings(
            response_mode=str(config["RESPONSE_MODE"]),
            request_ttl=int(config["REQUEST_TTL"]),
            request_object_ttl=int(config["REQUEST_OBJECT_TTL"]),
            kb_jwt_max_age=float(config["KB_JWT_MAX_AGE"]),
            wallet_url=str(config["WALLET_URL"]),
            chain=config["CHAIN"],
        ),
        db=db,
        outbox=outbox,
        clock=clock,
        files=lambda: holder.current,
        webhooks=webhook_sender,
        identity=identity.get,
        chain=platform,
        qr=qr_svg,
    )
    app.extensions.update(  # the string keys the modules not yet on the core read
        store=db,  # the key the shared operator sign-in reads
        outbox=outbox,
        settings=holder,  # trust list, status checker, policies, grants: verifier.settings
        fetcher=fetcher,
        api_keys=parse_api_keys(app.config["API_KEYS"], API_KEY_MEMBERS),  # checked above
        webhooks=webhook_sender,
        identity_source=identity,
        chain=platform,
    )
    background = Background(app)
    app.extensions["background"] = background
    background.start()

    @app.before_request
    def _load_identity() -> None:
        app.extensions["identity"] = identity.get()

    from .api import bp as api_bp
    from .operator import bp as operator_bp
    from .pages import bp as pages_bp
    from .protocol import bp as protocol_bp

    for blueprint in (protocol_bp, pages_bp, api_bp, operator_bp):
        app.register_blueprint(blueprint)
    rate_limit(app, "protocol.response_endpoint", "RATE_LIMIT_RESPONSE")
    rate_limit(app, "protocol.get_request", "RATE_LIMIT_REQUEST")
    rate_limit(app, "protocol.post_request", "RATE_LIMIT_REQUEST")
    rate_limit(app, "pages.start", "RATE_LIMIT_REQUEST")
    rate_limit(app, "operator.token_verify", "RATE_LIMIT_REQUEST")
    return app
