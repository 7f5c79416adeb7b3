"""The applicants' KYC records at rest, each under its own key (issue 19 item
10; SECURITY.md "Erased personal data must be unrecoverable from every file").

A record is stored in ``applicants.record`` as AES-256-GCM ciphertext
(``nonce || ciphertext``, the applicant id as associated data, so a record
cannot be moved to another row) under a random 256-bit key of its own, kept
in the table ``record_keys``. Erasing a record deletes its key (and the
record's SHA-256, a dictionary oracle for its few unknown facts): whatever
copies of the ciphertext linger (the SQLite WAL, free pages, a backup, later
a PostgreSQL heap) can no longer be read. The issuer's connections run with
``PRAGMA secure_delete=ON`` (``kyc_wallet.database.engine``), so the deleted key's
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
import threading
import weakref
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection

from kyc_wallet.database import Database
from kyc_wallet.database.audit import audit
from ssi.errors import SSIError

from .db import applicants as repo

__all__ = [
    "erase",
    "erase_finished",
    "open_record",
    "seal",
    "seal_record",
    "shred",
    "sweep",
]

_NONCE = 12
_AAD = b"kyc-wallet issuer applicant record "


class RecordUnreadable(SSIError):
    """A stored record that its key does not open (a corrupted database)."""


def seal(key: bytes, applicant_id: str, record: Mapping[str, Any]) -> bytes:
    """``nonce || AES-256-GCM(record)`` with the applicant id as associated data."""
    nonce = os.urandom(_NONCE)
    body = json.dumps(dict(record), sort_keys=True).encode()
    return nonce + AESGCM(key).encrypt(nonce, body, _AAD + applicant_id.encode())


def seal_record(conn: Connection, applicant_id: str, record: Mapping[str, Any]) -> bytes:
    """Create the applicant's key (in the caller's transaction) and return the
    record sealed under it, for ``applicants.record``."""
    key = AESGCM.generate_key(bit_length=256)
    repo.insert_record_key(conn, applicant_id, key)
    return seal(key, applicant_id, record)


def open_record(conn: Connection, applicant_id: str) -> dict[str, Any] | None:
    """The applicant's record, or ``None`` when it was erased (or never was)."""
    found = repo.sealed_record(conn, applicant_id)
    if found is None:
        return None
    sealed, key = found
    try:
        body = AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], _AAD + applicant_id.encode())
    except InvalidTag as exc:
        raise RecordUnreadable(f"the record of applicant {applicant_id} does not decrypt") from exc
    record: dict[str, Any] = json.loads(body)
    return record


def erase(conn: Connection, applicant_id: str, state: str | None = None) -> None:
    """Delete the record's key, the record and its SHA-256 (in the caller's
    transaction); call :func:`shred` after the commit.

    The hash goes too: a KYC record has little entropy once a few facts about
    the person are known, so its unsalted SHA-256 would give the rest away by
    dictionary (the birthdate in some 30,000 guesses). ``state``: the
    applicant's new state, set by the same statement."""
    repo.delete_record(conn, applicant_id, state)


def erase_finished(conn: Connection, now: int) -> list[str]:
    """Erase (in the caller's transaction) every record from which no copy can be
    issued any more, though one was: no offer still open, no access token still
    usable (every configuration taken, the token expired, or the issuance
    revoked). A wallet that takes the SD-JWT VC and never the W3C credentials
    does not keep the record for ever. Returns the applicants erased; call
    :func:`shred` after the commit when there are any."""
    erased = repo.finished_applicants(conn, now)
    for applicant_id in erased:
        erase(conn, applicant_id, "erased")
        audit(conn, now, "issuer", "applicant.erased", applicant_id, reason="nothing more to issue")
    return erased


def sweep(db: Database, now: int) -> list[str]:
    """:func:`erase_finished` in a transaction of its own, then :func:`shred`."""
    with db.transaction() as conn:
        erased = erase_finished(conn, now)
    if erased:
        shred(db)
    return erased


class _Shredder:
    """One checkpoint for the erasures of several threads (issue 22).

    Each caller takes a ticket after its erasure committed; a checkpoint
    that starts after ticket ``n`` was handed out covers erasure ``n`` (it
    truncates the whole WAL). A caller whose ticket a successful checkpoint
    already covered returns at once; otherwise it runs one (one at a time
    per database), covering every ticket handed out before it started. A
    checkpoint that fails covers nothing: the next caller tries again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # guards the counters
        self._running = threading.Lock()  # one checkpoint at a time
        self._issued = 0
        self._covered = 0

    def shred(self, db: Database) -> bool:
        with self._lock:
            self._issued += 1
            ticket = self._issued
        with self._running:
            with self._lock:
                if self._covered >= ticket:
                    return True
                upto = self._issued
            done = db.checkpoint()
            if done:
                with self._lock:
                    self._covered = max(self._covered, upto)
            return done


_SHREDDERS: weakref.WeakKeyDictionary[Database, _Shredder] = weakref.WeakKeyDictionary()
_SHREDDERS_LOCK = threading.Lock()


def shred(db: Database) -> bool:
    """After an erasure's commit: no page version with the key stays in the
    SQLite WAL (PostgreSQL: ``VACUUM``, docs/deployment.md). Concurrent
    erasures in one process share a checkpoint (:class:`_Shredder`); each
    caller returns only once a checkpoint that began after its commit is
    done (or has failed, as before: logged, retried at the next erasure)."""
    if not db.is_sqlite:
        return db.checkpoint()
    with _SHREDDERS_LOCK:
        shredder = _SHREDDERS.get(db)
        if shredder is None:
            shredder = _SHREDDERS[db] = _Shredder()
    return shredder.shred(db)
