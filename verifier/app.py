"""The verifier's app factory: ``create_app(config=None, *, clock=time.time)``.

Configuration (docs/verifier.md): defaults below, then a TOML file, then
``KYCW_VERIFIER_*`` environment variables, then ``config``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

from chain.outbox import Outbox
from kyc_wallet.web import qr_svg
from kyc_wallet.web.auth import parse_api_keys
from kyc_wallet.web.config import DEVELOPMENT_SETTING, ConfigurationError
from kyc_wallet.web.factory import new_app, rate_limit
from kyc_wallet.web.health import install_health
from kyc_wallet.web.metrics import install_metrics
from kyc_wallet.web.qr import check_fits
from kyc_wallet.web.reload import Reloadable
from kyc_wallet.web.signin import install_operator_signin
from ssi.fetch import Fetcher, FetchPolicy

from .api_keys import MEMBERS as API_KEY_MEMBERS
from .api_keys import webhook_of, webhooks_by_actor
from .core.context import VerifierContext, VerifierSettings
from .identity import ClientIdentity
from .settings import RELOADABLE, issuer_documents, load_settings
from .storage import open_database
from .webhooks import Webhooks

if TYPE_CHECKING:
    from chain.platform import PlatformChain

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
    "WEBHOOK_MAX_ATTEMPTS": 8,  # then the delivery is failed (the operator's page)
    "WEBHOOK_RETRY_BASE": 30.0,  # seconds before the 2nd attempt, doubling (up to 6 h)
    "DEV_ALLOW_HTTP_LOOPBACK": False,
    "METRICS_TOKEN": None,  # GET /metrics answers only with this bearer token
    "REQUEST_TTL": 600,
    "REQUEST_OBJECT_TTL": 300,
    "KB_JWT_MAX_AGE": 300,
    "RATE_LIMIT_RESPONSE": "60 per minute",
    "RATE_LIMIT_REQUEST": "120 per minute",
    "RATE_LIMIT_STORAGE": "database",  # or memory:// (one process), redis://…
    "TRUSTED_PROXY_HOPS": 0,  # proxies in front that append X-Forwarded-For/-Proto
    "CHAIN": None,  # "dev": in-process EVM with T-REX (verifier.dev_chain); "outbox": a node
    "DEV_TOKENS": [],
    # the worker's node (CHAIN = "outbox"; `kyc-wallet chain deploy` wrote these files)
    "CHAIN_RPC_URL": None,
    "CHAIN_DEPLOYMENT_PATH": None,
    "CHAIN_AGENT_KEY_PATH": None,
    "CHAIN_CLAIM_KEY_PATH": None,  # None: the agent's key
    # sending (chain.inflight): blocks until done, seconds before a stuck one is replaced
    "CHAIN_CONFIRMATIONS": 1,
    "CHAIN_REPLACE_AFTER": 180.0,
    "CHAIN_RECEIPT_TIMEOUT": 60.0,
    "CHAIN_MAX_FEE_GWEI": None,  # None: no cap on a replacement's maxFeePerGas
    "OUTBOX_PATH": None,  # the previous release's outbox file: imported at migrate
    "DATABASE_URL": None,  # None: verifier.sqlite in DATA_DIR; or postgresql+psycopg://
    # the worker's schedules, in seconds (0: that job is off): verifier.worker
    "CHAIN_WORKER_INTERVAL": 1.0,
    "WEBHOOK_INTERVAL": 1.0,
    "MONITOR_INTERVAL": 60.0,
    "RECONCILE_INTERVAL": 3600.0,
    "RETENTION_INTERVAL": 3600.0,
    # days a finished verification's request and claims are kept (0: forever)
    "RETENTION_DAYS": 30.0,
    "OPERATOR_PASSWORD": None,
    "MAX_CONTENT_LENGTH": 1_100_000,
    "METADATA_CACHE_MAX_AGE": 3600.0,
    "KEY_REFETCH_INTERVAL": 60.0,
    "JSON_PATH_PREFIXES": ["/metrics", "/api/", "/oid4vp/", "/.well-known/"],
}


def create_app(
    config: Mapping[str, Any] | None = None,
    *,
    clock: Any = time.time,
    chain: PlatformChain | None = None,
) -> Flask:
    """Build the verifier app; ``clock`` is injectable so tests can move time.

    No side effects beyond opening the database (the embedded SQLite default is
    migrated under its lock): no thread, no deployment. ``chain``: the in-process
    development chain of ``CHAIN = "dev"``, started first
    (:func:`verifier.dev_chain.start_dev_chain`); the background work is
    :class:`verifier.worker.VerifierWorker`'s (``kyc-wallet verifier worker``)."""
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
    fetcher = Fetcher(
        FetchPolicy(
            allow_http_loopback=bool(app.config["DEV_ALLOW_HTTP_LOOPBACK"]),
            development_setting=DEVELOPMENT_SETTING,
        )
    )
    if (app.config["CHAIN"] == "dev") != (chain is not None):
        raise ConfigurationError(
            'CHAIN = "dev" runs the chain in the verifier\'s process: start it with '
            "`kyc-wallet verifier --with-worker` (the demo does)"
            if chain is None
            else 'an in-process chain was given but CHAIN is not "dev"'
        )
    db = open_database(app.config)
    outbox = Outbox(db)
    platform = chain
    documents = issuer_documents(app.config, fetcher, clock)  # outlives reloads
    holder = Reloadable(
        RELOADABLE, lambda: load_settings(app.config, platform, fetcher, clock, documents), clock
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
    key_path = app.config["KEY_PATH"] or Path(app.config["DATA_DIR"]) / "verifier_key.pem"
    identity = ClientIdentity.load(  # fails at start on a bad key, chain or prefix
        app.config["CLIENT_ID_PREFIX"],
        Path(key_path),
        app.config["CERT_CHAIN_PATH"],
        str(app.config["VERIFIER_URL"]).rstrip("/"),
        development=bool(app.config["DEV_ALLOW_HTTP_LOOPBACK"]),
    )
    webhook_sender = Webhooks(
        db,
        fetcher.post,
        clock,
        webhooks,
        default_webhook,
        max_attempts=int(app.config["WEBHOOK_MAX_ATTEMPTS"]),
        retry_base=float(app.config["WEBHOOK_RETRY_BASE"]),
    )
    config = app.config
    app.extensions["verifier"] = VerifierContext(
        settings=VerifierSettings(
            response_mode=str(config["RESPONSE_MODE"]),
            request_ttl=int(config["REQUEST_TTL"]),
            request_object_ttl=int(config["REQUEST_OBJECT_TTL"]),
            kb_jwt_max_age=float(config["KB_JWT_MAX_AGE"]),
            wallet_url=str(config["WALLET_URL"]),
            chain=config["CHAIN"],
            retention_days=float(config["RETENTION_DAYS"]),
        ),
        db=db,
        outbox=outbox,
        clock=clock,
        files=lambda: holder.current,
        webhooks=webhook_sender,
        identity=lambda: identity,
        chain=platform,
        qr=qr_svg,
        qr_fits=check_fits,
    )
    app.extensions.update(  # the string keys the modules not yet on the core read
        store=db,  # the key the shared operator sign-in reads
        outbox=outbox,
        settings=holder,  # trust list, status checker, policies, grants: verifier.settings
        fetcher=fetcher,
        api_keys=parse_api_keys(app.config["API_KEYS"], API_KEY_MEMBERS),  # checked above
        webhooks=webhook_sender,
        identity=identity,
        chain=platform,
    )

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
