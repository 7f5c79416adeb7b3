"""The outbox's SQLite schema, as sqlite-utils migrations (recorded in ``_sqlite_migrations``).

Each migration is a function, applied once, in order; never edit one that has
shipped: add the next.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

__all__ = ["migrations"]

migrations = Migrations("chain.outbox")


@migrations()
def m001_create(db: Database) -> None:
    db["intents"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "chain": str,
            "registry": str,
            "address": str,
            "desired": str,
            "country": int,
            "claim_data": str,
            "state": str,
            "attempts": int,
            "last_error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"chain", "registry", "address", "desired", "state", "attempts"},
    )
    db["intents"].create_index(["chain", "registry", "address"], unique=True)  # type: ignore[union-attr]
    db["intents"].create_index(["chain", "state"])  # type: ignore[union-attr]
    db["transactions"].create(  # type: ignore[union-attr]
        {
            "id": int,
            "chain": str,
            "sender": str,
            "nonce": int,
            "tx_hash": str,
            "raw": str,
            "to_address": str,
            "data": str,
            "gas": int,
            "kind": str,
            "intent_ids": str,
            "state": str,
            "block_number": int,
            "gas_used": int,
            "error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"chain", "sender", "nonce", "tx_hash", "raw", "kind", "state"},
    )
    # Not unique: after the in-process chain restarted empty, replaying an intent
    # signs the very same bytes (same key, nonce, call), a new transaction there.
    db["transactions"].create_index(["chain", "tx_hash"])  # type: ignore[union-attr]
    db["transactions"].create_index(["chain", "sender", "state"])  # type: ignore[union-attr]


@migrations()
def m002_retry_at_poison(db: Database) -> None:
    """Issue 19 item 1: a failed intent keeps its reason and is retried after a
    back-off (``retry_at``, Unix seconds; NULL: not retried automatically)."""
    db["intents"].add_column("retry_at", float)  # type: ignore[union-attr]
