"""Backup and restore, without Flask: an encrypted backup of the whole vault
(it needs the passphrase again), and a restore that checks every item before
storing any and merges it, the newer version of each item winning
(:mod:`wallet.backup`). Only a session that unlocked the vault does either;
a wallet not yet created can be created from a backup instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from kyc_wallet.locales import gettext as _

from ..backup import create_from_backup, export_backup, restore_backup
from ..vault import Merged
from .context import WalletContext

__all__ = [
    "Backup",
    "MakeBackup",
    "RestoreBackup",
    "Restored",
    "StartFromBackup",
    "Started",
    "make_backup",
    "restore",
    "restored_summary",
    "start_from_backup",
]


@dataclass(frozen=True)
class MakeBackup:
    session: str | None
    passphrase: str


@dataclass(frozen=True)
class Backup:
    """The backup file: its content and the name to save it under."""

    content: bytes
    filename: str


@dataclass(frozen=True)
class RestoreBackup:
    session: str | None
    content: bytes
    passphrase: str
    """The passphrase the backup was made with."""


Restored = Merged
"""What a restore did: how many items were added, updated from the backup,
kept (newer here) and unchanged."""


@dataclass(frozen=True)
class StartFromBackup:
    content: bytes
    passphrase: str
    """The backup's passphrase, which becomes the new wallet's."""


@dataclass(frozen=True)
class Started:
    session: str
    """The handle of the new session, unlocked."""
    restored: Restored


def restored_summary(restored: Restored) -> str:
    """``2 added, 1 kept (newer here)`` (and what else happened, when it did)."""
    parts = [
        _("%(count)d added", count=restored.added),
        _("%(count)d kept (newer here)", count=restored.kept),
    ]
    if restored.updated:
        parts.append(_("%(count)d updated from the backup", count=restored.updated))
    if restored.unchanged:
        parts.append(_("%(count)d already up to date", count=restored.unchanged))
    return _(", ").join(parts)


def make_backup(context: WalletContext, message: MakeBackup, now: float) -> Backup:
    """Every item, sealed under a key derived from the passphrase (checked first)."""
    content = export_backup(context.vault(message.session), message.passphrase, context.vaults.kdf)
    stamp = dt.datetime.fromtimestamp(now, dt.UTC).date().isoformat()
    return Backup(content, f"kyc-wallet-backup-{stamp}.json")


def restore(context: WalletContext, message: RestoreBackup, now: float) -> Restored:
    """Merge the backup's items, all or none: each is checked as on receipt, and
    the newer version of each item wins."""
    return restore_backup(
        context.vault(message.session),
        message.content,
        message.passphrase,
        context.trust_anchors().checker,
        now,
    )


def start_from_backup(context: WalletContext, message: StartFromBackup, now: float) -> Started:
    """Create the wallet from a backup (first start only): its passphrase becomes
    the wallet's; nothing is created if any item fails its check."""
    handle, restored = create_from_backup(
        context.vaults, message.content, message.passphrase, context.trust_anchors().checker, now
    )
    return Started(handle, restored)
