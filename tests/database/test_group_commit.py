"""Group commit on SQLite (kyc_wallet.database.group, issue 22 "Durable"):
the write transactions of a process's threads share commits, each returns
only once the commit holding it returned, and a failing one fails alone.

Real SQLite files; what is committed is read on a connection of its own
(``sqlite3``), which sees committed data only."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text

from kyc_wallet.database import Database, DatabaseUnavailable, database_url
from kyc_wallet.database.group import Batch, GroupCommit
from kyc_wallet.database.migrate import upgrade
from tests.database.test_database import SAMPLE, codes, together
from tests.support import wait_until


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(database_url(tmp_path, "group.sqlite"))
    upgrade(database, SAMPLE)
    yield database
    database.dispose()


def group_of(db: Database) -> GroupCommit:
    assert db.group is not None, "SQLite commits in groups by default"
    return db.group


def committed(db: Database, sql: str, *params: object) -> list[tuple[object, ...]]:
    """What a connection of its own sees: committed rows only."""
    assert db.path is not None
    conn = sqlite3.connect(db.path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def commits_of(db: Database) -> list[Batch]:
    batches: list[Batch] = []
    db.on_commit(batches.append)
    return batches


HELD: list[BaseException] = []


def hold_writer(db: Database) -> tuple[threading.Thread, threading.Event]:
    """A thread in a transaction that keeps the writer connection until the
    returned event is set (an error of its transaction is appended to ``HELD``)."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with db.transaction():
                holding.set()
                release.wait(60)
        except DatabaseUnavailable as exc:
            HELD.append(exc)

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert holding.wait(60)
    return thread, release


def queue_units(
    db: Database, units: Mapping[int, Callable[[int], None]]
) -> tuple[dict[int, BaseException | None], list[threading.Thread]]:
    """Start one thread per unit while another keeps the writer, and wait until
    all wait for it; the caller then releases the writer. Returns each unit's
    outcome (filled in as they end) and the threads."""
    outcomes: dict[int, BaseException | None] = {}

    def run(i: int) -> None:
        try:
            units[i](i)
            outcomes[i] = None
        except BaseException as exc:  # noqa: BLE001 - the test reads it
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in units]
    for thread in threads:
        thread.start()
    wait_until(lambda: group_of(db).waiting == len(units), 60, "the units never queued")
    return outcomes, threads


def join_all(threads: list[threading.Thread]) -> None:
    for thread in threads:
        thread.join(60)
        assert not thread.is_alive()


def test_group_commit_units_that_wait_share_one_commit(db: Database) -> None:
    """Ten transactions that arrive while one holds the writer are committed
    by one COMMIT (one fsync), all of them."""
    batches = commits_of(db)
    holder, release = hold_writer(db)

    def write(i: int) -> None:
        with db.transaction() as conn:
            conn.execute(insert(codes).values(id=i))

    outcomes, threads = queue_units(db, dict.fromkeys(range(1, 11), write))
    release.set()
    join_all([holder, *threads])
    assert outcomes == dict.fromkeys(range(1, 11))
    assert committed(db, "SELECT id FROM codes ORDER BY id") == [(i,) for i in range(1, 11)]
    assert len(batches) < 10, [b.units for b in batches]
    assert sum(b.units for b in batches) == 11  # the holder's unit and the ten


def test_group_commit_concurrent_transactions_share_commits(db: Database) -> None:
    """30 threads writing at once: fewer commits than transactions, every row there."""
    batches = commits_of(db)

    def write(i: int) -> None:
        with db.transaction() as conn:
            conn.execute(insert(codes).values(id=i + 1))
            conn.execute(text("SELECT COUNT(*) FROM codes")).scalar()

    together(30, write)
    assert committed(db, "SELECT COUNT(*) FROM codes") == [(30,)]
    assert sum(b.units for b in batches) == 30
    print(f"30 transactions in {len(batches)} commits")  # how many share depends on the load


