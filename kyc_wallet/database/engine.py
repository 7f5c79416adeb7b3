"""One way to store a service's state: SQLAlchemy 2 Core on SQLite or PostgreSQL.

The issuer and the verifier (with its whitelisting outbox) keep their state
in one database each: by default a SQLite file in the data folder (nothing to
set up), or the PostgreSQL server named by ``DATABASE_URL``
(``postgresql+psycopg://user@host/db``). Both engines get the same schema
(Alembic, :mod:`kyc_wallet.database.migrate`) and the same SQL, so every
guarantee below is stated once for both:

- **Single use** (pre-authorized codes, ``c_nonce``, OpenID4VP ``nonce`` and
  ``state``, a verdict) is one conditional ``UPDATE … WHERE used_at IS NULL
  RETURNING …``: the row either comes back to exactly one caller or to none.
  Both engines run it atomically (SQLite ≥ 3.35; PostgreSQL re-checks the
  ``WHERE`` on the latest row version under ``READ COMMITTED``).
- **Write transactions** (:meth:`Database.transaction`) begin with
  ``BEGIN IMMEDIATE`` on SQLite: the write lock is taken at the start, so a
  read-then-write inside cannot be overtaken by another writer (the places
  that rely on this say so, naming ``BEGIN IMMEDIATE``). PostgreSQL has no
  such lock; there a read that a later write depends on must lock its rows
  (``SELECT … FOR UPDATE``) or be folded into the conditional ``UPDATE``.
- **Jobs** (outbox intents, webhook deliveries, monitor runs) are claimed with
  :meth:`Database.claim`: ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL,
  so replicas of the worker take different jobs without waiting on each
  other; on SQLite the immediate transaction already serialises claimers.

SQLite connections get WAL, ``synchronous=FULL`` (a commit that matters is on
disk), foreign keys, a busy timeout and ``secure_delete`` (deleted rows are
overwritten with zeros); the file is created 0600.

**Durable answers** (issue 22): :meth:`Database.transaction` returns only
after its ``COMMIT`` returned, and on both engines that commit is on disk
(SQLite ``synchronous=FULL``; PostgreSQL ``synchronous_commit = on``), so a
caller answers nothing that a power loss could take back. The cost of the
``fsync`` is shared: PostgreSQL groups the commits of concurrent sessions
itself (``commit_delay``, docs/deployment.md "Durability"); on SQLite the
threads of one process share one writer connection and commit together
(:mod:`kyc_wallet.database.group`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.sql import Select

from kyc_wallet.database.files import private_database_file
from kyc_wallet.database.group import Batch, GroupCommit, Listener

__all__ = ["Database", "DatabaseUnavailable", "database_url"]

log = logging.getLogger(__name__)

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=10000",
    "PRAGMA secure_delete=ON",
)
CHECKPOINT_ATTEMPTS = 3
_IMMEDIATE = "kyc_wallet_immediate"

SelectT = TypeVar("SelectT", bound=Select[Any])


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached (readiness fails; nothing was changed)."""


def database_url(data_dir: Path, file_name: str, url: str | None = None) -> str:
    """``url`` (a service's ``DATABASE_URL``) when given, else the SQLite file
    ``file_name`` in ``data_dir``. Only ``sqlite`` and ``postgresql+psycopg``
    are accepted: a mistyped URL stops the start with one line."""
    if not url:
        return f"sqlite+pysqlite:///{Path(data_dir) / file_name}"
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ValueError(f"DATABASE_URL is not a database URL: {exc}") from None
    if parsed.drivername in ("postgresql", "postgresql+psycopg"):
        return str(parsed.set(drivername="postgresql+psycopg").render_as_string(False))
    if parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        return url
    raise ValueError(
        f"DATABASE_URL must start with postgresql+psycopg:// or sqlite:///, "
        f"not {parsed.drivername}://"
    )


