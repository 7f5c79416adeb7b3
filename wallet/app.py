"""The wallet's app factory: ``create_app(config=None)``.

The investor's own web wallet, served on 127.0.0.1. Configuration: defaults
below, then a TOML file, then ``KYCW_WALLET_*`` environment variables, then
``config`` (docs/configuration.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask, redirect, request, url_for

from kyc_wallet.web.factory import new_app
from ssi.fetch import Fetcher, FetchPolicy

from .vault import KdfParams, Vault

__all__ = ["create_app", "DEFAULTS"]

DEFAULTS: dict[str, Any] = {
    "DATA_DIR": "wallet-data",
    "WALLET_NAME": "KYC Wallet",
    "IDLE_TIMEOUT": 900,
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
_OPEN_ENDPOINTS = {"static", "vault.setup", "vault.unlock", "vault.index"}


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
    kdf = KdfParams()
    if app.config["KDF_OPSLIMIT"] and app.config["KDF_MEMLIMIT"]:
        kdf = KdfParams(int(app.config["KDF_OPSLIMIT"]), int(app.config["KDF_MEMLIMIT"]))
    app.extensions["vault"] = Vault(
        str(Path(app.config["DATA_DIR"]) / "wallet.sqlite"),
        kdf=kdf,
        idle_timeout=float(app.config["IDLE_TIMEOUT"]),
        clock=clock,
    )
    app.extensions["fetcher"] = Fetcher(
        FetchPolicy(
            allow_http_loopback=bool(app.config["DEV_ALLOW_HTTP_LOOPBACK"]),
            timeout=float(app.config["FETCH_TIMEOUT"]),
        )
    )
    app.extensions["pending"] = {}

    @app.before_request
    def _require_unlocked() -> Any:
        if request.endpoint in _OPEN_ENDPOINTS or request.endpoint is None:
            return None
        vault: Vault = app.extensions["vault"]
        if not vault.initialized:
            return redirect(url_for("vault.setup"))
        if not vault.unlocked:
            return redirect(url_for("vault.unlock", next=request.full_path))
        return None

    from .views_credentials import bp as credentials_bp
    from .views_present import bp as present_bp
    from .views_receive import bp as receive_bp
    from .views_vault import bp as vault_bp

    for blueprint in (vault_bp, credentials_bp, receive_bp, present_bp):
        app.register_blueprint(blueprint)
    return app
