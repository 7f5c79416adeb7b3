"""Red-team review of issue 19 item 10 at the issuer: what an "erased" KYC
record leaves behind, and which paths never erase it.

* The issuer kept ``applicants.record_sha256``, the unsalted SHA-256 of the
  record's JSON, after erasure. A KYC record has little entropy once a few
  facts about a person are known (name, address: what a curious platform or a
  leaked copy of the database reveals), so the hash is a dictionary oracle:
  the birthdate falls out in a few tens of thousands of guesses.
* With ``W3C_OFFER``, the record was erased only once every offered
  configuration was collected. A wallet that takes the SD-JWT VC and never
  the rest (any wallet that does not speak W3C), or an issuance revoked after
  the first copy, left the record (and its key) in the database for ever,
  although ``RETAIN_PERSONAL_DATA`` is off and no copy can be issued from it
  any more. (The docs said "until an operator erases it": there is no such
  action.)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from issuer import records
from issuer.kyc_claims import KycRecord
from issuer.legacy_schema import migrations as issuer_migrations
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from tests.hardening.test_data_at_rest import _found_in, _record_key
from tests.issuer.test_w3c_issuance import OFFERED, _one, _request
from tests.support import (
    APPLICANT,
    RunningIssuer,
    issuer_rows,
    migrated_issuer_database,
    start_issuer,
)

KNOWN = {"given_name": "Quentavia", "family_name": "Brollinsky", "locality": "Ystradfellte"}
BIRTHDATE = "1987-11-23"  # what the attacker does not know
_HASH_MIGRATION = "m005_erased_hashes_revissuer"
_HEX_RUN = re.compile(rb"[0-9a-f]{64,}")


@pytest.fixture
def w3c_issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=OFFERED)


@pytest.fixture
def plain_issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    yield from start_issuer(tmp_path / "issuer", fetcher)


def _token(issuer: RunningIssuer, offer: dict[str, Any]) -> str:
    body = issuer.fetch.get(f"{issuer.url}/offers/{offer['offer_id']}").json()
    grant = body["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    response = issuer.fetch.post(
        issuer.url + "/token",
        data=(
            "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code"
            f"&pre-authorized_code={grant['pre-authorized_code']}&tx_code={offer['tx_code']}"
        ).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    token: str = response.json()["access_token"]
    return token


def _data_dir(issuer: RunningIssuer) -> Path:
    return Path(issuer.app.config["DATA_DIR"])


def _record(issuer: RunningIssuer, applicant_id: str) -> dict[str, Any] | None:
    with issuer.app.extensions["issuer"].db.read() as conn:
        return records.open_record(conn, applicant_id)


def _hashes_on_disk(folder: Path) -> set[str]:
    found: set[str] = set()
    for path in folder.rglob("*"):
        if path.is_file():
            for run in _HEX_RUN.findall(path.read_bytes()):  # every 64-character window
                found |= {run[i : i + 64].decode() for i in range(len(run) - 63)}
    return found


def _guess_birthdate(hashes: set[str]) -> str | None:
    """The dictionary attack: every day of a century, the rest of the record known."""
    day = dt.date(1920, 1, 1)
    while day < dt.date(2010, 1, 1):
        record = KycRecord.from_dict({**APPLICANT, **KNOWN, "birthdate": day.isoformat()})
        body = json.dumps(record.to_dict(), sort_keys=True)
        if hashlib.sha256(body.encode()).hexdigest() in hashes:
            return day.isoformat()
        day += dt.timedelta(days=1)
    return None


def test_erased_record_hash_does_not_reveal_the_birthdate(plain_issuer: RunningIssuer) -> None:
    offer = plain_issuer.create_offer(**KNOWN, birthdate=BIRTHDATE)
    data = _data_dir(plain_issuer)
    assert _guess_birthdate(_hashes_on_disk(data)) == BIRTHDATE  # the attack works
    _one(_request(plain_issuer, _token(plain_issuer, offer), "kyc_sd_jwt_vc", Key.generate()))
    assert _record(plain_issuer, offer["applicant_id"]) is None  # erased after issuance
    assert _guess_birthdate(_hashes_on_disk(data)) is None, "the erased record's hash remains"


def test_erased_record_after_revoking_a_partly_collected_issuance(
    w3c_issuer: RunningIssuer,
) -> None:
    """The SD-JWT VC collected, the W3C credentials not yet: the operator revokes.
    No copy can be issued from the record any more: it is erased."""
    offer = w3c_issuer.create_offer(**KNOWN)
    key = _record_key(_data_dir(w3c_issuer), offer["applicant_id"])
    assert key is not None
    token = _token(w3c_issuer, offer)
    _one(_request(w3c_issuer, token, "kyc_sd_jwt_vc", Key.generate()))
    assert _record(w3c_issuer, offer["applicant_id"]) is not None  # the W3C ones are owed
    answer = w3c_issuer.api("POST", f"/api/v1/issuances/{offer['issuance_id']}/revoke")
    assert answer.status == 200, answer.text()
    assert _record(w3c_issuer, offer["applicant_id"]) is None, "revoked, yet the record is kept"
    assert _found_in(_data_dir(w3c_issuer), [key]) == []


def test_erased_record_when_the_access_token_expires_unused_for_some_configurations(
    w3c_issuer: RunningIssuer,
) -> None:
    """A wallet that speaks no W3C takes the SD-JWT VC only; once the access
    token has expired nothing more can be issued from the record: it is erased
    (at the issuer's next protocol request or start), and its key is gone."""
    offer = w3c_issuer.create_offer(**KNOWN)
    key = _record_key(_data_dir(w3c_issuer), offer["applicant_id"])
    assert key is not None
    token = _token(w3c_issuer, offer)
    _one(_request(w3c_issuer, token, "kyc_sd_jwt_vc", Key.generate()))
    w3c_issuer.clock.now += int(w3c_issuer.app.config["ACCESS_TOKEN_TTL"]) + 1
    late = _request(w3c_issuer, token, OFFERED[0], Key.generate("EdDSA"))
    assert late.status == 401 and late.json()["error"] == "invalid_token"
    # someone else's collection: the issuer's next protocol request
    other = w3c_issuer.create_offer(given_name="Someone")
    _one(_request(w3c_issuer, _token(w3c_issuer, other), "kyc_sd_jwt_vc", Key.generate()))
    assert _record(w3c_issuer, offer["applicant_id"]) is None, "the record is kept for ever"
    assert _found_in(_data_dir(w3c_issuer), [key]) == []
    (state,) = issuer_rows(
        w3c_issuer.app, "SELECT state FROM applicants WHERE id = :id", id=offer["applicant_id"]
    )
    assert state["state"] == "erased"


def test_record_kept_while_a_copy_can_still_be_issued(w3c_issuer: RunningIssuer) -> None:
    """The sweep erases nothing that is still owed: an open offer, a live token,
    a redeemed offer whose token has not expired, or RETAIN_PERSONAL_DATA."""
    waiting = w3c_issuer.create_offer(given_name="Waiting")  # not redeemed
    partly = w3c_issuer.create_offer(given_name="Partly")
    _one(_request(w3c_issuer, _token(w3c_issuer, partly), "kyc_sd_jwt_vc", Key.generate()))
    other = w3c_issuer.create_offer(given_name="Other")
    _one(_request(w3c_issuer, _token(w3c_issuer, other), "kyc_sd_jwt_vc", Key.generate()))
    assert _record(w3c_issuer, waiting["applicant_id"]) is not None
    assert _record(w3c_issuer, partly["applicant_id"]) is not None
    revoked_open = w3c_issuer.create_offer(given_name="RevokedBeforeRedeemed")
    answer = w3c_issuer.api("POST", f"/api/v1/issuances/{revoked_open['issuance_id']}/revoke")
    assert answer.status == 200, answer.text()
    # nothing was issued from it: the operator may approve the applicant again
    assert _record(w3c_issuer, revoked_open["applicant_id"]) is not None
    w3c_issuer.app.config["RETAIN_PERSONAL_DATA"] = True
    kept = w3c_issuer.create_offer(given_name="Kept")
    _one(_request(w3c_issuer, _token(w3c_issuer, kept), "kyc_sd_jwt_vc", Key.generate()))
    answer = w3c_issuer.api("POST", f"/api/v1/issuances/{kept['issuance_id']}/revoke")
    assert answer.status == 200, answer.text()
    assert _record(w3c_issuer, kept["applicant_id"]) is not None


def test_erased_record_hash_of_an_earlier_version_is_cleared_on_upgrade(tmp_path: Path) -> None:
    """A database where the previous version erased a record and kept its hash."""
    path = tmp_path / "issuer.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    issuer_migrations.apply(sqlite_utils.Database(conn), stop_before=_HASH_MIGRATION)
    record = KycRecord.from_dict({**APPLICANT, **KNOWN, "birthdate": BIRTHDATE}).to_dict()
    digest = hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()
    conn.execute(
        "INSERT INTO applicants (id, reference, record, record_sha256, state, created_at,"
        " created_by) VALUES ('old', '', NULL, ?, 'erased', 0, 'test')",
        (digest,),
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    assert _guess_birthdate(_hashes_on_disk(tmp_path)) == BIRTHDATE
    with migrated_issuer_database(tmp_path):
        pass
    assert _guess_birthdate(_hashes_on_disk(tmp_path)) is None
