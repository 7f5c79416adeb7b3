"""The issuer's sqlite-migrate migrations of the release before Alembic, kept
verbatim ONLY to adopt a data folder that release made
(:func:`issuer.db.setup.adopt`: the pending ones are applied, the result is
checked against the Alembic baseline ``i001``, which is then stamped).
Nothing else uses them; the schema now lives in ``issuer/migrations/`` and
:mod:`issuer.db.tables`.
"""

from __future__ import annotations

import datetime
import json
import time
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlite_migrate import Migrations

from kyc_wallet.web import Store, signin
from kyc_wallet.web.audit import AUDIT_LOG_SQL, audit

from .records import seal

__all__ = ["migrations", "open_store"]

migrations = Migrations("kyc-wallet-issuer")


@migrations()
def m001_initial(db: Any) -> None:
    db.executescript(
        """
        CREATE TABLE applicants (
            id TEXT PRIMARY KEY,
            reference TEXT NOT NULL,
            record TEXT,                 -- the KYC record as JSON; NULL once erased
            record_sha256 TEXT NOT NULL,
            state TEXT NOT NULL,         -- recorded, approved, issued, erased
            created_at INTEGER NOT NULL,
            created_by TEXT NOT NULL
        );
        CREATE TABLE offers (
            id TEXT PRIMARY KEY,
            applicant_id TEXT NOT NULL REFERENCES applicants(id),
            code_hash TEXT NOT NULL UNIQUE,
            tx_code_hash TEXT NOT NULL,
            tx_code_attempts INTEGER NOT NULL DEFAULT 0,
            batch_size INTEGER NOT NULL,
            offer_json TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            used_at INTEGER,
            burnt_at INTEGER
        );
        CREATE TABLE access_tokens (
            token_hash TEXT PRIMARY KEY,
            offer_id TEXT NOT NULL REFERENCES offers(id),
            expires_at INTEGER NOT NULL,
            used_at INTEGER
        );
        CREATE TABLE nonces (
            nonce TEXT PRIMARY KEY,
            expires_at INTEGER NOT NULL,
            used_at INTEGER
        );
        CREATE TABLE status_lists (
            id TEXT PRIMARY KEY,
            bits INTEGER NOT NULL,
            size INTEGER NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE credentials (
            id TEXT PRIMARY KEY,
            offer_id TEXT NOT NULL REFERENCES offers(id),
            applicant_id TEXT NOT NULL REFERENCES applicants(id),
            status_list_id TEXT NOT NULL REFERENCES status_lists(id),
            status_idx INTEGER NOT NULL,
            status INTEGER NOT NULL DEFAULT 0,   -- 0 valid, 1 revoked, 2 suspended
            holder_thumbprint TEXT NOT NULL,
            vct TEXT NOT NULL,
            issued_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            UNIQUE (status_list_id, status_idx)
        );
        CREATE TABLE api_keys (
            key_hash TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            revoked_at INTEGER
        );
        CREATE INDEX credentials_applicant ON credentials(applicant_id);
        CREATE INDEX offers_applicant ON offers(applicant_id);
        """
        + AUDIT_LOG_SQL
    )


@migrations()
def m002_several_configurations(db: Any) -> None:
    """An access token allows one Credential Request per configuration id of its
    offer (the SD-JWT VC and the W3C predicate credentials); ``format`` tells
    the credentials apart (``vct`` holds the W3C type for W3C ones)."""
    db.executescript(
        """
        CREATE TABLE access_token_uses (
            token_hash TEXT NOT NULL REFERENCES access_tokens(token_hash),
            configuration_id TEXT NOT NULL,
            used_at INTEGER NOT NULL,
            PRIMARY KEY (token_hash, configuration_id)
        );
        ALTER TABLE credentials ADD COLUMN format TEXT NOT NULL DEFAULT 'dc+sd-jwt';
        """
    )


@migrations()
def m003_issuances_ldp(db: Any) -> None:
    """Issue 19 item 5: an offer is one issuance, and revoke, suspend and reinstate act
    on it (``issuer.issuances``). ``issuance_id`` names it (not the offer id, which
    serves the pre-authorized code); ``status`` is its own, inherited by copies issued
    later. An issuance whose copies are all revoked already starts revoked."""
    db.executescript(
        """
        ALTER TABLE offers ADD COLUMN issuance_id TEXT;
        ALTER TABLE offers ADD COLUMN status INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE offers ADD COLUMN status_changed_at INTEGER;
        UPDATE offers SET issuance_id = lower(hex(randomblob(8)));
        UPDATE offers SET status = 1
            WHERE EXISTS (SELECT 1 FROM credentials c WHERE c.offer_id = offers.id)
            AND NOT EXISTS (
                SELECT 1 FROM credentials c WHERE c.offer_id = offers.id AND c.status != 1
            );
        CREATE UNIQUE INDEX offers_issuance ON offers(issuance_id);
        CREATE INDEX credentials_offer ON credentials(offer_id);
        """
    )


