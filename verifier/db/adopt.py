"""Adopting a data folder of the previous release (issue 21 item 5).

That release kept the verifier's state in ``verifier.sqlite`` (raw ``sqlite3``,
sqlite-migrate, :mod:`verifier.legacy_schema`) and the chain outbox in a file
of its own (``<DATA_DIR>/chain/outbox.sqlite``, or ``OUTBOX_PATH``), fed by a
forwarder. :func:`adopt_legacy` runs inside the Alembic transaction of
``kyc_wallet.database.migrate.upgrade`` (after :func:`apply_legacy_migrations`
brought the file to that release's last migration) and makes it the baseline:

- the schema made portable: the ``registered_at``/``removed_at`` triggers
  dropped (the repositories keep them now), ``verifications.seq`` from the
  ``rowid``, the webhook deliveries given their job columns, the outbox's
  tables created;
- the old outbox imported: every intent and every transaction with its ids,
  nonce, hash, raw bytes and state (a ``signed`` one is settled by the worker:
  looked up, or the same bytes broadcast again, never signed anew), ISO times
  turned into Unix seconds; then each verifier intent the forwarder had not
  written yet (``forwarded_version < version``), as the forwarder would have;
- ``forwarded_version`` dropped; the result checked against the baseline's tables.

The caller renames each imported file to ``<name>.imported`` once this commits.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from chain.errors import OutboxError
from chain.outbox import Outbox
from chain.outbox_schema import (
    AFTER_BASELINE as OUTBOX_AFTER_BASELINE,
)
from chain.outbox_schema import (
    create_outbox_tables,
    outbox_intents,
    outbox_transactions,
)
from chain.outbox_schema import metadata as outbox_metadata
from kyc_wallet.database import Database
from ssi.errors import MalformedInput

from ..core.intents import claim_data, country_numeric
from ..legacy_schema import migrations as legacy_migrations
from .tables import metadata

__all__ = ["BASELINE", "adopt_legacy", "apply_legacy_migrations"]

BASELINE = "v001_baseline"
SHARED_TABLES = {"audit_log", "operator_sessions", "operator_signin_failures"}


def apply_legacy_migrations(path: Path) -> None:
    """Bring a SQLite file of the previous release to its last migration, as that
    release did at every start (before the Alembic transaction: sqlite-migrate's
    scripts commit on their own)."""
    if not path.exists():
        return
    with sqlite3.connect(path) as probe:
        tables = {r[0] for r in probe.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    probe.close()
    if "_sqlite_migrations" not in tables or "alembic_version" in tables:
        return
    from kyc_wallet.web import Store, signin  # the previous release's storage, for this only

    store = Store(path, legacy_migrations, signin.migrations)
    store.conn.close()


def adopt_legacy(
    db: Database, outbox_files: list[Path], imported: list[Path]
) -> Callable[[Connection], str | None]:
    """The ``adopt`` hook of :func:`kyc_wallet.database.migrate.upgrade`; appends the
    outbox files it imported to ``imported``."""

    def adopt(conn: Connection) -> str | None:
        names = set(sa.inspect(conn).get_table_names())
        if "verifications" not in names:
            return None  # a new database: every revision runs
        if conn.dialect.name != "sqlite" or "_sqlite_migrations" not in names:
            raise RuntimeError("this database is not one of the verifier's: cannot adopt it")
        _portable(conn)
        outbox = Outbox(db)
        for path in outbox_files:
            if path.exists():
                _import_outbox(conn, path)
                imported.append(path)
        _forward_unforwarded(conn, outbox)
        conn.exec_driver_sql("ALTER TABLE intents DROP COLUMN forwarded_version")
        _check(conn)
        return BASELINE

    return adopt


def _portable(conn: Connection) -> None:
    run = conn.exec_driver_sql
    run("DROP TRIGGER IF EXISTS intents_registered")
    run("DROP TRIGGER IF EXISTS intents_desired")
    run("ALTER TABLE verifications ADD COLUMN seq INTEGER")
    run("UPDATE verifications SET seq = rowid")
    for column in ("state TEXT NOT NULL DEFAULT 'pending'", "next_attempt_at INTEGER"):
        run(f"ALTER TABLE webhooks ADD COLUMN {column}")
    for column in ("claimed_by TEXT", "claimed_at INTEGER", "created_at INTEGER"):
        run(f"ALTER TABLE webhooks ADD COLUMN {column}")
    run("UPDATE webhooks SET state = 'delivered' WHERE delivered_at IS NOT NULL")
    run("UPDATE webhooks SET state = 'failed' WHERE delivered_at IS NULL AND attempts >= 5")
    create_outbox_tables(Operations(MigrationContext.configure(conn)))


def _seconds(value: Any) -> int | None:
    """An ISO 8601 time of the old outbox (or a number) as Unix seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return int(value)
    return int(datetime.fromisoformat(str(value)).timestamp())


