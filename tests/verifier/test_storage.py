"""The verifier's repositories (verifier/db) on both engines: single use under
concurrency, and the places that relied on SQLite's ``BEGIN IMMEDIATE``
(``pytest -k postgres`` selects the PostgreSQL runs)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from chain.outbox import Outbox
from chain.outbox_schema import outbox_intents
from kyc_wallet.cli import main
from kyc_wallet.database import Database
from kyc_wallet.database.migrate import upgrade
from kyc_wallet.web.config import ConfigurationError
from tests.database.test_database import together
from verifier.app import create_app
from verifier.db import intents, tables, verifications

REGISTRY = "0x" + "11" * 20
ADDRESS = "0x" + "22" * 20
NOW = 1_800_000_000


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    upgrade(database, "verifier")
    yield database
    database.dispose()


def _create(db: Database, now: int = NOW, actor: str = "api:platform") -> str:
    tx_id = secrets.token_urlsafe(16)
    with db.transaction() as conn:
        verifications.insert(
            conn,
            id=tx_id,
            policy="{}",
            created_by=actor,
            request_json="{}",
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            session_hash="h",
            created_at=now,
            expires_at=now + 600,
            same_device_state=secrets.token_urlsafe(24),
        )
    return tx_id


def _count(db: Database, table: sa.Table) -> int:
    with db.read() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_storage_20_concurrent_verdicts_on_one_verification_give_one_verdict_one_intent(
    db: Database,
) -> None:
    tx_id, outbox = _create(db), Outbox(db)
    won: list[int] = []

    def answer(i: int) -> None:
        with db.transaction() as conn:
            if not verifications.record_verdict(conn, tx_id, NOW + 1, status="verified"):
                return
            assert verifications.add_seen_presentation(conn, f"kb-{tx_id}", tx_id, NOW + 1)
            values = {"chain": "eip155:1", "registry": REGISTRY, "token": REGISTRY}
            values |= {"address": ADDRESS, "verification_id": tx_id, "record_sha256": "00"}
            intents.upsert(conn, updated_at=NOW + 1, **values)
            outbox.whitelist("eip155:1", REGISTRY, ADDRESS, 276, bytes(32), conn=conn)
            won.append(i)

    together(20, answer)
    assert len(won) == 1
    assert _count(db, tables.intents) == 1 and _count(db, outbox_intents) == 1
    assert _count(db, tables.seen_presentations) == 1
    with db.read() as conn:
        row = verifications.get(conn, tx_id)
    assert row is not None and row["status"] == "verified" and row["enc_key_json"] is None


def test_storage_one_presentation_accepted_once_across_verifications(db: Database) -> None:
    """Two verifications answered at once with the same KB-JWT: one keeps it."""
    ids = [_create(db) for _ in range(10)]
    accepted: list[str] = []

    def answer(i: int) -> None:
        with db.transaction() as conn:
            if verifications.add_seen_presentation(conn, "same-kb-jwt", ids[i], NOW):
                accepted.append(ids[i])

    together(10, answer)
    assert len(accepted) == 1


def test_storage_concurrent_wallet_error_reports_count_as_first_once(db: Database) -> None:
    tx_id = _create(db)
    firsts: list[bool | None] = []

    def report(i: int) -> None:
        with db.transaction() as conn:
            firsts.append(verifications.report_wallet_error(conn, tx_id, "access_denied", NOW))

    together(20, report)
    assert sorted(firsts, key=str) == [False] * 19 + [True]
    with db.transaction() as conn:
        assert verifications.record_verdict(conn, tx_id, NOW, status="refused")
        assert verifications.report_wallet_error(conn, tx_id, "access_denied", NOW) is None


def test_storage_concurrent_failures_of_one_intent_are_new_once(db: Database) -> None:
    tx_id = _create(db)
    values = {"chain": "eip155:1", "registry": REGISTRY, "token": REGISTRY, "address": ADDRESS}
    with db.transaction() as conn:
        intents.upsert(conn, updated_at=NOW, verification_id=tx_id, record_sha256="00", **values)
        intent: Any = intents.at_target(conn, "eip155:1", REGISTRY, ADDRESS)
    new: list[bool] = []

    def fail(i: int) -> None:
        with db.transaction() as conn:
            new.append(intents.save_failure(conn, intent, "monitor", "down", NOW, None)[1])

    together(20, fail)
    assert new.count(True) == 1
    with db.read() as conn:
        (failure,) = intents.failures(conn)
    assert failure["failures"] == 20


def test_storage_concurrent_creations_are_each_listed_once(db: Database) -> None:
    """The ``BEGIN IMMEDIATE`` reliance of ``verifications.insert`` (``seq``)."""
    created: list[str] = []
    together(20, lambda i: created.append(_create(db)))
    listed: list[str] = []
    with db.read() as conn:
        for offset in range(0, 21, 7):
            listed += [
                r["id"] for r in verifications.list_by_creator(conn, "api:platform", 7, offset)
            ]
    assert sorted(listed) == sorted(created)


def test_storage_a_later_verdict_registers_a_removed_intent_again(db: Database) -> None:
    """``registered_at``/``removed_at`` (triggers in the previous release) kept by the
    statements that change ``desired``."""
    first, second = _create(db), _create(db)
    values = {"chain": "eip155:1", "registry": REGISTRY, "token": REGISTRY, "address": ADDRESS}
    with db.transaction() as conn:
        intents.upsert(conn, updated_at=NOW, verification_id=first, record_sha256="00", **values)
        row: Any = intents.at_target(conn, "eip155:1", REGISTRY, ADDRESS)
        assert (row["registered_at"], row["removed_at"]) == (NOW, None)
        assert not intents.remove(conn, row["id"], second, "CredentialRevoked", NOW + 5)
        assert intents.remove(conn, row["id"], first, "CredentialRevoked", NOW + 5)
        row = intents.at_target(conn, "eip155:1", REGISTRY, ADDRESS)
        assert (row["desired"], row["registered_at"], row["removed_at"]) == (
            "removed",
            NOW,
            NOW + 5,
        )
        intents.upsert(
            conn, updated_at=NOW + 9, verification_id=second, record_sha256="0", **values
        )
        row = intents.at_target(conn, "eip155:1", REGISTRY, ADDRESS)
        assert (row["desired"], row["registered_at"], row["removed_at"]) == (
            "registered",
            NOW + 9,
            None,
        )
        assert row["version"] == 3


def test_storage_postgres_the_app_migrates_nothing_and_says_to_run_migrate(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = {"DATA_DIR": str(tmp_path), "DATABASE_URL": postgres_url}
    with pytest.raises(ConfigurationError, match="run `kyc-wallet verifier migrate` first"):
        create_app(config | {"MONITOR_INTERVAL": 0, "CHAIN_WORKER_INTERVAL": 0})
    db = Database(postgres_url)
    try:
        with db.read() as conn:
            assert sa.inspect(conn).get_table_names() == []  # nothing was created
    finally:
        db.dispose()
    monkeypatch.setenv("KYCW_VERIFIER_DATABASE_URL", postgres_url)
    assert main(["verifier", "migrate", "--data-dir", str(tmp_path)]) == 0
    app = create_app(config | {"MONITOR_INTERVAL": 0, "CHAIN_WORKER_INTERVAL": 0})
    app.extensions["store"].dispose()


@pytest.mark.parametrize("url", ["mysql://db/verifier", "postgres//nothing"])
def test_storage_a_database_url_of_another_kind_stops_the_start_with_one_line(
    url: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigurationError, match="DATABASE_URL") as raised:
        create_app({"DATA_DIR": str(tmp_path), "DATABASE_URL": url})
    assert "\n" not in raised.value.description