@migrations()
def m003_record_keys_datarest(db: Any) -> None:
    """Each KYC record under its own key (``issuer.records``); the plaintext
    records of an earlier version are sealed now."""
    db.executescript(KEYS_SQL)
    encrypt_existing(db.conn)


@migrations(transactional=False)
def m004_vacuum_datarest(db: Any) -> None:
    """Rewrite the file once, so that the plaintext of records erased or sealed
    before ``m003`` stays in no free page (the WAL is then checkpointed)."""
    db.execute("VACUUM")


@migrations()
def m005_erased_hashes_revissuer(db: Any) -> None:
    """The SHA-256 of a record erased by an earlier version goes too
    (``issuer.records.erase``); ``secure_delete`` zeroes the old bytes, and the
    start's ``TRUNCATE`` checkpoint empties the WAL."""
    db.execute("UPDATE applicants SET record_sha256 = '' WHERE record IS NULL")


@migrations()
def m006_old_copy_actions_revissuer(db: Any) -> None:
    """The earlier version revoked or suspended one copy of an issuance (issue 19
    item 5: the investor was re-whitelisted at once with a sibling), and
    ``m003_issuances_ldp`` revoked an issuance only when every copy was. A copy
    revoked or suspended before ``m003`` was applied (its ``credential.<action>``
    audit line is older) now revokes or suspends its whole issuance, as
    :func:`issuer.issuances.change_issuance` does, with an audit line (actor
    ``migration``). Fail closed: an operator who meant one lost device re-issues.
    A copy acted on alone afterwards (the advanced action) is left alone."""
    applied = db.execute(
        "SELECT applied_at FROM _sqlite_migrations WHERE migration_set = ? AND name = ?",
        [migrations.name, "m003_issuances_ldp"],
    ).fetchone()
    cutoff = int(datetime.datetime.fromisoformat(applied[0]).timestamp())
    conn = db.conn
    rows = conn.execute(
        "SELECT o.id, o.issuance_id, MIN(c.status = 2) AS only_suspended"
        " FROM audit_log a JOIN credentials c ON c.id = a.subject"
        " JOIN offers o ON o.id = c.offer_id"
        " WHERE a.action IN ('credential.revoke', 'credential.suspend') AND a.at < ?"
        " AND c.status IN (1, 2) AND o.status = 0 GROUP BY o.id ORDER BY o.rowid",
        (cutoff,),
    ).fetchall()
    now = int(time.time())
    for offer_id, issuance_id, only_suspended in rows:
        target, action = (2, "suspend") if only_suspended else (1, "revoke")
        conn.execute(
            "UPDATE offers SET status = ?, status_changed_at = ? WHERE id = ?",
            (target, now, offer_id),
        )
        copies = conn.execute(
            "UPDATE credentials SET status = ? WHERE offer_id = ? AND status NOT IN (1, ?)",
            (target, offer_id, target),
        ).rowcount
        if target == 1:
            conn.execute(
                "UPDATE offers SET burnt_at = ? WHERE id = ? AND used_at IS NULL"
                " AND burnt_at IS NULL",
                (now, offer_id),
            )
            conn.execute(
                "UPDATE access_tokens SET used_at = ? WHERE offer_id = ? AND used_at IS NULL",
                (now, offer_id),
            )
        audit(
            conn,
            now,
            "migration",
            f"issuance.{action}",
            issuance_id,
            copies=copies,
            reason="a copy was acted on alone by the version before issue 19 item 5",
        )


def open_store(path: str) -> Store:
    """Apply the pending migrations of that release (and the sign-in's)."""
    return Store(path, migrations, signin.migrations)


KEYS_SQL = """
CREATE TABLE record_keys (
    applicant_id TEXT PRIMARY KEY
        REFERENCES applicants(id) DEFERRABLE INITIALLY DEFERRED,
    key BLOB NOT NULL                -- 32 random bytes; deleted at erasure
);
"""


def encrypt_existing(conn: Any) -> None:
    """Migration: seal the plaintext JSON records an earlier version stored."""
    rows = conn.execute(
        "SELECT id, record FROM applicants WHERE typeof(record) = 'text'"
    ).fetchall()
    for applicant_id, text in rows:
        key = AESGCM.generate_key(bit_length=256)
        conn.execute(
            "INSERT INTO record_keys (applicant_id, key) VALUES (?, ?)", (applicant_id, key)
        )
        sealed = seal(key, applicant_id, json.loads(text))
        conn.execute("UPDATE applicants SET record = ? WHERE id = ?", (sealed, applicant_id))
