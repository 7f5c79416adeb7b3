"""Group commit on SQLite: the write transactions of many threads of one
process committed together, with one ``fsync`` (issue 22, "Durable").

SQLite lets one connection at a time write to a file, and a commit with
``synchronous=FULL`` waits for its ``fsync`` (milliseconds on most disks):
one commit per request caps a service at a few hundred writes per second
however fast the rest is. Several processes cannot share a commit, so a
service on SQLite runs as one process with threads (docs/deployment.md
"Durability"), and its threads share one writer connection:

- A unit of work (:meth:`GroupCommit.unit`, what :meth:`Database.transaction`
  gives on SQLite) waits for the writer connection, opens the batch's
  transaction if none is open (``BEGIN IMMEDIATE``), and runs in its own
  ``SAVEPOINT``: a unit that raises is rolled back to its savepoint alone, so
  a failing unit neither loses nor fails the others of its batch.
- When a unit ends and other threads wait for the connection, it hands the
  connection to them (the open transaction with it); the unit that ends with
  nobody waiting, or with :attr:`GroupCommit.max_batch` units in the batch,
  commits the batch: one ``COMMIT``, one ``fsync``, for every unit in it. The
  writer is thus whichever request thread ends a batch: there is no thread to
  start, to stop or to lose in a ``fork``. The requests that arrive during a
  commit form the next batch.
- Every unit returns (or raises its own error) only after the ``COMMIT`` of
  its batch returned, so nothing a unit wrote or read is answered before it
  is on disk. If the commit (or the connection) fails, every unit of the
  batch raises :class:`~kyc_wallet.database.engine.DatabaseUnavailable`:
  nothing of it was written, and nobody was told otherwise.

Units see the uncommitted writes of the units before them in their batch (one
connection): they are committed together or not at all, so no answer depends
on a write that could be lost without it. Readers on other connections
(:meth:`Database.read`) see a batch once it is committed. A thread must not
open a unit inside its own unit (it would wait for itself): that raises.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, RootTransaction

__all__ = ["Batch", "GroupCommit"]

log = logging.getLogger(__name__)

MAX_BATCH = 64
"""Units per commit at most: bounds how long the first unit of a batch waits
for the others (each runs its statements on the one connection in turn)."""


@dataclass
class Batch:
    """One transaction of the writer connection and the units committed in it."""

    seq: int
    units: int = 0
    done: bool = False
    error: BaseException | None = None


Listener = Callable[[Batch], None]


class GroupCommit:
    """The writer connection of one process and its batches (module docstring)."""

    def __init__(
        self, engine: Engine, options: dict[str, Any], *, max_batch: int = MAX_BATCH
    ) -> None:
        self._engine, self._options, self.max_batch = engine, options, max_batch
        self._cv = threading.Condition()
        self._owner: int | None = None  # the thread that has the connection
        self._waiting = 0
        self._conn: Connection | None = None
        self._pid = 0
        self._tx: RootTransaction | None = None
        self._batch: Batch | None = None
        self._seq = 0
        self._listeners: list[Listener] = []
        self.commits = 0  # batches committed with at least one unit
        self.units = 0  # units committed

    @property
    def waiting(self) -> int:
        """Threads waiting for the writer connection now."""
        with self._cv:
            return self._waiting

    def on_commit(self, listener: Listener) -> None:
        """Call ``listener(batch)`` after each batch's ``COMMIT`` returned, before
        any unit of it returns (in the committing thread, holding the writer)."""
        self._listeners.append(listener)

    @contextmanager
    def unit(self) -> Iterator[Connection]:
        """A write transaction for the caller's block, committed with others
        (module docstring); returns after its batch's commit returned."""
        self._acquire()
        batch: Batch | None = None
        try:
            batch = self._open()
            savepoint = self._connection().begin_nested()
        except BaseException as exc:
            self._abort(batch, exc)
            self._leave(batch)
            raise
        failure: BaseException | None = None
        try:
            yield self._connection()
        except BaseException as exc:  # the unit's own error: raised after the commit
            failure = exc
        try:
            if failure is None:
                savepoint.commit()
                batch.units += 1
            else:
                savepoint.rollback()
            self._check_open()
        except BaseException as exc:  # the connection failed: the whole batch is lost
            self._abort(batch, exc)
        self._leave(batch)
        if failure is not None:
            raise failure
        if batch.error is not None:
            from kyc_wallet.database.engine import DatabaseUnavailable

            raise DatabaseUnavailable(
                f"the commit failed, nothing was written: {batch.error}"
            ) from batch.error

    def close(self) -> None:
        """Close the writer connection (at shutdown; units wait for it first).
        In a child forked while the parent had it, forget it without waiting."""
        if self._conn is not None and self._pid != os.getpid():
            self._cv = threading.Condition()
            self._owner, self._waiting = None, 0
            self._conn, self._tx, self._batch = None, None, None
            return
        self._acquire()
        batch = self._batch
        try:
            if batch is not None:  # handed on to this call: committed first
                self._commit(batch)
            if self._conn is not None and self._pid == os.getpid():
                self._conn.close()
            self._conn = None
        finally:
            with self._cv:
                if batch is not None:
                    batch.done = True
                self._owner = None
                self._cv.notify_all()

    def _acquire(self) -> None:
        me = threading.get_ident()
        with self._cv:
            if self._owner == me:
                raise RuntimeError("a write transaction inside this thread's own transaction")
            self._waiting += 1
            try:
                while self._owner is not None:
                    self._cv.wait()
            finally:
                self._waiting -= 1
            self._owner = me

    def _connection(self) -> Connection:
        if self._conn is None or self._pid != os.getpid():
            # a connection inherited through fork() is never used (nor closed) here
            self._conn = self._engine.connect().execution_options(**self._options)
            self._pid = os.getpid()
            self._tx, self._batch = None, None
        return self._conn

    def _open(self) -> Batch:
        """The open batch, or a new one (``BEGIN IMMEDIATE``: the write lock)."""
        conn = self._connection()
        if self._batch is None:
            self._tx = conn.begin()
            self._seq += 1
            self._batch = Batch(self._seq)
        return self._batch

    def _check_open(self) -> None:
        # SQLite ends the whole transaction itself on some errors (a full disk, an
        # I/O error) that a unit may have caught: the batch must not look alive
        assert self._conn is not None
        if not self._conn.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            raise RuntimeError("SQLite rolled the transaction back")

    def _abort(self, batch: Batch | None, exc: BaseException) -> None:
        """Roll the open transaction back and drop the connection (closing it
        ends whatever SQLite left open, e.g. after a failed ``COMMIT``): every
        unit of ``batch`` fails; the next unit opens a new connection."""
        if batch is not None:
            batch.error = exc
        log.error("a write batch was rolled back: %s", exc)
        conn, self._conn, self._tx, self._batch = self._conn, None, None, None
        if conn is not None and self._pid == os.getpid():
            try:
                conn.invalidate()  # closes the driver's connection: SQLite rolls back
                conn.close()
            except Exception:  # noqa: BLE001 - it is gone either way
                log.exception("closing the failed writer connection")

    def _leave(self, batch: Batch | None) -> None:
        """Hand the connection (and the open batch) to a waiting thread, or
        commit the batch; then wait until ``batch`` is committed."""
        with self._cv:
            open_batch = batch is not None and self._batch is batch
            if open_batch and self._waiting and batch.units < self.max_batch:  # type: ignore[union-attr]
                self._owner = None
                self._cv.notify_all()
                while not batch.done:  # type: ignore[union-attr]
                    self._cv.wait()
                return
        try:
            if open_batch:
                assert batch is not None
                self._commit(batch)
        finally:
            with self._cv:
                if batch is not None:
                    batch.done = True
                self._owner = None
                self._cv.notify_all()

    def _commit(self, batch: Batch) -> None:
        assert self._tx is not None
        try:
            if batch.units:
                self._tx.commit()
            else:  # every unit failed: nothing to write
                self._tx.rollback()
        except BaseException as exc:  # noqa: BLE001 - every unit of the batch raises it
            self._abort(batch, exc)
            return
        self._tx, self._batch = None, None
        if not batch.units:
            return
        self.commits += 1
        self.units += batch.units
        for listener in self._listeners:
            try:
                listener(batch)
            except Exception:  # noqa: BLE001 - an observer never fails a commit
                log.exception("a commit listener failed")
