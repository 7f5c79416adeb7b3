"""Transitional: one SQL string run on either kind of connection.

While the issuer and the verifier move from ``kyc_wallet.web.Store`` (raw
``sqlite3``) to :class:`kyc_wallet.database.Database` (SQLAlchemy Core), the
pieces they share (operator sign-in, its throttle, the audit log) run their
few statements through :func:`run`, with ``:name`` parameters (which both
``sqlite3`` and SQLAlchemy's ``text()`` take) and rows read by column name.
Delete this module, and the ``sqlite3`` branch, once no app uses ``Store``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, text

__all__ = ["Rows", "run"]


class Rows:
    """The rows of one statement, each a mapping from column name to value."""

    def __init__(self, rows: list[dict[str, Any]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def first(self) -> dict[str, Any] | None:
        return self._rows[0] if self._rows else None

    def all(self) -> list[dict[str, Any]]:
        return self._rows


def run(conn: Any, sql: str, params: Mapping[str, Any] | None = None) -> Rows:
    """Execute ``sql`` on a ``sqlite3`` or an SQLAlchemy connection."""
    if isinstance(conn, Connection):
        result = conn.execute(text(sql), dict(params or {}))
        rows = [dict(row) for row in result.mappings()] if result.returns_rows else []
        return Rows(rows, result.rowcount if not result.returns_rows else len(rows))
    if isinstance(conn, sqlite3.Connection):
        cursor = conn.execute(sql, dict(params or {}))
        names = [column[0] for column in cursor.description or ()]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        return Rows(rows, cursor.rowcount if not names else len(rows))
    raise TypeError(f"not a database connection: {type(conn).__name__}")
