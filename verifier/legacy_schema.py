"""The verifier's migrations of the previous release (sqlite-migrate on raw
``sqlite3``), moved here verbatim and used ONLY to adopt a data folder made by
that release (:mod:`verifier.db.adopt`): its pending migrations are applied,
then the result is checked against the Alembic baseline and stamped. Never
edit them; the schema changes in ``verifier/migrations/`` now."""

from __future__ import annotations

from typing import Any

from sqlite_migrate import Migrations

from kyc_wallet.database.audit import AUDIT_LOG_SQL

__all__ = ["migrations"]

migrations = Migrations("kyc-wallet-verifier")


@migrations()
def m001_initial(db: Any) -> None:
    db.executescript(
        """
        CREATE TABLE verifications (
            id TEXT PRIMARY KEY,
            policy TEXT NOT NULL,
            created_by TEXT NOT NULL,
            request_json TEXT NOT NULL,        -- the AuthorizationRequest claims
            enc_kid TEXT UNIQUE,               -- direct_post.jwt: the ephemeral key's kid
            enc_key_json TEXT,                 -- the ephemeral private JWK; erased at the verdict
            state TEXT NOT NULL UNIQUE,
            nonce TEXT NOT NULL UNIQUE,
            session_hash TEXT NOT NULL,
            response_code_hash TEXT,
            redirect_uri TEXT,
            status TEXT NOT NULL,              -- pending, verified, refused
            reason_code TEXT,
            reason TEXT,
            claims_json TEXT,                  -- only the claims the policy reads
            address TEXT,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            request_fetched_at INTEGER,
            completed_at INTEGER
        );
        CREATE TABLE seen_presentations (
            kb_jwt_sha256 TEXT PRIMARY KEY,
            verification_id TEXT NOT NULL REFERENCES verifications(id),
            at INTEGER NOT NULL
        );
        CREATE TABLE intents (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            chain TEXT NOT NULL,
            registry TEXT NOT NULL,
            token TEXT NOT NULL,
            address TEXT NOT NULL,
            country TEXT,
            verification_id TEXT NOT NULL REFERENCES verifications(id),
            record_sha256 TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            UNIQUE (chain, registry, address)
        );
        CREATE TABLE webhooks (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            verification_id TEXT NOT NULL REFERENCES verifications(id),
            url TEXT NOT NULL,
            body TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            delivered_at INTEGER,
            last_error TEXT
        );
        CREATE INDEX verifications_status ON verifications(status, expires_at);
        """
        + AUDIT_LOG_SQL
    )


@migrations()
def m002_intent_status(db: Any) -> None:
    """The credential's status reference kept with the intent, so that a later
    revocation turns the intent into a removal (SECURITY.md "Revocation")."""
    db.executescript(
        """
        ALTER TABLE intents ADD COLUMN desired TEXT NOT NULL DEFAULT 'registered';
        ALTER TABLE intents ADD COLUMN status_uri TEXT;
        ALTER TABLE intents ADD COLUMN status_idx INTEGER;
        ALTER TABLE intents ADD COLUMN removal_reason TEXT;
        """
    )


@migrations()
def m003_intent_forwarding(db: Any) -> None:
    """A version per intent, bumped by every change, and the version last
    forwarded to the chain outbox; and the expiry of the credential behind the
    intent (the monitor removes the address once it passes)."""
    db.executescript(
        """
        ALTER TABLE intents ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
        ALTER TABLE intents ADD COLUMN forwarded_version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE intents ADD COLUMN credential_exp INTEGER;
        """
    )


