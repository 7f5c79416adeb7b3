"""The wallet's app factory: ``create_app(config=None)``.

The investor's own web wallet, served on 127.0.0.1. Configuration: defaults
below, then a TOML file, then ``KYCW_WALLET_*`` environment variables, then
``config`` (docs/configuration.md).

Every page but setup and unlock belongs to the browser session that unlocked
the vault: any other request is sent to ``/unlock`` (303) before its view
runs, and gets no data (issue 18, :mod:`wallet.sessions`). No page is kept in
the browser's cache (``Cache-Control: no-store``).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, redirect, request, url_for

from kyc_wallet.web.config import DEVELOPMENT_SETTING
from kyc_wallet.web.factory import new_app
from kyc_wallet.web.health import install_health
from kyc_wallet.web.reload import Reloadable
from ssi.fetch import Fetcher, FetchPolicy

from .core import WalletContext, settings_from_config
from .pending import PendingStore
from .trust_anchors import RELOADABLE, load_trust_anchors
from .vault import KdfParams, VaultStore
from .web_context import install_context, session_handle

__all__ = ["DEFAULTS", "build_context", "create_app"]

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": "wallet-data",
    "WALLET_NAME": "KYC Wallet",
    "WALLET_URL": "http://127.0.0.1:5002",
    "TRUSTED_HOSTS": None,  # the WALLET_URL host, 127.0.0.1:<port>, localhost:<port>
    "IDLE_TIMEOUT": 900,
    "ABSOLUTE_TIMEOUT": 8 * 3600,
    "BATCH_SIZE": 3,
    "HOLDER_KEY_ALG": "ES256",
    "DEV_ALLOW_HTTP_LOOPBACK": False,
    "TRUSTED_X509_ROOTS": None,
    "FETCH_TIMEOUT": 5.0,
    "KDF_OPSLIMIT": None,
    "KDF_MEMLIMIT": None,
    "JSON_PATH_PREFIXES": ["/api/"],
    "MAX_CONTENT_LENGTH": 2_000_000,
}

# routes that work while the vault is locked or not yet created
_OPEN_ENDPOINTS = {"static", "vault.setup", "vault.unlock", "vault.index", "language.switch"}


def build_context(config: Mapping[str, Any], clock: Callable[[], float]) -> WalletContext:
    """The composition root: every dependency of the wallet's operations, once
    (:class:`wallet.core.WalletContext`)."""
    kdf = KdfParams()
    if config["KDF_OPSLIMIT"] and config["KDF_MEMLIMIT"]:
        kdf = KdfParams(int(config["KDF_OPSLIMIT"]), int(config["KDF_MEMLIMIT"]))
    pending = PendingStore(clock)
    vaults = VaultStore(
        str(Path(config["DATA_DIR"]) / "wallet.sqlite"),
        kdf=kdf,
        idle_timeout=float(config["IDLE_TIMEOUT"]),
        absolute_timeout=float(config["ABSOLUTE_TIMEOUT"]),
        clock=clock,
        on_session_end=pending.forget,
    )
    fetcher = Fetcher(
        FetchPolicy(
            allow_http_loopback=bool(config["DEV_ALLOW_HTTP_LOOPBACK"]),
            timeout=float(config["FETCH_TIMEOUT"]),
            development_setting=DEVELOPMENT_SETTING,
        )
    )
    # TRUSTED_X509_ROOTS, re-read on SIGHUP (wallet.cli; wallet.trust_anchors)
    anchors = Reloadable(RELOADABLE, lambda: load_trust_anchors(config, fetcher, clock), clock)
    return WalletContext(settings_from_config(config), clock, vaults, fetcher, anchors, pending)


def create_app(
    config: Mapping[str, Any] | None = None, *, clock: Callable[[], float] = time.time
) -> Flask:
    app = new_app(
        "wallet",
        DEFAULTS,
        config,
        "KYCW_WALLET",
        clock,
        title_setting="WALLET_NAME",
        home_endpoint="vault.index",
    )
    context = build_context(app.config, clock)
    install_context(app, context)

    def vault_answers() -> None:
        """``/readyz``: the vault file answers a query (raises when it cannot)."""
        context.vaults.initialized  # noqa: B018 (the query is the check)

    install_health(app, vault_answers)  # /healthz, /readyz: the demo's start-up probe

    @app.before_request
    def _require_unlocked() -> Any:
        """Only the session that unlocked the vault gets past here (303 otherwise)."""
        if request.endpoint in _OPEN_ENDPOINTS or request.endpoint is None:
            return None
        vaults = context.vaults
        if not vaults.initialized:
            return redirect(url_for("vault.setup"), code=303)
        if not vaults.sessions.touch(session_handle()):
            back = request.full_path if request.method == "GET" else None
            return redirect(url_for("vault.unlock", next=back), code=303)
        return None

    @app.after_request
    def _no_store(response: Any) -> Any:
        """Pages show claims, keys and history: the browser keeps none of them
        (Back after a Lock or a timeout asks the wallet again; nothing lands in
        the profile's disk cache). Static files stay cacheable."""
        if not (request.endpoint or "").endswith("static"):
            response.headers["Cache-Control"] = "no-store"
        return response

    from .views_credentials import bp as credentials_bp
    from .views_present import bp as present_bp
    from .views_receive import bp as receive_bp
    from .views_scan import bp as scan_bp
    from .views_vault import bp as vault_bp

    for blueprint in (vault_bp, credentials_bp, scan_bp, receive_bp, present_bp):
        app.register_blueprint(blueprint)
    return app
