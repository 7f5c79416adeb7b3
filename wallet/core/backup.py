"""Backup and restore, without Flask: an encrypted backup of the whole vault
(it needs the passphrase again), and a restore that checks every item before
storing any (:mod:`wallet.backup`). Only a session that unlocked the vault
does either.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..backup import export_backup, restore_backup
from .context import WalletContext

__all__ = ["Backup", "MakeBackup", "RestoreBackup", "Restored", "make_backup", "restore"]


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


@dataclass(frozen=True)
class Restored:
    count: int


def make_backup(context: WalletContext, message: MakeBackup, now: float) -> Backup:
    """Every item, sealed under a key derived from the passphrase (checked first)."""
    content = export_backup(context.vault(message.session), message.passphrase, context.vaults.kdf)
    stamp = dt.datetime.fromtimestamp(now, dt.UTC).date().isoformat()
    return Backup(content, f"kyc-wallet-backup-{stamp}.json")


def restore(context: WalletContext, message: RestoreBackup, now: float) -> Restored:
    """Add the backup's items, all or none: each is checked as on receipt."""
    count = restore_backup(
        context.vault(message.session),
        message.content,
        message.passphrase,
        context.trust_anchors().checker,
        now,
    )
    return Restored(count)
