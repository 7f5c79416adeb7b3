"""The append-only audit log every app keeps in its database: a table whose
``UPDATE`` and ``DELETE`` are refused by triggers, and one function to append."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["AUDIT_LOG_SQL", "audit"]

AUDIT_LOG_SQL = """
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""


def audit(conn: Any, at: int, actor: str, action: str, subject: str, **detail: Any) -> None:
    """Append one line to the audit log (inside the caller's transaction)."""
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
        (at, actor, action, subject, json.dumps(detail, sort_keys=True)),
    )
