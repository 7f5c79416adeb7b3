"""SECURITY.md "Revocation, fail-closed": the status behind each whitelisting
intent is re-checked; a revocation or suspension turns the intent into a
removal; an unreachable list changes nothing and is reported; expired
transactions lose their decryption keys."""

from __future__ import annotations

from typing import Any

import pytest

from kyc_wallet.web import Store
from tests.support import RunningIssuer
from tests.verifier.conftest import RunningVerifier
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet
from tests.verifier.test_refusals_oid4vp import submit
from verifier.maintenance import run_maintenance


def _intents(verifier: RunningVerifier) -> list[Any]:
    store: Store = verifier.app.extensions["store"]
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
    audit = verifier.app.extensions["store"].all(
        "SELECT * FROM audit_log WHERE action = 'intent.removed'"
    )
    assert [row["subject"] for row in audit] == [INVESTOR.address]


def test_unreachable_status_list_changes_nothing_and_is_reported(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    _whitelisted(verifier, wallet)
    store = verifier.app.extensions["store"]
    store.execute("UPDATE intents SET status_uri = 'http://127.0.0.1:9/statuslists/x'")
    report = run_maintenance(verifier.app)
    assert report.removed == [] and len(report.failed) == 1
    assert report.failed[0].startswith("http://127.0.0.1:9/statuslists/x: FetchError")
    assert _intents(verifier)[0]["desired"] == "registered"


def test_expired_transactions_lose_their_decryption_key(verifier: RunningVerifier) -> None:
    created = verifier.create()
    store = verifier.app.extensions["store"]
    assert run_maintenance(verifier.app).purged == 0
    verifier.clock.now += 601
    assert run_maintenance(verifier.app).purged == 1
    row = store.one("SELECT enc_key_json FROM verifications WHERE id = ?", (created["id"],))
    assert row["enc_key_json"] is None
