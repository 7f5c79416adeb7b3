"""The investor's encrypted vault.

Key hierarchy:

* the passphrase, through Argon2id (libsodium ``crypto_pwhash``, PyNaCl
  ``pwhash.argon2id``) with a random 16-byte salt, gives a key-encryption key;
* the key-encryption key wraps a random 32-byte data key (``SecretBox``,
  XSalsa20-Poly1305); changing the passphrase re-wraps only the data key;
* the data key encrypts every item (credentials, holder keys, Ethereum
  accounts, the presentation history) as JSON in its own ``SecretBox``.

The SQLite file holds the salt, the KDF parameters, the wrapped data key and
ciphertexts; item kinds and timestamps are the only plaintext (SECURITY.md
"Wallet": no claim value and no private key in plaintext). Locked, the data
key is not in memory. Idle for ``idle_timeout`` seconds, the vault locks itself.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from nacl import pwhash
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox
from sqlite_migrate import Migrations

from kyc_wallet.web import Store
from ssi.encoding import json_loads
from ssi.errors import AccessDenied, InvalidRequest, MalformedInput

__all__ = [
    "Vault",
    "VaultItem",
    "VaultLocked",
    "WrongPassphrase",
    "KdfParams",
    "MIN_PASSPHRASE_LENGTH",
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


class VaultLocked(AccessDenied):
    """The vault is locked: unlock it with the passphrase first."""

    error = "vault_locked"
    status = 423


class WrongPassphrase(AccessDenied):
    """The passphrase does not open this vault (or this backup)."""

    error = "wrong_passphrase"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id cost. The default is libsodium's MODERATE work on 64 MiB."""

    opslimit: int = pwhash.argon2id.OPSLIMIT_MODERATE
    memlimit: int = pwhash.argon2id.MEMLIMIT_INTERACTIVE

    def derive(self, passphrase: str, salt: bytes) -> bytes:
        return pwhash.argon2id.kdf(
            SecretBox.KEY_SIZE,
            passphrase.encode("utf-8"),
            salt,
            opslimit=self.opslimit,
            memlimit=self.memlimit,
        )

    def to_json(self) -> dict[str, int]:
        return {"opslimit": self.opslimit, "memlimit": self.memlimit}

    @classmethod
    def from_json(cls, data: Any) -> KdfParams:
        if not isinstance(data, dict):
            raise InvalidRequest("bad KDF parameters")
        ops, mem = data.get("opslimit"), data.get("memlimit")
        if not isinstance(ops, int) or not isinstance(mem, int):
            raise InvalidRequest("bad KDF parameters")
        if ops < pwhash.argon2id.OPSLIMIT_MIN or mem < pwhash.argon2id.MEMLIMIT_MIN:
            raise InvalidRequest("KDF parameters below libsodium's minimum")
        if ops > pwhash.argon2id.OPSLIMIT_MAX or mem > 1 << 31:
            raise InvalidRequest("KDF parameters above what this wallet accepts")
        return cls(ops, mem)


@dataclass(frozen=True)
class VaultItem:
    id: str
    kind: str
    created_at: int
    data: dict[str, Any]


def check_passphrase_strength(passphrase: str) -> None:
    if not isinstance(passphrase, str) or len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise InvalidRequest(f"choose a passphrase of at least {MIN_PASSPHRASE_LENGTH} characters")


