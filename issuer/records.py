"""The applicants' KYC records at rest, each under its own key (issue 19 item
10; SECURITY.md "Erased personal data must be unrecoverable from every file").

A record is stored in ``applicants.record`` as AES-256-GCM ciphertext
(``nonce || ciphertext``, the applicant id as associated data, so a record
cannot be moved to another row) under a random 256-bit key of its own, kept
in the table ``record_keys``. Erasing a record deletes its key (and the
record's SHA-256, a dictionary oracle for its few unknown facts): whatever
copies of the ciphertext linger (the SQLite WAL, free pages, a backup, later
a PostgreSQL heap) can no longer be read. The issuer's connections run with
``PRAGMA secure_delete=ON`` (``kyc_wallet.web.storage``), so the deleted key's
bytes are overwritten with zeros in its page; :func:`shred` then checkpoints
the WAL with ``TRUNCATE`` until it reports done, so no earlier version of
that page stays in the ``-wal`` file. Backups and WAL archives taken before
keep the key (docs/issuer.md "Erasure").

A record is erased when no copy can be issued from it any more
(:func:`erase_finished`): at once when the offer's last configuration is
issued; otherwise at the issuer's next protocol request, revocation or start
after its access token expired or its issuance was revoked.

Every read and write of a record goes through this module.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kyc_wallet.web import Store
from kyc_wallet.web.audit import audit
from ssi.errors import SSIError

__all__ = [
    "KEYS_SQL",
    "encrypt_existing",
    "erase",
    "erase_finished",
    "open_record",
    "seal_record",
    "shred",
    "sweep",
]

_NONCE = 12
_AAD = b"kyc-wallet issuer applicant record "

KEYS_SQL = """
CREATE TABLE record_keys (
    applicant_id TEXT PRIMARY KEY
        REFERENCES applicants(id) DEFERRABLE INITIALLY DEFERRED,
    key BLOB NOT NULL                -- 32 random bytes; deleted at erasure
);
"""


class RecordUnreadable(SSIError):
    """A stored record that its key does not open (a corrupted database)."""


def _seal(key: bytes, applicant_id: str, record: Mapping[str, Any]) -> bytes:
    nonce = os.urandom(_NONCE)
    body = json.dumps(dict(record), sort_keys=True).encode()
    return nonce + AESGCM(key).encrypt(nonce, body, _AAD + applicant_id.encode())


def seal_record(conn: sqlite3.Connection, applicant_id: str, record: Mapping[str, Any]) -> bytes:
    """Create the applicant's key (in the caller's transaction) and return the
    record sealed under it, for ``applicants.record``."""
    key = AESGCM.generate_key(bit_length=256)
    conn.execute("INSERT INTO record_keys (applicant_id, key) VALUES (?, ?)", (applicant_id, key))
    return _seal(key, applicant_id, record)


def open_record(conn: sqlite3.Connection, applicant_id: str) -> dict[str, Any] | None:
    """The applicant's record, or ``None`` when it was erased (or never was)."""
    row = conn.execute(
        "SELECT a.record, k.key FROM applicants a JOIN record_keys k ON k.applicant_id = a.id"
        " WHERE a.id = ?",
        (applicant_id,),
    ).fetchone()
    if row is None or row[0] is None:
        return None
    sealed, key = bytes(row[0]), bytes(row[1])
    try:
        body = AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], _AAD + applicant_id.encode())
    except InvalidTag as exc:
        raise RecordUnreadable(f"the record of applicant {applicant_id} does not decrypt") from exc
    record: dict[str, Any] = json.loads(body)
    return record


def erase(conn: sqlite3.Connection, applicant_id: str) -> None:
    """Delete the record's key, the record and its SHA-256 (in the caller's
    transaction); call :func:`shred` after the commit.

    The hash goes too: a KYC record has little entropy once a few facts about
    the person are known, so its unsalted SHA-256 would give the rest away by
    dictionary (the birthdate in some 30,000 guesses)."""
    conn.execute("DELETE FROM record_keys WHERE applicant_id = ?", (applicant_id,))
    conn.execute(
        "UPDATE applicants SET record = NULL, record_sha256 = '' WHERE id = ?", (applicant_id,)
    )


_FINISHED = (
    "SELECT a.id FROM applicants a WHERE a.record IS NOT NULL"
    " AND EXISTS (SELECT 1 FROM credentials c WHERE c.applicant_id = a.id)"
    " AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.applicant_id = a.id"
    " AND o.used_at IS NULL AND o.burnt_at IS NULL AND o.expires_at > ?)"
    " AND NOT EXISTS (SELECT 1 FROM offers o JOIN access_tokens t ON t.offer_id = o.id"
    " WHERE o.applicant_id = a.id AND t.used_at IS NULL AND t.expires_at > ?)"
)


def erase_finished(conn: sqlite3.Connection, now: int) -> list[str]:
    """Erase (in the caller's transaction) every record from which no copy can be
    issued any more, though one was: no offer still open, no access token still
    usable (every configuration taken, the token expired, or the issuance
    revoked). A wallet that takes the SD-JWT VC and never the W3C credentials
    does not keep the record for ever. Returns the applicants erased; call
    :func:`shred` after the commit when there are any."""
    erased = [str(row[0]) for row in conn.execute(_FINISHED, (now, now)).fetchall()]
    for applicant_id in erased:
        erase(conn, applicant_id)
        conn.execute("UPDATE applicants SET state = 'erased' WHERE id = ?", (applicant_id,))
        audit(conn, now, "issuer", "applicant.erased", applicant_id, reason="nothing more to issue")
    return erased


def sweep(store: Store, now: int) -> list[str]:
    """:func:`erase_finished` in a transaction of its own, then :func:`shred`."""
    with store.transaction() as conn:
        erased = erase_finished(conn, now)
    if erased:
        shred(store)
    return erased


def shred(store: Store) -> bool:
    """After an erasure's commit: no page version with the key stays in the WAL."""
    return store.checkpoint()


def encrypt_existing(conn: sqlite3.Connection) -> None:
    """Migration: seal the plaintext JSON records an earlier version stored."""
    rows = conn.execute(
        "SELECT id, record FROM applicants WHERE typeof(record) = 'text'"
    ).fetchall()
    for applicant_id, text in rows:
        sealed = seal_record(conn, applicant_id, json.loads(text))
        conn.execute("UPDATE applicants SET record = ? WHERE id = ?", (sealed, applicant_id))