class Database:
    """A service's database: an SQLAlchemy engine plus the transaction rules
    above. Thread-safe; one per process (build it in the composition root).

    ``group_commit`` (SQLite only; on by default): the process's write
    transactions share one writer connection and their commits
    (:mod:`kyc_wallet.database.group`); off, each commits alone on a pooled
    connection (the baseline ``bench/group_commit.py`` measures)."""

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 8,
        max_overflow: int = 32,
        group_commit: bool = True,
    ) -> None:
        parsed = make_url(url)
        self.url = url
        self._group: GroupCommit | None = None
        self._listeners: list[Listener] = []
        self._commits = 0
        self._lock = threading.Lock()
        self.dialect: Literal["sqlite", "postgresql"]
        if parsed.get_backend_name() == "sqlite":
            self.dialect = "sqlite"
            self.path: Path | None = Path(parsed.database or "")
            if not parsed.database or parsed.database == ":memory:":
                raise ValueError("a service's SQLite database must be a file")
            private_database_file(self.path)
            self.engine: Engine = create_engine(
                url, pool_size=pool_size, max_overflow=max_overflow, pool_timeout=60
            )
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
            if group_commit:
                self._group = GroupCommit(self.engine, {_IMMEDIATE: True})
        elif parsed.get_backend_name() == "postgresql":
            self.dialect = "postgresql"
            self.path = None
            self.engine = create_engine(
                url,
                pool_size=pool_size,
                max_overflow=max_overflow,
                pool_pre_ping=True,
                pool_timeout=60,
            )
        else:
            raise ValueError(f"unsupported database: {parsed.drivername}")

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def group(self) -> GroupCommit | None:
        """The group commit of this process's write transactions (SQLite), or
        ``None`` (PostgreSQL, or ``group_commit=False``)."""
        return self._group

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A write transaction, committed when the block ends (rolled back on
        any exception); the block's caller resumes only once the commit
        returned (durable). On SQLite: ``BEGIN IMMEDIATE``, and with group
        commit a ``SAVEPOINT`` in the batch's transaction
        (:meth:`.group.GroupCommit.unit`): the same for the caller, except
        that a thread must not open one inside its own."""
        if self._group is not None:
            with self._group.unit() as conn:
                yield conn
            return
        with self.own_transaction() as conn:
            yield conn

    @contextmanager
    def own_transaction(self) -> Iterator[Connection]:
        """A write transaction on a pooled connection of its own, committed
        alone (``BEGIN IMMEDIATE`` on SQLite): for the migrations, which run
        before the service serves anything; other callers use
        :meth:`transaction`."""
        with self.engine.connect() as conn:
            conn.execution_options(**{_IMMEDIATE: True})
            with conn.begin():
                yield conn
        if self._group is None:
            with self._lock:
                self._commits += 1
                seq = self._commits
            for listener in self._listeners:
                listener(Batch(seq, units=1, done=True))

    def on_commit(self, listener: Listener) -> None:
        """Call ``listener(batch)`` after each commit of :meth:`transaction` returned
        and before the transaction's caller resumes: one per batch with group
        commit, one per transaction without (tests and benchmarks count them)."""
        if self._group is not None:
            self._group.on_commit(listener)
        else:
            self._listeners.append(listener)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only unit of work (a deferred transaction on SQLite: readers
        never wait for the write lock)."""
        with self.engine.connect() as conn, conn.begin():
            yield conn

    def claim(self, query: SelectT) -> SelectT:
        """``query`` as a job claim: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
        so each replica takes rows no other holds; unchanged on SQLite, where
        the caller's :meth:`transaction` (``BEGIN IMMEDIATE``) serialises
        claimers. Use inside :meth:`transaction` and mark the rows taken
        before it commits."""
        if self.dialect == "postgresql":
            return query.with_for_update(skip_locked=True)
        return query

    def ping(self) -> None:
        """``SELECT 1``; :class:`DatabaseUnavailable` with the reason if the
        database cannot answer."""
        if self.path is not None and not self.path.is_file():  # pooled connections outlive it
            raise DatabaseUnavailable(f"{self.path} is not a database file any more")
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(str(exc).splitlines()[0]) from exc

    def checkpoint(self) -> bool:
        """SQLite: ``PRAGMA wal_checkpoint(TRUNCATE)`` until it reports done, so
        no earlier version of a page (a deleted key, an erased record) stays in
        the ``-wal`` file; after :data:`CHECKPOINT_ATTEMPTS`, log and return
        ``False`` (the next erasure or start checkpoints again). PostgreSQL:
        nothing to do here (``VACUUM`` is the operator's, docs/deployment.md)."""
        if self.dialect != "sqlite":
            return True
        for attempt in range(CHECKPOINT_ATTEMPTS):
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").scalar()
            if busy == 0:
                return True
            time.sleep(0.05 * (attempt + 1))
        log.warning("the WAL of %s could not be checkpointed: readers kept it busy", self.path)
        return False

    def dispose(self) -> None:
        """Close every pooled connection (at shutdown, or in a forked child)."""
        if self._group is not None:
            self._group.close()
        self.engine.dispose()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not open transactions itself: we emit BEGIN (or BEGIN
    # IMMEDIATE) in _sqlite_begin, so SQLAlchemy's begin() is the real one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    immediate = options.get(_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
