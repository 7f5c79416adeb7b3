"""Issue 19 item 10: data at rest.

* An erased KYC record is gone from every file of the issuer's data folder:
  neither its plaintext nor its key is in the raw bytes of any file (the
  database, its ``-wal`` and ``-shm``), while the issuer still runs and after
  it stopped. Before the fix the "erased" record stayed readable in the WAL
  for hours. Each record is encrypted under its own key; erasure deletes the
  key (``secure_delete``) and checkpoints the WAL with ``TRUNCATE``
  (``issuer/records.py``).
* Data folders are 0700 and every file in them 0600 (the verifier's database
  holds its response-decryption keys); the demo's ``config.toml`` holds API
  keys and is 0600 (no secret in a file others can read).
* A signing key file that other users can read stops the start.
* A database written by an earlier version (plaintext records, erased ones
  lingering in free pages) is sealed and rewritten by the migration.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from issuer import records
from issuer.app import create_app as create_issuer
from issuer.legacy_schema import migrations as issuer_migrations
from kyc_wallet.demo_setup import DemoLayout, prepare
from kyc_wallet.web.config import ConfigurationError
from ssi.jose import Key
from tests.hardening.client import IssuerClient
from tests.hardening.issuer_process import IssuerProcess, free_port, write_config
from tests.support import API_KEY, APPLICANT, Clock, migrated_issuer_database
from verifier.app import create_app as create_verifier

# values of the erased applicant that appear nowhere else
SECRET_VALUES = {
    "given_name": "Zeldaqx",
    "family_name": "Vantrobelle",
    "street_address": "Quokkastrasse 918",
    "locality": "Xylbergen",
}
AUTH = {"Authorization": f"Bearer {API_KEY}"}


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _found_in(folder: Path, needles: Iterable[bytes]) -> list[str]:
    """``file: needle`` for each needle in the raw bytes of any file under ``folder``."""
    hits = []
    for path in _files(folder):
        content = path.read_bytes()
        hits += [f"{path.name}: {needle!r}" for needle in needles if needle in content]
    return hits


def _plaintexts() -> list[bytes]:
    return [value.encode() for value in SECRET_VALUES.values()]


def _offer(client: IssuerClient, applicant: dict[str, Any]) -> dict[str, Any]:
    answer = client.post_json("/api/v1/offers", {"applicant": applicant}, AUTH)
    assert answer.status == 201, answer.body
    offer: dict[str, Any] = answer.json()
    return offer


def _collect(client: IssuerClient, offer: dict[str, Any]) -> None:
    """The wallet's side: token, nonce, one credential: the last one of the
    offer, so the issuer erases the record in the same transaction."""
    grant = offer["credential_offer"]["grants"][
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]
    token = client.token(grant["pre-authorized_code"], offer["tx_code"])
    assert token.status == 200, token.body
    body = client.credential_body([Key.generate("ES256")], client.nonce())
    answer = client.credential(token.json()["access_token"], body)
    assert answer.status == 200, answer.body


@pytest.fixture
def issuer_process(tmp_path: Path) -> Iterator[IssuerProcess]:
    config = write_config(tmp_path / "issuer.toml")
    process = IssuerProcess(tmp_path / "data", config, free_port(), tmp_path / "issuer.log")
    process.start()
    try:
        yield process
    finally:
        process.kill()


def _stop(process: IssuerProcess) -> None:
    """Ctrl-C, as an operator stops it."""
    assert process.process is not None
    process.process.send_signal(signal.SIGINT)
    try:
        process.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    process.process = None


def _erase_one(process: IssuerProcess) -> dict[str, Any]:
    """Other applicants before and after (so the tables span pages), and the
    one whose record is erased when its credential is collected."""
    client = IssuerClient(process.url)
    for n in range(40):
        _offer(client, {**APPLICANT, "given_name": f"Other{n}"})
    offer = _offer(client, {**APPLICANT, **SECRET_VALUES})
    key = _record_key(process.data_dir, offer["applicant_id"])
    _collect(client, offer)
    for n in range(10):
        _offer(client, {**APPLICANT, "given_name": f"Later{n}"})
    return {**offer, "record_key": key}


def _record_key(data_dir: Path, applicant_id: str) -> bytes | None:
    conn = sqlite3.connect(f"file:{data_dir / 'issuer.sqlite'}?mode=ro", uri=True)
    try:
        row = conn.execute(
            "SELECT key FROM record_keys WHERE applicant_id = ?", (applicant_id,)
        ).fetchone()
    except sqlite3.OperationalError:  # a version without record keys
        return None
    finally:
        conn.close()
    return bytes(row[0]) if row else None


def test_erased_record_plaintext_is_in_no_file_of_the_data_folder(
    issuer_process: IssuerProcess,
) -> None:
    _erase_one(issuer_process)
    data = issuer_process.data_dir
    assert (data / "issuer.sqlite-wal").exists()  # the running issuer's WAL is scanned too
    assert _found_in(data, _plaintexts()) == [], "erased record readable while running"
    _stop(issuer_process)
    assert _found_in(data, _plaintexts()) == [], "erased record readable after the stop"


def test_erased_record_key_is_in_no_file_of_the_data_folder(
    issuer_process: IssuerProcess,
) -> None:
    client = IssuerClient(issuer_process.url)
    kept = _offer(client, {**APPLICANT, "given_name": "Kept"})
    kept_key = _record_key(issuer_process.data_dir, kept["applicant_id"])
    assert kept_key is not None and len(kept_key) == 32
    erased = _erase_one(issuer_process)
    key = erased["record_key"]
    assert key is not None and len(key) == 32
    data = issuer_process.data_dir
    assert _found_in(data, [kept_key]) != []  # the scan finds a key that is there
    assert _found_in(data, [key]) == [], "the erased record's key is still on disk"
    _stop(issuer_process)
    assert _found_in(data, [key]) == [], "the erased record's key is on disk after the stop"
    with migrated_issuer_database(data) as db, db.read() as conn:
        assert records.open_record(conn, erased["applicant_id"]) is None
        assert (records.open_record(conn, kept["applicant_id"]) or {})["given_name"] == "Kept"


# --- file modes -----------------------------------------------------------------------


def _assert_private(folder: Path) -> None:
    assert folder.stat().st_mode & 0o777 == 0o700, oct(folder.stat().st_mode)
    files = _files(folder)
    assert files
    loose = {p.name: oct(p.stat().st_mode & 0o777) for p in files if p.stat().st_mode & 0o077}
    assert loose == {}


def test_issuer_data_folder_and_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "issuer"
    app = create_issuer({"DATA_DIR": str(data), "API_KEYS": [f"vendor:{API_KEY}"]}, clock=Clock())
    response = app.test_client().post("/api/v1/offers", json={"applicant": APPLICANT}, headers=AUTH)
    assert response.status_code == 201
    assert (data / "issuer.sqlite-wal").exists()
    _assert_private(data)


def test_verifier_data_folder_and_files_are_private(tmp_path: Path) -> None:
    """The verifier's database holds the response-decryption keys of open verifications."""
    data = tmp_path / "verifier"
    data.mkdir(mode=0o755)  # a folder given open: narrowed
    create_verifier({"DATA_DIR": str(data), "MONITOR_INTERVAL": 0, "CHAIN_WORKER_INTERVAL": 0})
    assert (data / "verifier.sqlite").exists() and (data / "verifier_key.pem").exists()
    _assert_private(data)


