"""Where the rate limiter counts: fixed-window counters in process memory, in
the service's own database, or in Redis (``RATE_LIMIT_STORAGE``).

Every store answers one question, :meth:`Counters.hit`: count one request of
``key`` and say how many the key's current window holds and when that window
ends. A window starts at a key's first request and lasts the limit's period;
the first request after it ends starts the next window at 1 (the fixed-window
strategy of Flask-Limiter's default, without its timer thread).

- :class:`MemoryCounters` (``memory://``): one process only (each gunicorn
  worker would count apart); the wallet's and development's store. Expired
  windows are dropped lazily, by the request that finds the sweep due: no
  thread is ever started.
- :class:`DatabaseCounters` (``database``, the issuer's and the verifier's
  default): the table ``rate_limit_counters`` of the service's database on
  PostgreSQL, so every worker and replica shares one count; on SQLite the
  same table in a file of its own beside the database (:func:`counters_file`,
  shared by the processes of the machine), so that counting never waits for
  the service's group commit. One atomic upsert per request
  (``INSERT … ON CONFLICT DO UPDATE … RETURNING``, on SQLite ≥ 3.35 and
  PostgreSQL alike); expired rows are deleted by one process at most once a
  minute. The counts are not worth an fsync each: on SQLite they are written
  through connections with ``synchronous=NORMAL`` (WAL: the file stays
  consistent, a power loss may forget the last counts), on PostgreSQL with
  ``synchronous_commit = off`` for that transaction.
- ``redis://``, ``rediss://``, ``unix://``: :mod:`.rate_limit_redis`, with the
  optional client (``pip install 'kyc-wallet[redis]'``).

Client addresses are personal data: stores keep only a SHA-256 of the key's
client part (:func:`counter_key`). A store that cannot answer raises
:class:`StoreUnavailable`; the limiter then refuses the request (fail closed,
:mod:`.rate_limit`).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from kyc_wallet.database import Database
from kyc_wallet.database.files import private_database_file

from .auth import secret_hash

__all__ = [
    "PRUNE_INTERVAL",
    "Counters",
    "DatabaseCounters",
    "MemoryCounters",
    "StoreUnavailable",
    "Window",
    "counter_key",
    "create_rate_limit_table",
    "drop_rate_limit_table",
]

PRUNE_INTERVAL = 60.0
"""Seconds between two sweeps of expired windows by one process."""

TABLE = "rate_limit_counters"


class StoreUnavailable(RuntimeError):
    """The rate-limit store did not answer (the reason, for the log)."""


@dataclass(frozen=True)
class Window:
    """A key's current window after a hit: its count and when it ends (Unix seconds)."""

    hits: int
    ends_at: float


class Counters(Protocol):
    """A rate-limit store."""

    def hit(self, key: str, period: float, now: float) -> Window:
        """Count one request of ``key`` at ``now`` in a window of ``period`` seconds."""
        ...


def counter_key(scope: str, client: str) -> str:
    """The stored key: ``scope`` (app and endpoint) and the client address's hash."""
    return f"{scope}:{secret_hash(client)[:32]}"


