"""The whitelist outbox's two tables (SQLAlchemy Core), kept in the database of
the service that commits the intents: the verifier's (issue 21 item 4: one
outbox, written in the verdict's own transaction, read and updated there by the
chain worker).

The definitions are here, in ``chain/``, because the worker uses them and
``chain/`` imports nothing of the verifier; the verifier's Alembic baseline
creates them with :func:`create_outbox_tables`. Times are integer Unix seconds
(UTC), like every ``*_at`` column of the services.

The columns ``claimed_by`` / ``claimed_at`` name the worker that last stored a
transaction for the intent, set in the database transaction that took that
transaction's nonce (``outbox_nonces``, :mod:`chain.nonces`; issue 22).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

__all__ = [
    "AFTER_BASELINE",
    "create_outbox_tables",
    "metadata",
    "outbox_intents",
    "outbox_nonces",
    "outbox_transactions",
]

metadata = sa.MetaData()


def _intents_columns() -> list[Any]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chain", sa.Text, nullable=False),
        sa.Column("registry", sa.Text, nullable=False),
        sa.Column("address", sa.Text, nullable=False),
        sa.Column("desired", sa.Text, nullable=False),  # registered | removed
        sa.Column("country", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claim_data", sa.Text, nullable=False, server_default=""),  # hex
        sa.Column("state", sa.Text, nullable=False),  # queued | done | failed
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("retry_at", sa.BigInteger),  # a failed one is tried again; NULL: not
        sa.Column("claimed_by", sa.Text),
        sa.Column("claimed_at", sa.BigInteger),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("chain", "registry", "address", name="outbox_intents_target"),
    ]


def _transactions_columns() -> list[Any]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("chain", sa.Text, nullable=False),
        sa.Column("sender", sa.Text, nullable=False),
        sa.Column("nonce", sa.BigInteger, nullable=False),
        sa.Column("tx_hash", sa.Text, nullable=False),
        sa.Column("raw", sa.Text, nullable=False),  # hex of the signed bytes
        sa.Column("to_address", sa.Text),
        sa.Column("data", sa.Text),
        sa.Column("gas", sa.BigInteger),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("intent_ids", sa.Text, nullable=False),  # JSON list
        sa.Column("state", sa.Text, nullable=False),  # signed | mined | reverted | dropped
        sa.Column("block_number", sa.BigInteger),
        sa.Column("gas_used", sa.BigInteger),
        sa.Column("error", sa.Text),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    ]


outbox_intents = sa.Table(
    "outbox_intents",
    metadata,
    *_intents_columns(),
    sa.Index("outbox_intents_state", "chain", "state"),
    sqlite_autoincrement=True,
)


def _transactions_22c_columns() -> list[Any]:
    """Issue 22: the receipt's block hash (reorgs), the EIP-1559 fees (replacement)."""
    return [
        sa.Column("block_hash", sa.Text),
        sa.Column("max_fee", sa.BigInteger),  # maxFeePerGas, wei
        sa.Column("priority_fee", sa.BigInteger),  # maxPriorityFeePerGas, wei
    ]


def _nonces_columns() -> list[Any]:
    """Issue 22: one nonce counter per chain and sender key, taken in the
    transaction that stores the signed transactions (:mod:`chain.nonces`)."""
    return [
        sa.Column("chain", sa.Text, primary_key=True),
        sa.Column("sender", sa.Text, primary_key=True),
        sa.Column("next_nonce", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    ]


outbox_transactions = sa.Table(
    "outbox_transactions",
    metadata,
    *_transactions_columns(),
    *_transactions_22c_columns(),
    sa.Index("outbox_transactions_block", "chain", "block_number"),
    # Not unique: after the in-process chain restarted empty, replaying an intent
    # signs the very same bytes (same key, nonce, call), a new transaction there.
    sa.Index("outbox_transactions_hash", "chain", "tx_hash"),
    sa.Index("outbox_transactions_sender", "chain", "sender", "state"),
    sqlite_autoincrement=True,
)
outbox_nonces = sa.Table("outbox_nonces", metadata, *_nonces_columns())


def create_outbox_tables(op: Any) -> None:
    """Create both tables as they first shipped, in an Alembic revision (``op``:
    ``alembic.op``). A later change is a new revision (and an edit above)."""
    op.create_table("outbox_intents", *_intents_columns(), sqlite_autoincrement=True)
    op.create_index("outbox_intents_state", "outbox_intents", ["chain", "state"])
    op.create_table("outbox_transactions", *_transactions_columns(), sqlite_autoincrement=True)
    op.create_index("outbox_transactions_hash", "outbox_transactions", ["chain", "tx_hash"])
    op.create_index(
        "outbox_transactions_sender", "outbox_transactions", ["chain", "sender", "state"]
    )


AFTER_BASELINE: dict[str, set[str] | None] = {
    "outbox_nonces": None,  # the whole table
    "outbox_transactions": {c.name for c in _transactions_22c_columns()},
}
"""What revisions after the verifier's baseline added to the tables above (a
database adopted from the previous release is checked against the baseline)."""


def add_nonces_and_fees(op: Any) -> None:
    """Issue 22's revision (``op``: ``alembic.op``): the nonce counters, and the
    block hash and fees of each transaction."""
    op.create_table("outbox_nonces", *_nonces_columns())
    with op.batch_alter_table("outbox_transactions") as batch:
        for column in _transactions_22c_columns():
            batch.add_column(column)
    op.create_index("outbox_transactions_block", "outbox_transactions", ["chain", "block_number"])


def drop_nonces_and_fees(op: Any) -> None:
    op.drop_index("outbox_transactions_block", "outbox_transactions")
    with op.batch_alter_table("outbox_transactions") as batch:
        for column in _transactions_22c_columns():
            batch.drop_column(column.name)
    op.drop_table("outbox_nonces")
