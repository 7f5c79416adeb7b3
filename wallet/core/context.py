"""The wallet's context: everything its operations need, built once by
``create_app`` (the composition root, :mod:`wallet.app`) and passed to each
operation explicitly (issue 21 item 1; STYLE.md "Apps: a core without Flask").

Nothing here knows Flask: the browser session is only its vault session
handle (:mod:`wallet.sessions`), which the web layer reads from the cookie and
passes in; an operation with a handle that did not unlock the vault gets
:class:`~wallet.sessions.VaultLocked` and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ssi.fetch import Fetcher

from ..pending import PendingStore, SessionPending
from ..receive import Receiver
from ..sessions import VaultLocked
from ..trust_anchors import TrustAnchors
from ..vault import Vault, VaultStore

__all__ = ["AnchorsHolder", "WalletContext", "WalletSettings", "settings_from_config"]


class AnchorsHolder(Protocol):
    """Where the trust anchors are read (``kyc_wallet.web.reload.Reloadable``:
    replaced whole on ``SIGHUP``, the same for the whole of one request)."""

    def pinned(self) -> TrustAnchors: ...


@dataclass(frozen=True)
class WalletSettings:
    """The configuration values the operations read (docs/configuration.md)."""

    batch_size: int
    """``BATCH_SIZE``: copies asked for on receipt (the issuer may allow fewer)."""
    holder_alg: str
    """``HOLDER_KEY_ALG``: the preferred holder key type."""
    development: bool
    """``DEV_ALLOW_HTTP_LOOPBACK``."""


def settings_from_config(config: Any) -> WalletSettings:
    """The settings from the app's configuration (a mapping)."""
    return WalletSettings(
        batch_size=int(config["BATCH_SIZE"]),
        holder_alg=str(config["HOLDER_KEY_ALG"]),
        development=bool(config["DEV_ALLOW_HTTP_LOOPBACK"]),
    )


@dataclass(frozen=True)
class WalletContext:
    """The wallet's dependencies: settings, clock, the vault file (with its
    unlocked sessions), the guarded fetcher, the trust anchors, and the offers
    and requests open in each session."""

    settings: WalletSettings
    clock: Callable[[], float]
    vaults: VaultStore
    fetcher: Fetcher
    anchors: AnchorsHolder
    pending: PendingStore

    def trust_anchors(self) -> TrustAnchors:
        return self.anchors.pinned()

    def vault(self, session: str | None) -> Vault:
        """The vault as ``session`` opens it (:class:`VaultLocked` unless it unlocked it)."""
        return self.vaults.open(session)

    def open_entries(self, session: str | None, kind: str) -> SessionPending[Any]:
        """``session``'s open offers or requests (``kind``); only an unlocked session has any."""
        self.vaults.open(session)
        if session is None:  # pragma: no cover - open() refused it already
            raise VaultLocked("the wallet is locked: unlock it with your passphrase")
        return SessionPending(self.pending, session, kind)

    def receiver(self) -> Receiver:
        return Receiver(
            self.fetcher,
            self.trust_anchors().checker,
            batch_size=self.settings.batch_size,
            holder_alg=self.settings.holder_alg,
        )
