"""The investor's encrypted vault.

Key hierarchy:

* the passphrase, through Argon2id (libsodium ``crypto_pwhash``, PyNaCl
  ``pwhash.argon2id``) with a random 16-byte salt, gives a key-encryption key;
* the key-encryption key wraps a random 32-byte data key (``SecretBox``,
  XSalsa20-Poly1305); changing the passphrase re-wraps only the data key;
* the data key encrypts every item (credentials, holder keys, Ethereum
  accounts, the presentation history) as JSON in its own ``SecretBox``.

The SQLite file holds the salt, the KDF parameters, the wrapped data key,
ciphertexts and the count of failed passphrase tries; item kinds and
timestamps are the only other plaintext (SECURITY.md "Wallet": no claim value
and no private key in plaintext).

:class:`VaultStore` is the file; the data key lives only in the browser
sessions that unlocked it (:mod:`wallet.sessions`), and every item operation
goes through a :class:`Vault`, which is the vault as one session opens it:
``VaultStore.open(handle)`` (issue 18: no process-wide unlocked state). Keys
are derived outside every lock, so a guess being derived never holds up the
owner's pages; guesses are limited by :mod:`wallet.unlock_limit`.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from nacl import pwhash
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
from sqlite_migrate import Migrations

from kyc_wallet.web import Store
from ssi.errors import AccessDenied, InvalidRequest

from .kdf import KdfParams
from .sessions import Sessions, VaultLocked
from .unlock_limit import UnlockLimit

__all__ = [
    "KdfParams",
    "MIN_PASSPHRASE_LENGTH",
    "Merged",
    "Vault",
    "VaultItem",
    "VaultLocked",
    "VaultStore",
    "WrongPassphrase",
]

MIN_PASSPHRASE_LENGTH = 10
migrations = Migrations("kyc-wallet-vault")


@migrations()
def m001_initial(db: Any) -> None:
    db.executescript(
        """
        CREATE TABLE vault_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
        CREATE TABLE items (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            blob BLOB NOT NULL
        );
        CREATE INDEX items_kind ON items(kind);
        """
    )


@migrations()
def m002_owner_unlock_attempts(db: Any) -> None:
    db.executescript(
        """
        CREATE TABLE unlock_attempts (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            failures INTEGER NOT NULL,
            last_at REAL NOT NULL
        );
        """
    )


class WrongPassphrase(AccessDenied):
    """The passphrase does not open this vault (or this backup)."""

    error = "wrong_passphrase"


@dataclass(frozen=True)
class Merged:
    """What merging a backup did, item by item (:meth:`Vault.merge`)."""

    added: int
    """Not in this wallet: added."""
    updated: int
    """Changed later in the backup than here: the backup's version taken."""
    kept: int
    """Changed here since the backup was made: this wallet's version kept."""
    unchanged: int
    """The same version in both."""

    @property
    def count(self) -> int:
        return self.added + self.updated + self.kept + self.unchanged


@dataclass(frozen=True)
class VaultItem:
    id: str
    kind: str
    created_at: int
    data: dict[str, Any]


def check_passphrase_strength(passphrase: str) -> None:
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise InvalidRequest(f"choose a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters")


def seal(box: SecretBox, data: dict[str, Any]) -> bytes:
    return bytes(box.encrypt(json.dumps(data).encode("utf-8")))