def _import_outbox(conn: Connection, path: Path) -> None:
    old = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    old.row_factory = sqlite3.Row
    try:
        intents = [dict(r) for r in old.execute("SELECT * FROM intents ORDER BY id")]
        transactions = [dict(r) for r in old.execute("SELECT * FROM transactions ORDER BY id")]
    finally:
        old.close()
    for row in intents:
        row["retry_at"] = _seconds(row.get("retry_at"))
        for name in ("created_at", "updated_at"):
            row[name] = _seconds(row[name]) or 0
        row["country"], row["claim_data"] = row["country"] or 0, row["claim_data"] or ""
        row["attempts"] = row["attempts"] or 0
    for row in transactions:
        for name in ("created_at", "updated_at"):
            row[name] = _seconds(row[name]) or 0
        row["intent_ids"] = row["intent_ids"] or "[]"
    columns = {t: {c.name for c in t.columns} for t in (outbox_intents, outbox_transactions)}
    if intents:
        rows = [{k: v for k, v in r.items() if k in columns[outbox_intents]} for r in intents]
        conn.execute(sa.insert(outbox_intents), rows)
    if transactions:
        cols = columns[outbox_transactions]
        rows = [{k: v for k, v in r.items() if k in cols} for r in transactions]
        conn.execute(sa.insert(outbox_transactions), rows)


def _forward_unforwarded(conn: Connection, outbox: Outbox) -> None:
    """What the old forwarder had not written yet, written as it would have."""
    rows = conn.exec_driver_sql(
        "SELECT * FROM intents WHERE forwarded_version < version ORDER BY id"
    ).mappings()
    for row in list(rows):
        target = (row["chain"], row["registry"], row["address"])
        if row["desired"] == "removed":
            outbox.remove(*target, conn=conn)
            continue
        try:
            country = country_numeric(row["country"])
            data = claim_data(row["verification_id"], row["record_sha256"])
            outbox.whitelist(*target, country, data, conn=conn)
        except (MalformedInput, OutboxError) as exc:
            outbox.refuse(*target, f"{type(exc).__name__}: {exc.description}", conn=conn)


AFTER_BASELINE: dict[str, set[str] | None] = {
    "verifications": {"details_deleted_at"},  # v002_retention_22m
    **OUTBOX_AFTER_BASELINE,  # v003_nonces_22c
}
"""Columns (or, as ``None``, whole tables) of :mod:`verifier.db.tables` and the
outbox that migrations after the baseline add: an adopted database is checked
against the baseline, then migrated."""


def _check(conn: Connection) -> None:
    """The adopted tables and columns are the baseline's."""
    inspector = sa.inspect(conn)
    found = {
        t: {c["name"] for c in inspector.get_columns(t)}
        for t in inspector.get_table_names()
        if t not in SHARED_TABLES and not t.startswith(("_sqlite", "sqlite_", "alembic"))
    }
    expected = {
        t.name: {c.name for c in t.columns} - (AFTER_BASELINE.get(t.name) or set())
        for t in [*metadata.sorted_tables, *outbox_metadata.sorted_tables]
        if t.name not in SHARED_TABLES
        and not (t.name in AFTER_BASELINE and AFTER_BASELINE[t.name] is None)
    }
    if found != expected:
        raise RuntimeError(f"the adopted schema differs from the baseline: {found} != {expected}")
    missing = SHARED_TABLES - set(inspector.get_table_names())
    if missing:
        raise RuntimeError(f"the adopted database lacks {sorted(missing)}")