def test_group_commit_failing_unit_fails_alone(db: Database) -> None:
    """In one batch, a unit that wrote and then raised is rolled back to its
    savepoint; its error reaches its caller only; the others are committed."""
    batches = commits_of(db)
    holder, release = hold_writer(db)

    def write(i: int) -> None:
        with db.transaction() as conn:
            conn.execute(insert(codes).values(id=i))

    def write_then_fail(i: int) -> None:
        with db.transaction() as conn:
            conn.execute(insert(codes).values(id=i))
            raise LookupError(f"unit {i} failed")

    def violate(i: int) -> None:  # a statement SQLite refuses, caught by nobody
        with db.transaction() as conn:
            conn.execute(insert(codes).values(id=i))
            conn.execute(insert(codes).values(id=i))

    units = {1: write, 2: write_then_fail, 3: write, 4: violate, 5: write}
    outcomes, threads = queue_units(db, units)
    release.set()
    join_all([holder, *threads])
    assert outcomes[1] is None and outcomes[3] is None and outcomes[5] is None
    assert isinstance(outcomes[2], LookupError) and "unit 2" in str(outcomes[2])
    assert "UNIQUE constraint failed" in str(outcomes[4])
    assert committed(db, "SELECT id FROM codes ORDER BY id") == [(1,), (3,), (5,)]
    assert len(batches) == 1 and batches[0].units == 4  # the holder and the three


def test_group_commit_each_transaction_returns_after_its_commit(db: Database) -> None:
    """A transaction's caller resumes only when its rows are committed: seen by a
    connection of its own at that moment, and after a commit event that counted it."""
    events: list[tuple[str, int]] = []
    lock = threading.Lock()

    def on_commit(batch: Batch) -> None:
        with lock:
            events.append(("commit", batch.units))

    db.on_commit(on_commit)
    seen: dict[int, list[tuple[object, ...]]] = {}

    def write(i: int) -> None:
        with db.transaction() as conn:
            conn.execute(insert(codes).values(id=i + 1))
        with lock:
            events.append(("returned", i + 1))
        seen[i + 1] = committed(db, "SELECT id FROM codes WHERE id = ?", i + 1)

    together(20, write)
    assert seen == {i: [(i,)] for i in range(1, 21)}
    committed_units = returned = 0
    for kind, value in events:
        if kind == "commit":
            committed_units += value
        else:  # every transaction that returned so far was counted by a commit before
            returned += 1
            assert returned <= committed_units, events


def test_group_commit_failed_commit_fails_every_unit_of_its_batch(db: Database) -> None:
    """A COMMIT that fails (here a deferred foreign key, checked at COMMIT) writes
    nothing of its batch, and every unit of it raises: nobody is told it was stored."""
    with db.own_transaction() as conn:
        conn.execute(text("CREATE TABLE parents (id INTEGER PRIMARY KEY)"))
        conn.execute(
            text(
                "CREATE TABLE children (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES"
                " parents (id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    batches = commits_of(db)
    holder, release = hold_writer(db)

    def write(i: int) -> None:
        with db.transaction() as conn:
            conn.execute(insert(codes).values(id=i))

    def orphan(i: int) -> None:
        with db.transaction() as conn:
            conn.execute(text("INSERT INTO children (id, parent) VALUES (:i, 404)"), {"i": i})

    outcomes, threads = queue_units(db, {1: write, 2: orphan, 3: write})
    HELD.clear()
    release.set()
    join_all([holder, *threads])
    assert len(HELD) == 1  # the holder's unit was in that batch too
    assert all(isinstance(outcomes[i], DatabaseUnavailable) for i in (1, 2, 3)), outcomes
    assert committed(db, "SELECT COUNT(*) FROM codes") == [(0,)]
    assert committed(db, "SELECT COUNT(*) FROM children") == [(0,)]
    assert batches == []
    with db.transaction() as conn:  # the writer works again
        conn.execute(insert(codes).values(id=9))
    assert committed(db, "SELECT id FROM codes") == [(9,)]


def test_group_commit_transaction_inside_own_transaction_is_refused(db: Database) -> None:
    """The same thread cannot wait for the writer it holds: refused, not a deadlock."""
    with pytest.raises(RuntimeError, match="inside"), db.transaction() as conn:
        conn.execute(insert(codes).values(id=1))
        with db.transaction():
            pass
    assert committed(db, "SELECT COUNT(*) FROM codes") == [(0,)]
    with db.read() as conn:
        assert conn.scalar(select(codes.c.id)) is None


def test_group_commit_off_commits_each_transaction_alone(tmp_path: Path) -> None:
    """``group_commit=False`` (the benchmark's baseline): one commit per transaction."""
    db = Database(database_url(tmp_path, "alone.sqlite"), group_commit=False)
    try:
        upgrade(db, SAMPLE)
        assert db.group is None
        batches = commits_of(db)
        together(8, lambda i: _insert(db, i + 1))
        assert len(batches) == 8 and {b.units for b in batches} == {1}
        assert committed(db, "SELECT COUNT(*) FROM codes") == [(8,)]
    finally:
        db.dispose()


def _insert(db: Database, i: int) -> None:
    with db.transaction() as conn:
        conn.execute(insert(codes).values(id=i))
