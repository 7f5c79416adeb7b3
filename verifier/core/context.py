"""The verifier's typed context: what its operations need, built once in
``create_app`` and stored as ``app.extensions["verifier"]`` (read through
:func:`verifier.current.context`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from chain.outbox import Outbox
from kyc_wallet.database import Database
from ssi.status_list import StatusChecker

from ..base_policies import BasePolicies
from ..trust import TrustList
from ..webhooks import Webhooks

if TYPE_CHECKING:
    from chain.platform import PlatformChain

    from ..identity import ClientIdentity

__all__ = ["LoadedFiles", "VerifierContext", "VerifierSettings"]


class LoadedFiles(Protocol):
    """What the operations read of the reloadable configuration files."""

    @property
    def trust(self) -> TrustList: ...

    @property
    def status_checker(self) -> StatusChecker: ...

    @property
    def base_policies(self) -> BasePolicies: ...


@dataclass(frozen=True)
class VerifierSettings:
    """The configuration values the operations read (docs/configuration.md)."""

    response_mode: str
    request_ttl: int
    request_object_ttl: int
    kb_jwt_max_age: float
    wallet_url: str
    chain: str | None  # "dev", "outbox" or None
    retention_days: float = 30.0
    """Days a finished verification's details are kept (:mod:`verifier.core.retention`)."""


@dataclass
class VerifierContext:
    """Everything the verifier's operations use; mutable only where the
    configuration is reloaded (the trust list and the policies)."""

    settings: VerifierSettings
    db: Database
    outbox: Outbox
    clock: Callable[[], float]
    files: Callable[[], LoadedFiles]
    """The trust list and policies as loaded now (a reload replaces them whole:
    read it once per operation, :mod:`verifier.settings`)."""
    webhooks: Webhooks
    identity: Callable[[], ClientIdentity]
    chain: PlatformChain | None
    qr: Callable[[str], str]
    """The QR code (SVG) of a link; raises ``InvalidRequest`` when it does not fit."""
    qr_fits: Callable[[str], None]
    """Raises ``InvalidRequest`` when a link does not fit in a QR code (draws nothing)."""

    def now(self) -> int:
        return int(self.clock())

    @property
    def sends_outbox(self) -> bool:
        """Whether something sends the outbox (``CHAIN`` is set)."""
        return self.settings.chain in ("dev", "outbox")
