"""SECURITY.md "Revocation, fail-closed": the status behind each whitelisting
intent is re-checked; a revocation or suspension turns the intent into a
removal; an unreachable list changes nothing and is reported; expired
transactions lose their decryption keys."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

from tests.support import RunningIssuer
from tests.verifier.conftest import RunningVerifier
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet
from tests.verifier.sql import sql_of
from tests.verifier.test_refusals_oid4vp import submit
from verifier.maintenance import run_maintenance


def _intents(verifier: RunningVerifier) -> list[Any]:
    store = sql_of(verifier.app)
    return store.all("SELECT * FROM intents")


def _whitelisted(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    created = verifier.create("solar7")
    assert submit(wallet, created["link"]).status == 200
    (intent,) = _intents(verifier)
    assert intent["desired"] == "registered" and intent["status_uri"].startswith("http://")


@pytest.mark.parametrize(
    ("action", "reason"), [("revoke", "CredentialRevoked"), ("suspend", "CredentialSuspended")]
)
def test_revocation_turns_the_intent_into_a_removal(
    issuer: RunningIssuer,
    verifier: RunningVerifier,
    wallet: ForeignWallet,
    action: str,
    reason: str,
) -> None:
    _whitelisted(verifier, wallet)
    assert run_maintenance(verifier.app).removed == []
    (credential,) = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert issuer.api("POST", f"/api/v1/credentials/{credential['id']}/{action}").status == 200
    report = run_maintenance(verifier.app)  # fresh lists: the cache does not hide it
    assert report.removed == [INVESTOR.address] and report.failed == []
    (intent,) = _intents(verifier)
    assert (intent["desired"], intent["removal_reason"]) == ("removed", reason)
    audit = sql_of(verifier.app).all("SELECT * FROM audit_log WHERE action = 'intent.removed'")
    assert [row["subject"] for row in audit] == [INVESTOR.address]


def test_unreachable_status_list_changes_nothing_and_is_reported(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    _whitelisted(verifier, wallet)
    store = sql_of(verifier.app)
    store.execute("UPDATE intents SET status_uri = 'http://127.0.0.1:9/statuslists/x'")
    report = run_maintenance(verifier.app)
    assert report.removed == [] and len(report.failed) == 1
    assert report.failed[0].startswith("http://127.0.0.1:9/statuslists/x: FetchError")
    assert _intents(verifier)[0]["desired"] == "registered"


def test_expired_transactions_lose_their_decryption_key(verifier: RunningVerifier) -> None:
    created = verifier.create()
    store = sql_of(verifier.app)
    assert run_maintenance(verifier.app).purged == 0
    verifier.clock.now += 601
    assert run_maintenance(verifier.app).purged == 1
    row = store.one("SELECT enc_key_json FROM verifications WHERE id = ?", (created["id"],))
    assert row["enc_key_json"] is None


# --- issue 19 item 1: each investor is checked alone ----------------------------------------


def _whitelist_as(verifier: RunningVerifier, wallet: ForeignWallet, account: Any) -> None:
    created = verifier.create("solar7")
    request = wallet.fetch_request(created["link"]).request
    presentation = wallet.present(request, address=account.address)
    response = wallet.response(request, presentation, wallet.proof(request, account))
    assert wallet.post(request, wallet.form(request, response)).status == 200


def test_poison_record_fails_alone_and_the_others_are_removed_when_revoked(
    issuer: RunningIssuer, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """A damaged record (a status reference without its index, as a crash or an
    earlier version could leave) between two investors: the monitor checks and
    removes the two revoked ones, records the third as failed with its reason, and
    the API answers 200 with each one's result (it stopped at the bad record)."""
    first, poison, last = Account.create(), Account.create(), Account.create()
    for account in (first, poison, last):
        _whitelist_as(verifier, wallet, account)
    store = sql_of(verifier.app)
    store.execute("UPDATE intents SET status_idx = NULL WHERE address = ?", (poison.address,))
    (credential,) = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert issuer.api("POST", f"/api/v1/credentials/{credential['id']}/revoke").status == 200

    answer = verifier.api("POST", "/api/v1/monitor")

    assert answer.status == 200, answer.text()
    report = answer.json()
    assert report["removed"] == [first.address, last.address] and report["checked"] == 3
    results = [(r["address"], r["result"]) for r in report["results"]]
    assert results == [
        (first.address, "removed"),
        (poison.address, "failed"),
        (last.address, "removed"),
    ]
    assert report["results"][0]["reason"] == "CredentialRevoked"
    assert report["results"][1]["reason"].startswith("TypeError")
    desired = {r["address"]: r["desired"] for r in _intents(verifier)}
    assert desired == {
        first.address: "removed",
        poison.address: "registered",
        last.address: "removed",
    }
    (failure,) = store.all("SELECT * FROM intent_failures")
    assert (failure["stage"], failure["failures"]) == ("monitor", 1)
    assert failure["retry_at"] == int(verifier.clock.now) + 60
    (line,) = store.all("SELECT * FROM audit_log WHERE action = 'intent.failed'")
    assert line["subject"] == poison.address


def test_poison_record_waits_for_its_back_off_in_the_background_monitor(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """The background monitor skips a failed record until its back-off passes (the
    forced run of the API checks it at once); a later success clears the failure."""
    _whitelist_as(verifier, wallet, INVESTOR)
    store = sql_of(verifier.app)
    (intent,) = _intents(verifier)
    store.execute("UPDATE intents SET status_uri = 'http://127.0.0.1:9/statuslists/x'")
    background = verifier.worker
    assert [r.result for r in background.tick_monitor().results] == ["failed"]
    verifier.clock.now += 30
    assert [r.result for r in background.tick_monitor().results] == ["waiting"]
    assert [r["result"] for r in verifier.api("POST", "/api/v1/monitor").json()["results"]] == [
        "failed"
    ]
    (failure,) = store.all("SELECT * FROM intent_failures")
    assert failure["failures"] == 2 and failure["retry_at"] == int(verifier.clock.now) + 120
    store.execute("UPDATE intents SET status_uri = ?", (intent["status_uri"],))
    verifier.clock.now += 121
    assert [r.result for r in background.tick_monitor().results] == ["valid"]
    assert store.all("SELECT * FROM intent_failures") == []