def test_demo_config_files_are_private(tmp_path: Path) -> None:
    """No API key in a file that other users can read; the folders are 0700."""
    layout = DemoLayout(
        tmp_path / "demo", "http://127.0.0.1:1", "http://127.0.0.1:2", "http://127.0.0.1:3"
    )
    keys = prepare(layout)
    for name in ("issuer", "wallet", "verifier"):
        assert (layout.data / name / "config.toml").stat().st_mode & 0o777 == 0o600
    for folder in (layout.data, layout.issuer_dir, layout.wallet_dir, layout.verifier_dir):
        assert folder.stat().st_mode & 0o777 == 0o700
    readable = [p for p in _files(layout.data) if p.stat().st_mode & 0o044]
    secrets = [key.encode() for key in keys.values()]
    assert [f"{p.name}: {s!r}" for p in readable for s in secrets if s in p.read_bytes()] == []
    assert (layout.issuer_dir / "config.toml").read_text().count(keys["issuer"]) == 1


@pytest.mark.parametrize(
    ("role", "setting", "filename"),
    [
        ("issuer", "KEY_PATH", "issuer_key.pem"),
        ("issuer", "W3C_KEY_PATH", "w3c_issuer_key.pem"),
        ("verifier", "KEY_PATH", "verifier_key.pem"),
    ],
)
def test_signing_key_file_others_can_read_refused(
    tmp_path: Path, role: str, setting: str, filename: str
) -> None:
    data = tmp_path / role
    settings: dict[str, Any] = {"DATA_DIR": str(data), "MONITOR_INTERVAL": 0}
    create = create_issuer if role == "issuer" else create_verifier
    create(settings)  # the first start generates the key, 0600
    key = data / filename
    assert key.stat().st_mode & 0o777 == 0o600
    key.chmod(0o644)
    with pytest.raises(ConfigurationError, match=f"{filename}.*other users can read it.*chmod 600"):
        create(settings)
    elsewhere = tmp_path / f"configured-{filename}"
    elsewhere.write_bytes(key.read_bytes())
    elsewhere.chmod(0o640)
    with pytest.raises(ConfigurationError, match=f"configured-{filename}.*chmod 600"):
        create({**settings, setting: str(elsewhere)})
    elsewhere.chmod(0o600)
    create({**settings, setting: str(elsewhere)})


# --- upgrade ----------------------------------------------------------------------------


def test_upgrade_seals_plaintext_records_and_rewrites_free_pages(tmp_path: Path) -> None:
    """A database of the previous version: one applicant with a plaintext
    record, one erased by that version (its plaintext left in a free page,
    since ``secure_delete`` was off)."""
    path = tmp_path / "issuer.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA secure_delete=OFF")
    issuer_migrations.apply(sqlite_utils.Database(conn), stop_before="m003_record_keys_datarest")
    stale = {**APPLICANT, **SECRET_VALUES}
    live = {**APPLICANT, "given_name": "Livingstonia"}
    for applicant_id, record in (("stale", stale), ("live", live)):
        conn.execute(
            "INSERT INTO applicants (id, reference, record, record_sha256, state, created_at,"
            " created_by) VALUES (?, '', ?, '', 'recorded', 0, 'test')",
            (applicant_id, json.dumps(record, sort_keys=True)),
        )
    conn.execute("UPDATE applicants SET record = NULL, state = 'erased' WHERE id = 'stale'")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert _found_in(tmp_path, _plaintexts()) != []  # the old version's leftovers
    with migrated_issuer_database(tmp_path) as db, db.read() as migrated:
        assert records.open_record(migrated, "live") == live
        assert records.open_record(migrated, "stale") is None
    assert _found_in(tmp_path, _plaintexts() + [b"Livingstonia"]) == []