class VaultStore:
    """One investor's vault file, and the browser sessions unlocked on it."""

    def __init__(
        self,
        path: str,
        *,
        kdf: KdfParams | None = None,
        idle_timeout: float = 900,
        absolute_timeout: float = 8 * 3600,
        clock: Callable[[], float] = time.time,
        on_session_end: Callable[[str], None] | None = None,
    ) -> None:
        self._kdf_default = (kdf or KdfParams()).check()  # new passphrases and backups
        self.store = Store(path, migrations)
        self.clock = clock
        self.sessions = Sessions(
            idle_timeout=idle_timeout,
            absolute_timeout=absolute_timeout,
            clock=clock,
            on_end=on_session_end,
        )
        self.attempts = UnlockLimit(self.store, clock)

    # --- the passphrase ---------------------------------------------------------

    def _meta(self, name: str) -> bytes | None:
        row = self.store.one("SELECT value FROM vault_meta WHERE name = ?", (name,))
        return None if row is None else bytes(row["value"])

    @property
    def initialized(self) -> bool:
        return self._meta("wrapped_key") is not None

    @property
    def kdf(self) -> KdfParams:
        """The Argon2id cost of new passphrases and backups."""
        return self._kdf_default

    def _wrapped_rows(self, passphrase: str, data_key: bytes) -> dict[str, bytes]:
        """The data key wrapped under ``passphrase`` (derived here: call with no lock held)."""
        kdf = self._kdf_default
        salt = secrets.token_bytes(pwhash.argon2id.SALTBYTES)
        wrapped = SecretBox(kdf.derive(passphrase, salt)).encrypt(data_key)
        return {"salt": salt, "kdf": json.dumps(kdf.to_json()).encode(), "wrapped_key": wrapped}

    def create(self, passphrase: str) -> str:
        """First start: set the passphrase and create the data key. Returns the
        handle of the session that created it, which is unlocked."""
        check_passphrase_strength(passphrase)
        if self.initialized:
            raise InvalidRequest("this wallet already has a passphrase")
        data_key = secrets.token_bytes(SecretBox.KEY_SIZE)
        rows = self._wrapped_rows(passphrase, data_key)
        try:
            with self.store.transaction() as conn:
                for name, value in rows.items():
                    conn.execute(
                        "INSERT INTO vault_meta (name, value) VALUES (?, ?)", (name, value)
                    )
        except sqlite3.IntegrityError as exc:  # another first start won the race
            raise InvalidRequest("this wallet already has a passphrase") from exc
        return self.sessions.start(data_key)

    def _unwrap(self, passphrase: str) -> bytes:
        salt, kdf_json, wrapped = self._meta("salt"), self._meta("kdf"), self._meta("wrapped_key")
        if salt is None or kdf_json is None or wrapped is None:
            raise InvalidRequest("this wallet has no passphrase yet: create one first")
        kdf = KdfParams.stored(json.loads(kdf_json))
        try:
            return bytes(SecretBox(kdf.derive(passphrase, salt)).decrypt(wrapped))
        except CryptoError as exc:
            raise WrongPassphrase("wrong passphrase") from exc

    def check_passphrase(self, passphrase: str) -> bytes:
        """The data key, if ``passphrase`` is right. Every check counts as a try
        (:mod:`wallet.unlock_limit`); the key is derived with no lock held."""
        self.attempts.reserve()
        data_key = self._unwrap(passphrase)
        self.attempts.succeeded()
        return data_key

    def unlock(self, passphrase: str) -> str:
        """Unlock for a new session; returns its handle."""
        if not isinstance(passphrase, str):
            raise InvalidRequest("enter your passphrase")
        return self.sessions.start(self.check_passphrase(passphrase))

    def lock(self, handle: str | None) -> None:
        """Forget ``handle``'s data key."""
        self.sessions.end(handle)

    def open(self, handle: str | None) -> Vault:
        """The vault as ``handle``'s session opens it; :class:`VaultLocked` unless unlocked."""
        self.sessions.box(handle)
        assert handle is not None
        return Vault(self, handle)

    def change_passphrase(self, handle: str | None, old: str, new: str) -> None:
        """Re-wrap the data key under ``new`` and lock every other session."""
        self.sessions.box(handle)
        assert handle is not None
        check_passphrase_strength(new)
        rows = self._wrapped_rows(new, self.check_passphrase(old))
        with self.store.transaction() as conn:
            for name, value in rows.items():
                conn.execute(
                    "INSERT OR REPLACE INTO vault_meta (name, value) VALUES (?, ?)", (name, value)
                )
        self.sessions.end_others(handle)


