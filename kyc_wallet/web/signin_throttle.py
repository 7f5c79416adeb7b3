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

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from kyc_wallet.database.compat import run

from .auth import secret_hash

__all__ = [
    "ALL",
    "WINDOW",
    "client_scope",
    "create_signin_tables",
    "forget",
    "record_failure",
    "retry_after",
]

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


def retry_after(conn: Any, scopes: list[str], now: int) -> int:
    """Seconds until every scope may try again (0: now)."""
    names = {f"s{i}": scope for i, scope in enumerate(scopes)}
    marks = ", ".join(f":{name}" for name in names)
    row = run(
        conn,
        "SELECT MAX(blocked_until) AS until FROM operator_signin_failures"
        f" WHERE scope IN ({marks})",
        names,
    ).first()
    until = row["until"] if row and row["until"] is not None else 0
    return max(0, int(until) - now)


def record_failure(conn: Any, scopes: list[str], now: int, config: Mapping[str, Any]) -> None:
    """Count a failed attempt in each scope and block those past their free attempts."""
    run(
        conn,
        "DELETE FROM operator_signin_failures WHERE last_failure_at < :since",
        {"since": now - WINDOW},
    )
    for scope in scopes:
        row = run(
            conn,
            "SELECT failures FROM operator_signin_failures WHERE scope = :scope",
            {"scope": scope},
        ).first()
        failures = 1 if row is None else int(row["failures"]) + 1
        beyond = failures - _free_attempts(scope, config)
        delay = (
            0 if beyond < 0 else min(int(config["OPERATOR_SIGNIN_MAX_DELAY"]), 2 ** min(beyond, 30))
        )
        run(
            conn,
            "INSERT INTO operator_signin_failures (scope, failures, last_failure_at,"
            " blocked_until) VALUES (:scope, :failures, :now, :until) ON CONFLICT (scope)"
            " DO UPDATE SET failures = excluded.failures,"
            " last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until",
            {"scope": scope, "failures": failures, "now": now, "until": now + delay},
        )


def forget(conn: Any, scope: str) -> None:
    run(conn, "DELETE FROM operator_signin_failures WHERE scope = :scope", {"scope": scope})


def create_signin_tables(op: Any) -> None:
    """The sign-in's tables (same as :data:`SQL` and the sessions table of
    ``signin.migrations``) as an Alembic revision's step."""
    op.create_table(
        "operator_sessions",
        sa.Column("id_hash", sa.Text, primary_key=True),
        sa.Column("password_mac", sa.Text, nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("last_seen_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "operator_signin_failures",
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure_at", sa.BigInteger, nullable=False),
        sa.Column("blocked_until", sa.BigInteger, nullable=False),
    )
