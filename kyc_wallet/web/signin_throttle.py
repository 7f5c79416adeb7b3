"""Back-off for ``POST /operator/login``, per client and for all clients
together (issue 19 item 9; OWASP ASVS 4.0 V2.2.1: anti-automation against
credential guessing).

Each scope (one client address, and ``all``) may fail a few times freely
(``OPERATOR_SIGNIN_ATTEMPTS`` per client, ``OPERATOR_SIGNIN_ATTEMPTS_ALL``
together); each failure after that blocks the scope for 1, 2, 4, … seconds,
up to ``OPERATOR_SIGNIN_MAX_DELAY``. While a scope is blocked, every attempt
in it is answered 429 with ``Retry-After`` and the password is not even
compared, so guesses sent during the wait tell nothing. A scope's count is
forgotten after :data:`WINDOW` seconds without a failure, and a client's
after it signs in.

The counts live in the app's database (``operator_signin_failures``), so
every worker of a multi-worker server shares them and a restart keeps them;
a client address is kept only as a hash. The check and the update run in one
``BEGIN IMMEDIATE`` transaction with the password comparison, so parallel
guesses cannot slip past the count.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from .auth import secret_hash

__all__ = ["ALL", "WINDOW", "client_scope", "record_failure", "retry_after", "forget"]

ALL = "all"
WINDOW = 3600
"""Seconds without a failure after which a scope's count starts again."""

SQL = """
CREATE TABLE operator_signin_failures (
    scope TEXT PRIMARY KEY,          -- 'all', or 'client:' + SHA-256 of the address
    failures INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL
);
"""


def client_scope(address: str | None) -> str:
    return "client:" + secret_hash(address or "unknown")


def _free_attempts(scope: str, config: Mapping[str, Any]) -> int:
    setting = "OPERATOR_SIGNIN_ATTEMPTS_ALL" if scope == ALL else "OPERATOR_SIGNIN_ATTEMPTS"
    return int(config[setting])


def retry_after(conn: sqlite3.Connection, scopes: list[str], now: int) -> int:
    """Seconds until every scope may try again (0: now)."""
    marks = ",".join("?" for _ in scopes)
    row = conn.execute(
        f"SELECT MAX(blocked_until) FROM operator_signin_failures WHERE scope IN ({marks})",
        scopes,
    ).fetchone()
    until = row[0] if row and row[0] is not None else 0
    return max(0, int(until) - now)


def record_failure(
    conn: sqlite3.Connection, scopes: list[str], now: int, config: Mapping[str, Any]
) -> None:
    """Count a failed attempt in each scope and block those past their free attempts."""
    conn.execute("DELETE FROM operator_signin_failures WHERE last_failure_at < ?", (now - WINDOW,))
    for scope in scopes:
        row = conn.execute(
            "SELECT failures FROM operator_signin_failures WHERE scope = ?", (scope,)
        ).fetchone()
        failures = 1 if row is None else int(row[0]) + 1
        beyond = failures - _free_attempts(scope, config)
        delay = (
            0 if beyond < 0 else min(int(config["OPERATOR_SIGNIN_MAX_DELAY"]), 2 ** min(beyond, 30))
        )
        conn.execute(
            "INSERT INTO operator_signin_failures (scope, failures, last_failure_at,"
            " blocked_until) VALUES (?, ?, ?, ?) ON CONFLICT (scope) DO UPDATE SET"
            " failures = excluded.failures, last_failure_at = excluded.last_failure_at,"
            " blocked_until = excluded.blocked_until",
            (scope, failures, now, now + delay),
        )


def forget(conn: sqlite3.Connection, scope: str) -> None:
    conn.execute("DELETE FROM operator_signin_failures WHERE scope = ?", (scope,))
