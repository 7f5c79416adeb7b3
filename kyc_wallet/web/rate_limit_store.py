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
  default): the table ``rate_limit_counters`` of the service's database, so
  every worker and replica shares one count. One atomic upsert per request
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

import threading
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from kyc_wallet.database import Database

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


_UPSERT = text(
    f"INSERT INTO {TABLE} (bucket, hits, expires_at) VALUES (:key, 1, :ends)"
    " ON CONFLICT (bucket) DO UPDATE SET"
    f" hits = CASE WHEN {TABLE}.expires_at <= :now THEN 1 ELSE {TABLE}.hits + 1 END,"
    f" expires_at = CASE WHEN {TABLE}.expires_at <= :now THEN excluded.expires_at"
    f" ELSE {TABLE}.expires_at END"
    " RETURNING hits, expires_at"
)
_PRUNE = text(f"DELETE FROM {TABLE} WHERE expires_at <= :now")
_SQLITE_COUNTER_PRAGMAS = (
    "PRAGMA busy_timeout=10000",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA secure_delete=ON",
)


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


class DatabaseCounters:
    """Counters in the service's database (``rate_limit_counters``), shared by
    every process that opens it. Times are stored in Unix milliseconds."""

    def __init__(self, db: Database) -> None:
        self._postgresql = not db.is_sqlite
        self._engine = db.engine if self._postgresql else _sqlite_counter_engine(db.url)
        self._lock = threading.Lock()
        self._next_prune = 0.0

    def hit(self, key: str, period: float, now: float) -> Window:
        params = {"key": key, "now": _ms(now), "ends": _ms(now + period)}
        try:
            with self._engine.connect() as conn, conn.begin():
                if self._postgresql:
                    conn.execute(text("SET LOCAL synchronous_commit TO OFF"))
                row = conn.execute(_UPSERT, params).one()
                if self._prune_due(now):
                    conn.execute(_PRUNE, {"now": _ms(now)})
        except SQLAlchemyError as exc:
            raise StoreUnavailable(str(exc).splitlines()[0]) from exc
        return Window(int(row.hits), int(row.expires_at) / 1000)

    def _prune_due(self, now: float) -> bool:
        with self._lock:
            if now < self._next_prune:
                return False
            self._next_prune = now + PRUNE_INTERVAL
            return True

    def dispose(self) -> None:
        if not self._postgresql:
            self._engine.dispose()


def _sqlite_counter_engine(url: str) -> Engine:
    """Connections to the service's SQLite file for the counters only: each
    upsert is its own short write (the file is already in WAL mode)."""
    engine = create_engine(url, pool_size=4, max_overflow=28, pool_timeout=10)

    def connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # BEGIN below, as Database does
        cursor = dbapi_connection.cursor()
        for pragma in _SQLITE_COUNTER_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    def begin(conn: sa.Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    event.listen(engine, "connect", connect)
    event.listen(engine, "begin", begin)
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
