"""The web layer's one way to the wallet's context (issue 21 item 1).

``create_app`` builds the :class:`~wallet.core.WalletContext` once and keeps
it on the app (:func:`install_context`); views read it with
:func:`wallet_context` and the browser session's vault handle with
:func:`session_handle` (the only reader of the cookie), and pass both to the
core. Nothing else fetches a service by a string key.
"""

from __future__ import annotations

from flask import Flask, current_app, session

from kyc_wallet.web.reload import Reloadable

from .core import WalletContext
from .sessions import SESSION_KEY
from .trust_anchors import TrustAnchors
from .vault import Vault

__all__ = ["anchors_holder", "install_context", "session_handle", "vault", "wallet_context"]

_EXTENSION = "wallet"


def install_context(app: Flask, context: WalletContext) -> None:
    app.extensions[_EXTENSION] = context


def wallet_context(app: Flask | None = None) -> WalletContext:
    """The context of ``app`` (by default the running one)."""
    context = (app or current_app).extensions[_EXTENSION]
    if not isinstance(context, WalletContext):  # pragma: no cover - install_context's
        raise TypeError("the wallet's context is not installed")
    return context


def session_handle() -> str | None:
    """The vault session handle in this request's session cookie, if any."""
    handle = session.get(SESSION_KEY)
    return handle if isinstance(handle, str) else None


def vault() -> Vault:
    """The vault as this request's browser session opens it (VaultLocked otherwise)."""
    return wallet_context().vault(session_handle())


def anchors_holder(app: Flask) -> Reloadable[TrustAnchors]:
    """``app``'s trust anchors, for a reload (``SIGHUP``, :mod:`wallet.cli`)."""
    holder = wallet_context(app).anchors
    if not isinstance(holder, Reloadable):  # pragma: no cover - create_app's
        raise TypeError("the wallet's trust anchors are not reloadable")
    return holder
