"""Issue 22: the compliance monitor at scale, functionally, with small numbers
(the CPU figures for 10k to 1M investors are bench/monitor_scale.py's).

Investors are seeded directly (a verification and a registered intent each);
their lists are real Status List Tokens on a real HTTP server on 127.0.0.1,
fetched and verified by the verifier's own checker. The monitor reads the
intents in batches smaller than their number, so every run crosses batches."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.verifier.conftest import verifier_database_migrated
from tests.verifier.monitor_scale import (
    ListServer,
    Seeded,
    context_of,
    list_server,
    seed,
    verifier_at,
)
from verifier.core.monitor import MaintenanceReport, recheck_status
from verifier.db.tables import audit_log, intent_failures, intents

NOW = 1_900_000_000
INVESTORS = 240
BATCH = 50


@pytest.fixture
def lists() -> Iterator[ListServer]:
    with list_server() as server:
        yield server


@pytest.fixture
def app(tmp_path: Path, lists: ListServer, database_url: str) -> Iterator[Flask]:
    settings = {"DATA_DIR": str(tmp_path), "DATABASE_URL": database_url}
    verifier_database_migrated(settings)
    app = verifier_at(tmp_path, lists.url, NOW, DATABASE_URL=database_url)
    yield app
    app.extensions["store"].dispose()


def _monitor(app: Flask, *, details: bool = True) -> MaintenanceReport:
    ctx = context_of(app)
    report = MaintenanceReport()
    recheck_status(ctx, ctx.files().status_checker, NOW, report, details=details, batch_size=BATCH)
    return report


def _revoked(seeded: Seeded) -> set[str]:
    return {a for a, n, i in seeded.investors if seeded.lists[n].get(i) != 0}


def _desired(app: Flask) -> dict[str, str]:
    with context_of(app).db.read() as conn:
        rows = conn.execute(sa.select(intents.c.address, intents.c.desired)).all()
    return {address: desired for address, desired in rows}


def _count(app: Flask, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    with context_of(app).db.read() as conn:
        return int(
            conn.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one()
        )


def test_monitor_scale_every_investor_checked_each_list_fetched_once_only_changes_written(
    app: Flask, lists: ListServer
) -> None:
    seeded = seed(context_of(app).db, lists, INVESTORS, 3, NOW, list_size=1024, revoked=0.05)
    revoked = _revoked(seeded)
    assert 0 < len(revoked) < INVESTORS

    report = _monitor(app)

    assert report.checked == INVESTORS and report.failed == []
    assert sorted(report.removed) == sorted(revoked)
    # every investor once, in intent order, across the batches
    assert [r.address for r in report.results] == [a for a, _, _ in seeded.investors]
    assert {r.address for r in report.results if r.result == "removed"} == revoked
    assert {r.reason for r in report.results if r.result == "removed"} == {"CredentialRevoked"}
    fetched = Counter(p for p in lists.requests if p.startswith("/statuslists/"))
    assert fetched == {f"/statuslists/l{n}": 1 for n in range(3)}
    desired = _desired(app)
    assert {a for a, d in desired.items() if d == "removed"} == revoked
    outbox = sql_outbox_removals(app)
    assert outbox == revoked  # each removal queued for the chain with its intent
    removed_lines = _count(app, audit_log, audit_log.c.action == "intent.removed")
    assert removed_lines == len(revoked)

    again = _monitor(app)  # nothing changed since: nothing written
    assert again.checked == INVESTORS - len(revoked) and again.removed == []
    assert _count(app, audit_log, audit_log.c.action == "intent.removed") == len(revoked)


def sql_outbox_removals(app: Flask) -> set[str]:
    from chain.outbox_schema import outbox_intents

    with context_of(app).db.read() as conn:
        rows = conn.execute(
            sa.select(outbox_intents.c.address).where(outbox_intents.c.desired == "removed")
        ).scalars()
        return {str(a).lower() for a in rows}


def test_monitor_scale_a_list_down_fails_its_investors_only_then_clears(
    app: Flask, lists: ListServer
) -> None:
    seeded = seed(context_of(app).db, lists, INVESTORS, 3, NOW, list_size=1024, revoked=0.05)
    lists.down.add("/statuslists/l1")
    on_down = {a for a, n, _ in seeded.investors if n == 1}
    revoked_elsewhere = {a for a in _revoked(seeded) if a not in on_down}

    report = _monitor(app)

    failed = {r.address for r in report.results if r.result == "failed"}
    assert failed == on_down
    assert all(
        r.reason.startswith("FetchHTTPStatus")
        for r in report.results
        if r.reason and r.result == "failed"
    )
    assert set(report.removed) == revoked_elsewhere  # the other lists went on
    assert _count(app, intent_failures, intent_failures.c.stage == "monitor") == len(on_down)
    assert {a for a, d in _desired(app).items() if d == "removed"} == revoked_elsewhere

    lists.down.clear()
    report = _monitor(app)
    assert report.failed == []
    assert _count(app, intent_failures) == 0  # a success clears each failure
    assert {a for a, d in _desired(app).items() if d == "removed"} == _revoked(seeded)


def test_monitor_scale_the_schedule_reports_only_the_changes(app: Flask, lists: ListServer) -> None:
    seeded = seed(context_of(app).db, lists, INVESTORS, 2, NOW, list_size=1024, revoked=0.05)
    revoked = _revoked(seeded)

    report = _monitor(app, details=False)

    assert report.checked == INVESTORS
    assert {r.address for r in report.results} == revoked
    assert report.valid == INVESTORS - len(revoked)
