"""The services' storage layer on both engines (kyc_wallet.database): every
test runs on a SQLite file and on a real PostgreSQL server
(``pytest -k postgres`` selects the latter)."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from kyc_wallet.database import Database, DatabaseUnavailable, database_url
from kyc_wallet.database.audit import audit
from kyc_wallet.database.migrate import current_revision, head_revision, upgrade
from kyc_wallet.web import signin_throttle as throttle

SAMPLE = "tests.database.sample_service"
metadata = MetaData()
codes = Table(
    "codes", metadata, Column("id", Integer, primary_key=True), Column("used_at", Integer)
)
jobs = Table("jobs", metadata, Column("id", Integer, primary_key=True), Column("taken_by", Text))


@pytest.fixture
def opened() -> Iterator[Callable[[str], Database]]:
    """Open databases that are all closed (their pools disposed) at the end."""
    databases: list[Database] = []

    def open_database(url: str) -> Database:
        databases.append(Database(url))
        return databases[-1]

    yield open_database
    for database in databases:
        database.dispose()


@pytest.fixture
def db(database_url: str, opened: Callable[[str], Database]) -> Database:
    database = opened(database_url)
    upgrade(database, SAMPLE)
    return database


def together(count: int, work: Callable[[int], None]) -> None:
    """Run ``work(i)`` in ``count`` threads released at the same moment."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


def test_single_use_update_returning_has_one_winner(db: Database) -> None:
    """A code consumed by 30 concurrent callers comes back to exactly one."""
    with db.transaction() as conn:
        conn.execute(insert(codes).values(id=1))
    winners: list[int] = []

    def consume(i: int) -> None:
        with db.transaction() as conn:
            row = conn.execute(
                update(codes)
                .where(codes.c.id == 1, codes.c.used_at.is_(None))
                .values(used_at=i + 1)
                .returning(codes.c.id)
            ).first()
        if row is not None:
            winners.append(i)

    together(30, consume)
    assert len(winners) == 1
    with db.read() as conn:
        assert conn.scalar(select(codes.c.used_at)) == winners[0] + 1


def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(LookupError), db.transaction() as conn:
        conn.execute(insert(codes).values(id=7))
        raise LookupError
    with db.read() as conn:
        assert conn.scalar(select(codes.c.id).where(codes.c.id == 7)) is None


def test_claim_gives_each_claimer_other_jobs(db: Database) -> None:
    """Ten workers claiming two jobs each at once: every job taken exactly once."""
    with db.transaction() as conn:
        conn.execute(insert(jobs), [{"id": i} for i in range(1, 21)])

    def claim(i: int) -> None:
        with db.transaction() as conn:
            ids = conn.scalars(
                db.claim(select(jobs.c.id).where(jobs.c.taken_by.is_(None)).limit(2))
            ).all()
            for job in ids:
                taken = conn.execute(
                    update(jobs).where(jobs.c.id == job, jobs.c.taken_by.is_(None))
                    .values(taken_by=f"w{i}")
                ).rowcount  # fmt: skip
                assert taken == 1, "a claimed job was taken by another worker"

    together(10, claim)
    with db.read() as conn:
        owners = conn.execute(select(jobs.c.taken_by, jobs.c.id)).all()
    assert all(owner for owner, _ in owners)
    assert sorted(job for _, job in owners) == list(range(1, 21))


def test_postgres_claim_skips_locked_rows(
    postgres_url: str, opened: Callable[[str], Database]
) -> None:
    """On PostgreSQL a claim does not wait for rows another replica holds:
    it takes the next ones (``FOR UPDATE SKIP LOCKED``)."""
    db = opened(postgres_url)
    upgrade(db, SAMPLE)
    with db.transaction() as conn:
        conn.execute(insert(jobs), [{"id": 1}, {"id": 2}])
    with db.transaction() as first:
        held = first.scalars(db.claim(select(jobs.c.id).order_by(jobs.c.id).limit(1))).all()
        with db.transaction() as second:
            second.execute(text("SET LOCAL lock_timeout = '2s'"))
            other = second.scalars(db.claim(select(jobs.c.id).order_by(jobs.c.id))).all()
    assert held == [1]
    assert other == [2]