class MemoryCounters:
    """This process's counters, swept lazily (no thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[int, float]] = {}
        self._next_sweep = 0.0

    def hit(self, key: str, period: float, now: float) -> Window:
        with self._lock:
            if now >= self._next_sweep:
                self._windows = {k: w for k, w in self._windows.items() if w[1] > now}
                self._next_sweep = now + PRUNE_INTERVAL
            hits, ends_at = self._windows.get(key, (0, 0.0))
            if ends_at <= now:
                hits, ends_at = 0, now + period
            self._windows[key] = (hits + 1, ends_at)
        return Window(hits + 1, ends_at)

    def __len__(self) -> int:
        return len(self._windows)


_UPSERT = (
    "INSERT INTO {t} (bucket, hits, expires_at) VALUES ({key}, 1, {ends})"
    " ON CONFLICT (bucket) DO UPDATE SET"
    " hits = CASE WHEN {t}.expires_at <= {now} THEN 1 ELSE {t}.hits + 1 END,"
    " expires_at = CASE WHEN {t}.expires_at <= {now} THEN excluded.expires_at"
    " ELSE {t}.expires_at END"
    " RETURNING hits, expires_at"
)
_PRUNE = "DELETE FROM {t} WHERE expires_at <= {now}"
_SQLITE_COUNTER_PRAGMAS = (
    "PRAGMA busy_timeout=10000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA secure_delete=ON",
)


def _statement(template: str, postgresql: bool) -> str:
    """``template`` with the driver's own parameter style (psycopg ``%(name)s``,
    sqlite3 ``:name``): the statements go to the driver directly."""
    names = ("key", "now", "ends")
    marks = {name: f"%({name})s" if postgresql else f":{name}" for name in names}
    return template.format(t=TABLE, **marks)


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


class DatabaseCounters:
    """Counters in the service's database (``rate_limit_counters``), shared by
    every process that opens it. Times are stored in Unix milliseconds.

    One statement on a pooled connection, sent to the driver itself: through
    SQLAlchemy's ``Connection`` a count cost about 300 µs of CPU on SQLite,
    directly about 60 µs."""

    def __init__(self, db: Database) -> None:
        self._postgresql = not db.is_sqlite
        self._engine = db.engine if self._postgresql else _sqlite_counter_engine(db)
        self._upsert = _statement(_UPSERT, self._postgresql)
        self._prune = _statement(_PRUNE, self._postgresql)
        self._lock = threading.Lock()
        self._next_prune = 0.0
        self._errors: tuple[type[Exception], ...] = (sqlite3.Error, SQLAlchemyError)
        if self._postgresql:
            import psycopg

            self._errors += (psycopg.Error,)

    @property
    def engine(self) -> Engine:
        """Where the counters are (the service's engine on PostgreSQL)."""
        return self._engine

    def hit(self, key: str, period: float, now: float) -> Window:
        params = {"key": key, "now": _ms(now), "ends": _ms(now + period)}
        prune = self._prune_due(now)
        try:
            connection = self._engine.raw_connection()
            try:
                row = self._count(connection.driver_connection, params, prune)
            finally:
                connection.close()  # back to the pool, rolled back if unfinished
        except self._errors as exc:
            raise StoreUnavailable(str(exc).splitlines()[0] if str(exc) else repr(exc)) from exc
        return Window(int(row[0]), int(row[1]) / 1000)

    def _count(self, driver: Any, params: dict[str, Any], prune: bool) -> Any:
        if not self._postgresql:  # autocommit: each statement is its own transaction
            row = driver.execute(self._upsert, params).fetchone()
            if prune:
                driver.execute(self._prune, params)
            return row
        with driver.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(self._upsert, params)
            row = cursor.fetchone()
            if prune:
                cursor.execute(self._prune, params)
        driver.commit()
        return row

    def _prune_due(self, now: float) -> bool:
        with self._lock:
            if now < self._next_prune:
                return False
            self._next_prune = now + PRUNE_INTERVAL
            return True

    def dispose(self) -> None:
        if not self._postgresql:
            self._engine.dispose()


def counters_file(database: Path) -> Path:
    """On SQLite, the counters' own file beside the service's database
    (``issuer.sqlite`` -> ``.issuer.sqlite.rate-limits``)."""
    return database.with_name(f".{database.name}.rate-limits")


def _sqlite_counter_engine(db: Database) -> Engine:
    """On SQLite the counters live in a file of their own beside the database
    (:func:`counters_file`), in autocommit mode: each upsert is one short write
    transaction. Not in the service's file: there the write lock belongs to the
    group commit's batches (:mod:`kyc_wallet.database.group`), and a count
    would wait for a batch to commit before its request could join the next;
    the counters need no durability, only to be shared by the processes on the
    machine."""
    assert db.path is not None
    path = counters_file(db.path)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    private_database_file(path)
    engine = create_engine(f"sqlite:///{path}", pool_size=4, max_overflow=28, pool_timeout=10)

    def connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in _SQLITE_COUNTER_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    event.listen(engine, "connect", connect)
    with engine.connect() as conn:
        conn.exec_driver_sql(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (bucket TEXT PRIMARY KEY,"
            " hits INTEGER NOT NULL, expires_at BIGINT NOT NULL)"
        )
        conn.exec_driver_sql(
            f"CREATE INDEX IF NOT EXISTS {TABLE}_expires_at ON {TABLE} (expires_at)"
        )
    return engine


def create_rate_limit_table(op: Any) -> None:
    """The counters' table, as an Alembic revision's step (the issuer's and
    the verifier's ``*_rate_limits_22r`` revisions)."""
    op.create_table(
        TABLE,
        sa.Column("bucket", sa.Text, primary_key=True),  # scope + SHA-256 of the client
        sa.Column("hits", sa.Integer, nullable=False),
        sa.Column("expires_at", sa.BigInteger, nullable=False),  # Unix milliseconds
    )
    op.create_index("rate_limit_counters_expires_at", TABLE, ["expires_at"])


def drop_rate_limit_table(op: Any) -> None:
    op.drop_index("rate_limit_counters_expires_at", table_name=TABLE)
    op.drop_table(TABLE)
