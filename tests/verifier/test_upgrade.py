"""Issue 21 item 5: ``kyc-wallet verifier migrate`` adopts a data folder made by
the previous release (tests/upgrade/verifier-0.1/, made by commit 8970c77: see
its README) and loses nothing: every verification is still there and readable,
the old chain outbox (its intents, its transactions with their nonces and raw
bytes) is imported into the verifier's database and the file renamed
``.imported``; the verifier then starts on the folder and the chain worker
finishes what was pending."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from chain.outbox import DONE, MINED, QUEUED, Outbox
from chain.platform import PlatformChain
from kyc_wallet.cli import main
from kyc_wallet.database.migrate import current_revision, head_revision
from tests.verifier.conftest import StartVerifier
from tests.verifier.sql import sql_of
from tests.verifier.test_chain_e2e import CHAIN_CONFIG

FIXTURE = Path(__file__).parent.parent / "upgrade" / "verifier-0.1"


def _old(path: Path, sql: str) -> list[dict[str, Any]]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


@pytest.fixture
def old_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "verifier-data"
    shutil.copytree(FIXTURE, folder)
    # git keeps no file modes but 644/755: give the copy the modes the release wrote
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
    return folder


def test_upgrade_migrate_adopts_the_previous_release_and_imports_its_outbox(
    old_folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_outbox = old_folder / "chain" / "outbox.sqlite"
    old_intents = _old(old_outbox, "SELECT * FROM intents ORDER BY id")
    old_transactions = _old(old_outbox, "SELECT * FROM transactions ORDER BY id")
    old_verifications = _old(old_folder / "verifier.sqlite", "SELECT * FROM verifications")

    assert main(["verifier", "migrate", "--data-dir", str(old_folder)]) == 0
    assert "is up to date" in capsys.readouterr().out
    assert not old_outbox.exists()
    assert (old_folder / "chain" / "outbox.sqlite.imported").exists()

    new = old_folder / "verifier.sqlite"
    (version,) = _old(new, "SELECT version_num FROM alembic_version")
    assert version["version_num"] == head_revision("verifier")
    verifications = {r["id"]: r for r in _old(new, "SELECT * FROM verifications")}
    assert set(verifications) == {r["id"] for r in old_verifications}
    for row in old_verifications:  # every column kept
        assert {k: verifications[row["id"]][k] for k in row} == row
    intents = _old(new, "SELECT * FROM outbox_intents ORDER BY id")
    assert [(i["id"], i["address"], i["state"]) for i in intents] == [
        (i["id"], i["address"], i["state"]) for i in old_intents
    ]
    assert [i["state"] for i in intents] == [DONE, DONE, QUEUED]
    assert all(isinstance(i["created_at"], int) for i in intents)  # Unix seconds now
    transactions = _old(new, "SELECT * FROM outbox_transactions ORDER BY id")
    keep = ("id", "sender", "nonce", "tx_hash", "raw", "kind", "intent_ids", "state")
    assert [{k: t[k] for k in keep} for t in transactions] == [
        {k: t[k] for k in keep} for t in old_transactions
    ]
    assert {t["state"] for t in transactions} == {MINED}

    # a second migrate finds nothing to do
    assert main(["verifier", "migrate", "--data-dir", str(old_folder)]) == 0
    assert "nothing to apply" in capsys.readouterr().out


def test_upgrade_the_verifier_starts_on_the_adopted_folder_and_finishes_the_pending_intent(
    old_folder: Path, start_verifier: StartVerifier
) -> None:
    ids = json.loads((old_folder / "ids.json").read_text())
    assert main(["verifier", "migrate", "--data-dir", str(old_folder)]) == 0
    verifier = start_verifier(**CHAIN_CONFIG, DATA_DIR=str(old_folder))
    with verifier.app.extensions["store"].read() as conn:
        assert current_revision(conn) == head_revision("verifier")
    verifier.worker.tick_chain()

    chain: PlatformChain = verifier.app.extensions["chain"]
    sp7 = chain.token("SP7")
    assert chain.redeployed  # the in-process chain started empty: replayed from the outbox
    for name in ("done", "pending"):
        result = verifier.result(ids[name])
        assert result["status"] == "verified"
        assert result["whitelisting"]["state"] == DONE
    assert chain.is_verified(ids["first"], sp7) and chain.is_verified(ids["second"], sp7)
    assert verifier.result(ids["unanswered"])["status"] in ("pending", "expired")
    outbox: Outbox = verifier.app.extensions["outbox"]
    assert [i.state for i in outbox.intents(chain.deployment.caip2)] == [DONE, DONE, DONE]
    rows = sql_of(verifier.app).all("SELECT address FROM intents ORDER BY id")
    assert [r["address"] for r in rows] == [ids["first"], ids["second"]]


def test_upgrade_imports_what_the_forwarder_had_not_written_and_keeps_signed_transactions(
    old_folder: Path,
) -> None:
    """A crash of the previous release between its two commits: the verdict's intent
    not yet forwarded (``forwarded_version < version``) and a transaction signed and
    stored but not settled. The first becomes a queued outbox intent; the second is
    kept ``signed`` with its nonce and bytes, for the worker to settle (never signed
    again with a new nonce)."""
    ids = json.loads((old_folder / "ids.json").read_text())
    old_outbox = old_folder / "chain" / "outbox.sqlite"
    conn = sqlite3.connect(old_outbox)
    with conn:
        conn.execute("DELETE FROM intents WHERE address = ?", (ids["second"],))
        conn.execute("UPDATE transactions SET state = 'signed' WHERE id = 6")
    conn.close()
    conn = sqlite3.connect(old_folder / "verifier.sqlite")
    with conn:
        conn.execute("UPDATE intents SET forwarded_version = 0 WHERE address = ?", (ids["second"],))
    conn.close()
    (signed,) = _old(old_outbox, "SELECT * FROM transactions WHERE id = 6")

    assert main(["verifier", "migrate", "--data-dir", str(old_folder)]) == 0

    new = old_folder / "verifier.sqlite"
    intents = _old(new, "SELECT * FROM outbox_intents ORDER BY id")
    assert [(i["address"], i["desired"], i["state"]) for i in intents][-1] == (
        ids["second"],
        "registered",
        QUEUED,
    )
    assert intents[-1]["country"] == 276 and len(bytes.fromhex(intents[-1]["claim_data"])) == 32
    (kept,) = _old(new, "SELECT * FROM outbox_transactions WHERE id = 6")
    assert {k: kept[k] for k in ("state", "nonce", "tx_hash", "raw", "sender")} == {
        k: signed[k] for k in ("state", "nonce", "tx_hash", "raw", "sender")
    }
    columns = {r["name"] for r in _old(new, "PRAGMA table_info(intents)")}
    assert "forwarded_version" not in columns
