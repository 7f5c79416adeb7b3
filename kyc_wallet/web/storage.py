"""SQLite storage for the apps: one connection per thread, WAL,
``synchronous=FULL`` (a commit that matters is on disk), foreign keys, a busy
timeout, ``secure_delete`` (deleted rows are overwritten with zeros, whatever
the build's default), and migrations recorded in ``_sqlite_migrations``
(sqlite-migrate).

The database file is created with mode 0600 (SQLite gives its ``-wal`` and
``-shm`` the mode of the database file); an older file that others could read
is narrowed to 0600. Migrations run under an exclusive lock on a file beside
the database, so that several workers starting on one empty data folder
(``gunicorn --workers 4``) migrate it once, one after the other; the other
workers find nothing pending. Each start then checkpoints the WAL
(:meth:`Store.checkpoint`).

Multi-statement changes use :meth:`Store.transaction` (``BEGIN IMMEDIATE``)
with plain SQL; single-use values are consumed with
``UPDATE … WHERE used_at IS NULL`` and the row count (ARCHITECTURE.md
"Storage and state")."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_migrate import Migrations

from kyc_wallet.database.files import migration_lock, private_database_file

__all__ = ["Store", "migration_lock", "private_database_file"]

log = logging.getLogger(__name__)

CHECKPOINT_ATTEMPTS = 3


class Store:
    """A SQLite file shared by the threads of one app process, migrated by
    every set in ``migration_sets`` (the app's own, then shared ones such as
    the operator sign-in's)."""

    def __init__(self, path: str | Path, *migration_sets: Migrations) -> None:
        self.path = str(path)
        self._local = threading.local()
        self.applied_now: list[str] = []
        """The migrations this process applied (the others found them applied)."""
        with migration_lock(Path(path)):
            private_database_file(Path(path))
            db = self.db
            db.execute("PRAGMA journal_mode=WAL")
            for migrations in migration_sets:
                pending = [m.name for m in migrations.pending(db)]
                migrations.apply(db)
                self.applied_now += pending
            # no earlier page version stays in the WAL: of a row a migration rewrote,
            # or of a key deleted just before a crash cut the checkpoint after it
            self.checkpoint()

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        conn.execute("PRAGMA secure_delete=ON")
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

    def checkpoint(self) -> bool:
        """``PRAGMA wal_checkpoint(TRUNCATE)`` until it reports done: every page
        is back in the database file and the ``-wal`` file is cut to zero bytes,
        so no earlier version of a page (a deleted key, an erased record) stays
        in it. Each attempt waits up to the busy timeout for readers to finish;
        after :data:`CHECKPOINT_ATTEMPTS`, log and return ``False`` (the next
        erasure, or the next start, checkpoints again)."""
        for attempt in range(CHECKPOINT_ATTEMPTS):
            busy = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if busy == 0:
                return True
            time.sleep(0.05 * (attempt + 1))
        log.warning("the WAL of %s could not be checkpointed: readers kept it busy", self.path)
        return False

    def one(self, sql: str, params: Any = ()) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.conn.execute(sql, params).fetchone()
        return row

    def all(self, sql: str, params: Any = ()) -> list[sqlite3.Row]:
        return list(self.conn.execute(sql, params).fetchall())

    def execute(self, sql: str, params: Any = ()) -> int:
        """Run one statement in autocommit mode; return the number of rows changed."""
        return self.conn.execute(sql, params).rowcount