class Vault:
    """Encrypted storage of one investor's wallet, in one SQLite file."""

    def __init__(
        self,
        path: str,
        *,
        kdf: KdfParams | None = None,
        idle_timeout: float = 900,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = Store(path, migrations)
        self._kdf_default = kdf or KdfParams()
        self.idle_timeout = idle_timeout
        self._clock = clock
        self._box: SecretBox | None = None
        self._last_use = 0.0
        self._lock = threading.RLock()

    # --- life cycle ----------------------------------------------------------------

    def _meta(self, name: str) -> bytes | None:
        row = self.store.one("SELECT value FROM vault_meta WHERE name = ?", (name,))
        return None if row is None else bytes(row["value"])

    @property
    def initialized(self) -> bool:
        return self._meta("wrapped_key") is not None

    def create(self, passphrase: str) -> None:
        """First start: set the passphrase and create the data key."""
        check_passphrase_strength(passphrase)
        with self._lock:
            if self.initialized:
                raise InvalidRequest("this wallet already has a passphrase")
            data_key = secrets.token_bytes(SecretBox.KEY_SIZE)
            self._write_wrapped(passphrase, data_key, self._kdf_default, create=True)
            self._box = SecretBox(data_key)
            self._last_use = self._clock()

    def _write_wrapped(
        self, passphrase: str, data_key: bytes, kdf: KdfParams, *, create: bool
    ) -> None:
        salt = secrets.token_bytes(pwhash.argon2id.SALTBYTES)
        wrapped = SecretBox(kdf.derive(passphrase, salt)).encrypt(data_key)
        rows = {
            "salt": salt,
            "kdf": json.dumps(kdf.to_json()).encode(),
            "wrapped_key": bytes(wrapped),
        }
        verb = "INSERT" if create else "INSERT OR REPLACE"
        with self.store.transaction() as conn:
            for name, value in rows.items():
                conn.execute(f"{verb} INTO vault_meta (name, value) VALUES (?, ?)", (name, value))

    def _unwrap(self, passphrase: str) -> bytes:
        salt, kdf_json, wrapped = self._meta("salt"), self._meta("kdf"), self._meta("wrapped_key")
        if salt is None or kdf_json is None or wrapped is None:
            raise InvalidRequest("this wallet has no passphrase yet: create one first")
        kdf = KdfParams.from_json(json.loads(kdf_json))
        try:
            return bytes(SecretBox(kdf.derive(passphrase, salt)).decrypt(wrapped))
        except CryptoError as exc:
            raise WrongPassphrase("wrong passphrase") from exc

    def unlock(self, passphrase: str) -> None:
        with self._lock:
            data_key = self._unwrap(passphrase)
            self._box = SecretBox(data_key)
            self._last_use = self._clock()

    def lock(self) -> None:
        with self._lock:
            self._box = None

    @property
    def unlocked(self) -> bool:
        with self._lock:
            if self._box is not None and self._clock() - self._last_use > self.idle_timeout:
                self._box = None
            return self._box is not None

    def change_passphrase(self, old: str, new: str) -> None:
        check_passphrase_strength(new)
        with self._lock:
            data_key = self._unwrap(old)
            self._write_wrapped(new, data_key, self._kdf_default, create=False)

    def verify_passphrase(self, passphrase: str) -> None:
        """For actions that need the passphrase again (backup, key export)."""
        self._unwrap(passphrase)

    def _open_box(self) -> SecretBox:
        with self._lock:
            if not self.unlocked or self._box is None:
                raise VaultLocked("the wallet is locked: unlock it with your passphrase")
            self._last_use = self._clock()
            return self._box

    # --- items ---------------------------------------------------------------------

    def put(self, kind: str, data: dict[str, Any], item_id: str | None = None) -> str:
        box = self._open_box()
        item_id = item_id or secrets.token_hex(12)
        blob = bytes(box.encrypt(json.dumps(data).encode("utf-8")))
        now = int(self._clock())
        self.store.execute(
            "INSERT INTO items (id, kind, created_at, updated_at, blob) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(id) DO UPDATE SET blob = excluded.blob, updated_at = excluded.updated_at",
            (item_id, kind, now, now, blob),
        )
        return item_id

    def put_many(self, items: list[tuple[str, dict[str, Any]]]) -> list[str]:
        """Store several items in one transaction: all or none."""
        box = self._open_box()
        now = int(self._clock())
        ids = []
        with self.store.transaction() as conn:
            for kind, data in items:
                item_id = secrets.token_hex(12)
                blob = bytes(box.encrypt(json.dumps(data).encode("utf-8")))
                conn.execute(
                    "INSERT INTO items (id, kind, created_at, updated_at, blob)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (item_id, kind, now, now, blob),
                )
                ids.append(item_id)
        return ids

    def _decrypt(self, box: SecretBox, row: Any) -> VaultItem:
        data = json.loads(bytes(box.decrypt(bytes(row["blob"]))))
        return VaultItem(row["id"], row["kind"], row["created_at"], data)

    def get(self, item_id: str, kind: str | None = None) -> VaultItem:
        box = self._open_box()
        row = self.store.one("SELECT * FROM items WHERE id = ?", (item_id,))
        if row is None or (kind is not None and row["kind"] != kind):
            raise InvalidRequest(f"no such {kind or 'item'} in this wallet")
        return self._decrypt(box, row)

    def items(self, kind: str) -> Iterator[VaultItem]:
        box = self._open_box()
        for row in self.store.all(
            "SELECT * FROM items WHERE kind = ? ORDER BY created_at, rowid", (kind,)
        ):
            yield self._decrypt(box, row)

    def delete(self, item_id: str) -> None:
        self._open_box()
        self.store.execute("DELETE FROM items WHERE id = ?", (item_id,))

    # --- backup ----------------------------------------------------------------------

    def export_backup(self, passphrase: str) -> bytes:
        """An encrypted backup of every item; needs the passphrase again."""
        self.verify_passphrase(passphrase)
        box = self._open_box()
        rows = self.store.all("SELECT * FROM items ORDER BY created_at, rowid")
        items = [{**self._decrypt(box, r).__dict__, "updated_at": r["updated_at"]} for r in rows]
        kdf = self._kdf_default
        salt = secrets.token_bytes(pwhash.argon2id.SALTBYTES)
        sealed = SecretBox(kdf.derive(passphrase, salt)).encrypt(
            json.dumps({"items": items}).encode("utf-8")
        )
        envelope = {
            "format": "kyc-wallet-backup",
            "version": 1,
            "kdf": {"alg": "argon2id", **kdf.to_json(), "salt": salt.hex()},
            "ciphertext": bytes(sealed).hex(),
        }
        return json.dumps(envelope).encode("utf-8")

    def restore_backup(self, backup: bytes, passphrase: str) -> int:
        """Add the items of a backup (same ids are replaced); returns how many."""
        box = self._open_box()
        try:
            envelope = json_loads(backup, "the backup", max_bytes=len(backup))  # depth-capped
            if envelope.get("format") != "kyc-wallet-backup" or envelope.get("version") != 1:
                raise ValueError("not a kyc-wallet backup")
            kdf = KdfParams.from_json(envelope["kdf"])
            salt = bytes.fromhex(envelope["kdf"]["salt"])
            ciphertext = bytes.fromhex(envelope["ciphertext"])
        except (MalformedInput, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidRequest("this file is not a kyc-wallet backup") from exc
        try:
            plain = SecretBox(kdf.derive(passphrase, salt)).decrypt(ciphertext)
        except CryptoError as exc:
            raise WrongPassphrase("wrong passphrase for this backup") from exc
        items = json.loads(plain)["items"]
        with self.store.transaction() as conn:
            for item in items:
                blob = bytes(box.encrypt(json.dumps(item["data"]).encode("utf-8")))
                conn.execute(
                    "INSERT OR REPLACE INTO items (id, kind, created_at, updated_at, blob)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (item["id"], item["kind"], item["created_at"], item["updated_at"], blob),
                )
        return len(items)
