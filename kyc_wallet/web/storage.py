"""SQLite storage for the apps: one connection per thread, WAL,
``synchronous=FULL`` (a commit that matters is on disk), foreign keys, a busy
timeout, and migrations recorded in ``_sqlite_migrations`` (sqlite-migrate).

Multi-statement changes use :meth:`Store.transaction` (``BEGIN IMMEDIATE``)
with plain SQL; single-use values are consumed with
``UPDATE … WHERE used_at IS NULL`` and the row count (ARCHITECTURE.md
"Storage and state")."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_migrate import Migrations

__all__ = ["Store"]


class Store:
    """A SQLite file shared by the threads of one app process."""

    def __init__(self, path: str | Path, migrations: Migrations) -> None:
        self.path = str(path)
        self._local = threading.local()
        db = self.db
        db.execute("PRAGMA journal_mode=WAL")
        migrations.apply(db)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._connect()
            self._local.conn = conn
        return conn

    @property
    def db(self) -> sqlite_utils.Database:
        return sqlite_utils.Database(self.conn)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (or ``ROLLBACK`` on any exception)."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return list(self.conn.execute(sql, params).fetchall())

    def execute(self, sql: str, params: Any = ()) -> int:
        """Run one statement in autocommit mode; return the number of rows changed."""
        return self.conn.execute(sql, params).rowcount
