"""The wallet's core without Flask, for the ``test_core_*`` tests: a
:class:`~wallet.core.WalletContext` composed by hand (a real vault file, the
guarded fetcher, the trust anchors loaded from a real PEM file, the pending
store), no app, no request, no cookie. The session is the vault session
handle that creating or unlocking the vault returns."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nacl import pwhash

from ssi.fetch import Fetcher, FetchPolicy
from wallet.core import WalletContext, WalletSettings
from wallet.pending import PendingStore
from wallet.trust_anchors import TrustAnchors, load_trust_anchors
from wallet.vault import KdfParams, VaultStore

PASS = "a long wallet passphrase"
FAST_KDF = KdfParams(pwhash.argon2id.OPSLIMIT_MIN, pwhash.argon2id.MEMLIMIT_MIN)


@dataclass(frozen=True)
class FixedAnchors:
    """Trust anchors loaded once (the app's are reloadable; the core reads either)."""

    anchors: TrustAnchors

    def pinned(self) -> TrustAnchors:
        return self.anchors


def core_context(
    data_dir: Path,
    clock: Callable[[], float],
    *,
    roots: Path | None = None,
    batch_size: int = 3,
    holder_alg: str = "ES256",
) -> WalletContext:
    """The wallet's context on ``data_dir``, development mode (HTTP to 127.0.0.1)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    pending = PendingStore(clock)
    vaults = VaultStore(
        str(data_dir / "wallet.sqlite"),
        kdf=FAST_KDF,
        idle_timeout=900,
        absolute_timeout=8 * 3600,
        clock=clock,
        on_session_end=pending.forget,
    )
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    config = {"TRUSTED_X509_ROOTS": str(roots) if roots else None, "DEV_ALLOW_HTTP_LOOPBACK": True}
    anchors = FixedAnchors(load_trust_anchors(config, fetcher, clock))
    settings = WalletSettings(batch_size=batch_size, holder_alg=holder_alg, development=True)
    return WalletContext(settings, clock, vaults, fetcher, anchors, pending)