@migrations()
def m004_platform(db: Any) -> None:
    """Issue 19: when an intent's address was last registered and when it was
    removed (``GET /api/v1/addresses/<address>``), kept by triggers on every
    change of ``desired`` whoever writes it; and the API key whose webhook a
    queued delivery is for (NULL: ``WEBHOOK_URL``). Intents from before take
    their creation as registration, or, if the audit log shows a removal of the
    address, their last update (never a time at which the address was not
    registered); a removed intent was removed at its last update."""
    db.executescript(
        """
        ALTER TABLE intents ADD COLUMN registered_at INTEGER;
        ALTER TABLE intents ADD COLUMN removed_at INTEGER;
        ALTER TABLE webhooks ADD COLUMN api_key TEXT;
        UPDATE intents SET removed_at = updated_at WHERE desired = 'removed';
        UPDATE intents SET registered_at = CASE WHEN EXISTS (
            SELECT 1 FROM audit_log WHERE action = 'intent.removed' AND subject = intents.address
        ) THEN updated_at ELSE created_at END WHERE desired = 'registered';
        CREATE TRIGGER intents_registered AFTER INSERT ON intents
            WHEN NEW.desired = 'registered'
            BEGIN UPDATE intents SET registered_at = NEW.updated_at WHERE id = NEW.id; END;
        CREATE TRIGGER intents_desired AFTER UPDATE OF desired ON intents
            WHEN OLD.desired IS NOT NEW.desired
            BEGIN
                UPDATE intents SET
                    registered_at = CASE NEW.desired WHEN 'registered' THEN NEW.updated_at
                        ELSE registered_at END,
                    removed_at = CASE NEW.desired WHEN 'removed' THEN NEW.updated_at END
                WHERE id = NEW.id;
            END;
        CREATE INDEX intents_address ON intents(address);
        CREATE INDEX verifications_created_by ON verifications(created_by, created_at);
        """
    )


@migrations()
def m004_intent_failures_poison(db: Any) -> None:
    """Issue 19 item 1: what failed for one whitelisting intent, per stage
    (``forward`` to the chain outbox, ``chain`` as the outbox worker reports it,
    ``monitor`` re-checking its credential), with the reason, how often, and when
    it is tried again; the others never wait for it (verifier/failures.py)."""
    db.executescript(
        """
        CREATE TABLE intent_failures (
            intent_id INTEGER NOT NULL REFERENCES intents(id),
            stage TEXT NOT NULL,
            reason TEXT NOT NULL,
            failures INTEGER NOT NULL,
            version INTEGER NOT NULL,          -- the intent's version when it failed
            first_at INTEGER NOT NULL,
            last_at INTEGER NOT NULL,
            retry_at INTEGER,                  -- NULL: not retried automatically
            PRIMARY KEY (intent_id, stage)
        );
        """
    )


@migrations()
def m004_flow_same_device(db: Any) -> None:
    """Issue 19 item 6 and issue 18 item 6: the same-device request has its own
    ``state`` (so its own Request Object and ``request_uri``), the cross-device
    request its ``verification_code``; the flow that answered; and the last
    error a wallet reported (not authenticated, so it consumes nothing)."""
    db.executescript(
        """
        ALTER TABLE verifications ADD COLUMN same_device_state TEXT;
        ALTER TABLE verifications ADD COLUMN verification_code TEXT;
        ALTER TABLE verifications ADD COLUMN answered_flow TEXT;
        ALTER TABLE verifications ADD COLUMN last_wallet_error TEXT;
        ALTER TABLE verifications ADD COLUMN wallet_error_at INTEGER;
        CREATE UNIQUE INDEX verifications_same_device_state
            ON verifications(same_device_state);
        """
    )


@migrations()
def m005_status_issuer_poison(db: Any) -> None:
    """Issue 19 item 8: with each intent, the verified issuer of its credential
    (``ssi.status_list.ReferencedIssuer`` as JSON: ``iss``, and the ``x5c`` leaf and
    root it was signed under), whose keys alone may sign its status list when the
    monitor re-checks it."""
    db.executescript("ALTER TABLE intents ADD COLUMN status_issuer_json TEXT;")


@migrations()
def m006_other_statuses_review(db: Any) -> None:
    """Review of issue 19 item 14: the status references of a verdict's other
    credentials (a query with ``multiple``), each with its verified issuer, as a
    JSON list of ``{"uri", "idx", "issuer"}``: the monitor re-checks every one."""
    db.executescript("ALTER TABLE intents ADD COLUMN other_statuses_json TEXT;")