class Vault:
    """The vault as one unlocked session opens it: each operation takes that
    session's data key, so a Lock or a timeout takes effect at once."""

    def __init__(self, store: VaultStore, handle: str) -> None:
        self._vaults = store
        self._store = store.store
        self.handle = handle

    def _box(self) -> SecretBox:
        return self._vaults.sessions.box(self.handle)

    def ensure_open(self) -> None:
        """:class:`VaultLocked` unless this session is still unlocked."""
        self._box()

    def _now(self) -> int:
        return int(self._vaults.clock())

    def verify_passphrase(self, passphrase: str) -> None:
        """For actions that need the passphrase again (backup, key export)."""
        self._box()
        self._vaults.check_passphrase(passphrase)

    def put(self, kind: str, data: dict[str, Any], item_id: str | None = None) -> str:
        blob = seal(self._box(), data)
        item_id = item_id or secrets.token_hex(12)
        now = self._now()
        self._store.execute(
            "INSERT INTO items (id, kind, created_at, updated_at, blob) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET blob = excluded.blob, updated_at = excluded.updated_at",
            (item_id, kind, now, now, blob),
        )
        return item_id

    def put_many(self, items: list[tuple[str, dict[str, Any]]]) -> list[str]:
        """Store several items in one transaction: all or none."""
        box = self._box()
        now = self._now()
        ids = []
        with self._store.transaction() as conn:
            for kind, data in items:
                item_id = secrets.token_hex(12)
                conn.execute(
                    "INSERT INTO items (id, kind, created_at, updated_at, blob)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (item_id, kind, now, now, seal(box, data)),
                )
                ids.append(item_id)
        return ids

    def merge(self, items: list[dict[str, Any]]) -> Merged:
        """Merge items with their own ids and times (a restored backup) in one
        transaction, item by item: an id not here is added; an id here keeps
        whichever version was changed last (``updated_at``, the vault's clock
        at the last ``put``), and a tie keeps this wallet's. So an older backup
        never rolls back what changed here since it was made."""
        box = self._box()
        added = updated = kept = unchanged = 0
        with self._store.transaction() as conn:
            for item in items:
                row = conn.execute(
                    "SELECT kind, updated_at FROM items WHERE id = ?", (item["id"],)
                ).fetchone()
                if row is None:
                    conn.execute(
                        "INSERT INTO items (id, kind, created_at, updated_at, blob)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (
                            item["id"],
                            item["kind"],
                            item["created_at"],
                            item["updated_at"],
                            seal(box, item["data"]),
                        ),
                    )
                    added += 1
                elif row["kind"] != item["kind"] or row["updated_at"] > item["updated_at"]:
                    kept += 1
                elif row["updated_at"] == item["updated_at"]:
                    unchanged += 1
                else:
                    conn.execute(
                        "UPDATE items SET blob = ?, updated_at = ? WHERE id = ?",
                        (seal(box, item["data"]), item["updated_at"], item["id"]),
                    )
                    updated += 1
        return Merged(added, updated, kept, unchanged)

    def _decrypt(self, box: SecretBox, row: Any) -> VaultItem:
        data = json.loads(bytes(box.decrypt(bytes(row["blob"]))))
        return VaultItem(row["id"], row["kind"], row["created_at"], data)

    def get(self, item_id: str, kind: str | None = None) -> VaultItem:
        box = self._box()
        row = self._store.one("SELECT * FROM items WHERE id = ?", (item_id,))
        if row is None or (kind is not None and row["kind"] != kind):
            raise InvalidRequest(f"no such {kind or 'item'} in this wallet")
        return self._decrypt(box, row)

    def items(self, kind: str) -> Iterator[VaultItem]:
        box = self._box()
        for row in self._store.all(
            "SELECT * FROM items WHERE kind = ? ORDER BY created_at, rowid", (kind,)
        ):
            yield self._decrypt(box, row)

    def everything(self) -> list[dict[str, Any]]:
        """Every item with its times (what a backup holds)."""
        box = self._box()
        rows = self._store.all("SELECT * FROM items ORDER BY created_at, rowid")
        return [{**self._decrypt(box, r).__dict__, "updated_at": r["updated_at"]} for r in rows]

    def delete(self, item_id: str) -> None:
        self._box()
        self._store.execute("DELETE FROM items WHERE id = ?", (item_id,))