def test_migrations_run_once_when_started_together(
    database_url: str, opened: Callable[[str], Database]
) -> None:
    """Five processes' worth of starts on one empty database: the revisions
    are applied once, by one of them; the others find nothing pending."""
    applied: list[list[str]] = []

    def start(_: int) -> None:
        applied.append(upgrade(opened(database_url), SAMPLE))

    together(5, start)
    assert sorted(map(tuple, applied)) == [(), (), (), (), ("s001", "s002", "s003")]
    with opened(database_url).read() as conn:
        assert current_revision(conn) == head_revision(SAMPLE) == "s003"


def test_adopt_stamps_the_baseline_of_an_older_database(
    database_url: str, opened: Callable[[str], Database]
) -> None:
    """A database made before Alembic: the service's hook names the revision
    it already matches; that one is stamped, only the later ones run."""
    db = opened(database_url)
    with db.transaction() as conn:
        conn.execute(text("CREATE TABLE codes (id INTEGER PRIMARY KEY, used_at BIGINT)"))
        conn.execute(text("INSERT INTO codes (id) VALUES (5)"))
    assert upgrade(db, SAMPLE, adopt=lambda conn: "s001") == ["s002", "s003"]
    with db.read() as conn:
        assert conn.scalar(select(codes.c.id)) == 5


def test_sqlite_database_file_is_private(tmp_path: Path, opened: Callable[[str], Database]) -> None:
    db = opened(f"sqlite+pysqlite:///{tmp_path / 'private.db'}")
    upgrade(db, SAMPLE)
    for name in ("private.db", "private.db-wal"):
        mode = stat.S_IMODE(os.stat(tmp_path / name).st_mode)
        assert mode == 0o600, (name, oct(mode))


def test_database_url_defaults_to_a_file_in_the_data_folder(tmp_path: Path) -> None:
    assert database_url(tmp_path, "issuer.db") == f"sqlite+pysqlite:///{tmp_path}/issuer.db"
    assert database_url(tmp_path, "x.db", "postgresql://u@h/d").startswith(
        "postgresql+psycopg://u@h/d"
    )


@pytest.mark.parametrize("bad", ["mysql://u@h/d", "not a url", "redis://h"])
def test_database_url_refuses_other_engines(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="DATABASE_URL"):
        database_url(tmp_path, "x.db", bad)


def test_postgres_unreachable_is_database_unavailable(
    tmp_path: Path, opened: Callable[[str], Database]
) -> None:
    db = opened(f"postgresql+psycopg://kyc@/none?host={tmp_path}")
    with pytest.raises(DatabaseUnavailable):
        db.ping()


@pytest.mark.parametrize(
    "change", ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"]
)
def test_audit_log_is_append_only(db: Database, change: str) -> None:
    """The triggers refuse to rewrite or delete an audit line, on both engines."""
    with db.transaction() as conn:
        audit(conn, 1, "issuer", "applicant.recorded", "a1", reference="r")
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as conn:
        conn.execute(text(change))
    with db.read() as conn:
        line = conn.execute(text("SELECT actor, detail FROM audit_log")).one()
    assert tuple(line) == ("issuer", '{"reference": "r"}')


def test_postgres_audit_log_refuses_truncate(
    postgres_url: str, opened: Callable[[str], Database]
) -> None:
    db = opened(postgres_url)
    upgrade(db, SAMPLE)
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as conn:
        conn.execute(text("TRUNCATE audit_log"))


def test_signin_throttle_counts_on_both_engines(db: Database) -> None:
    """The shared sign-in throttle runs its upsert on SQLAlchemy connections."""
    config = {
        "OPERATOR_SIGNIN_ATTEMPTS": 1,
        "OPERATOR_SIGNIN_ATTEMPTS_ALL": 100,
        "OPERATOR_SIGNIN_MAX_DELAY": 60,
    }
    scopes = [throttle.client_scope("127.0.0.1"), throttle.ALL]
    with db.transaction() as conn:
        for _ in range(3):
            throttle.record_failure(conn, scopes, 1000, config)
        assert throttle.retry_after(conn, scopes, 1000) == 4
        throttle.forget(conn, scopes[0])
        assert throttle.retry_after(conn, scopes, 1000) == 0
