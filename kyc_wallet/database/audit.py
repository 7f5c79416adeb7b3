"""The append-only audit log every service keeps in its database: a table
whose ``UPDATE``, ``DELETE`` (and on PostgreSQL ``TRUNCATE``) are refused by
triggers, and one function to append inside the caller's transaction."""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa

from kyc_wallet.database.compat import run

__all__ = ["AUDIT_LOG_SQL", "audit", "create_audit_log"]

APPEND_ONLY = "the audit log is append-only"

AUDIT_LOG_SQL = f"""
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;
"""
"""The table and triggers for the SQLite-only migrations of the earlier
release (sqlite-migrate); :func:`create_audit_log` is the Alembic version."""


def create_audit_log(op: Any) -> None:
    """Create ``audit_log`` and its append-only triggers, in an Alembic
    revision (``op``: ``alembic.op``); same columns as :data:`AUDIT_LOG_SQL`."""
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.BigInteger, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("subject", sa.Text, nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sqlite_autoincrement=True,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END"
            )


def audit(conn: Any, at: int, actor: str, action: str, subject: str, **detail: Any) -> None:
    """Append one line to the audit log (inside the caller's transaction)."""
    run(
        conn,
        "INSERT INTO audit_log (at, actor, action, subject, detail)"
        " VALUES (:at, :actor, :action, :subject, :detail)",
        {
            "at": at,
            "actor": actor,
            "action": action,
            "subject": subject,
            "detail": json.dumps(detail, sort_keys=True),
        },
    )
