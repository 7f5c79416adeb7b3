"""Issue 22, retention: a finished verification's details (the request it sent,
the verified claims) are deleted ``RETENTION_DAYS`` after it finished, by the
worker's ``retention`` schedule; its verdict, address, whitelisting intent and
audit entries stay, the monitor keeps checking its investor, and the API says
the details were deleted (not a 500, not a 404).

Real issuer, real verifier, a foreign wallet answering over HTTP; the shared
clock is moved past the retention period."""

from __future__ import annotations

from typing import Any

from eth_account import Account

from ssi.jose import Key
from tests.support import RunningIssuer
from tests.verifier.conftest import BOTH_ENGINES, VCT, RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential
from tests.verifier.sql import sql_of
from tests.verifier.test_refusals_oid4vp import submit
from verifier.maintenance import run_maintenance

pytestmark = BOTH_ENGINES

DAY = 86_400
N = 3


def _whitelist_as(verifier: RunningVerifier, wallet: ForeignWallet, account: Any) -> str:
    created = verifier.create("solar7")
    request = wallet.fetch_request(created["link"]).request
    presentation = wallet.present(request, address=account.address)
    response = wallet.response(request, presentation, wallet.proof(request, account))
    assert wallet.post(request, wallet.form(request, response)).status == 200
    return str(created["id"])


def _detail_bytes(verifier: RunningVerifier) -> int:
    row = sql_of(verifier.app).one(
        "SELECT SUM(LENGTH(request_json) + COALESCE(LENGTH(claims_json), 0)) AS n"
        " FROM verifications"
    )
    return int(row["n"] or 0)


def _audit(verifier: RunningVerifier) -> list[Any]:
    return sql_of(verifier.app).all("SELECT * FROM audit_log ORDER BY seq")


def _verifier(
    start_verifier: StartVerifier, issuer: RunningIssuer, **config: Any
) -> tuple[RunningVerifier, ForeignWallet]:
    """A verifier whose worker runs only retention on its schedule, and a wallet
    holding a credential of ``issuer`` that trusts this verifier."""
    intervals = {"WEBHOOK_INTERVAL": 0, "RECONCILE_INTERVAL": 0, "RETENTION_INTERVAL": 60}
    verifier = start_verifier(**intervals, **config)
    holder = Key.generate("ES256")
    credential = issue_credential(issuer, holder)
    return verifier, ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])


def test_retention_bounded_growth_details_gone_verdicts_audit_and_monitor_stay(
    issuer: RunningIssuer, start_verifier: StartVerifier
) -> None:
    verifier, wallet = _verifier(start_verifier, issuer)
    accounts = [Account.create() for _ in range(N)]
    ids = [_whitelist_as(verifier, wallet, account) for account in accounts]
    # a rule the credential breaks: refused, with its reason
    body = {"vct": VCT, "rules": ["kyc_level >= 3"]}
    refused = verifier.create(policy=None, policy_body=body)
    submit(wallet, refused["link"])
    assert verifier.result(refused["id"])["status"] == "refused"
    unanswered = verifier.create("kyc")  # expires unanswered
    # an intent written before its issuer was recorded: the monitor reads the claims' iss
    store = sql_of(verifier.app)
    store.execute(
        "UPDATE intents SET status_issuer_json = NULL WHERE address = ?", (accounts[0].address,)
    )
    kept = _detail_bytes(verifier)
    assert kept > N * 1000
    audit_before = _audit(verifier)

    verifier.clock.now += 29 * DAY  # within the period: nothing goes
    assert verifier.worker.tick_retention() == 0
    assert _detail_bytes(verifier) == kept

    verifier.clock.now += 2 * DAY  # past it
    assert verifier.worker.intervals["retention"] == 60
    verifier.worker.run_due()  # the worker's schedule runs retention (its first turn)

    assert _detail_bytes(verifier) == 0
    rows = store.all("SELECT * FROM verifications")
    assert len(rows) == N + 2
    assert all(r["details_deleted_at"] == int(verifier.clock.now) for r in rows)
    assert all(r["claims_json"] is None and r["request_json"] == "" for r in rows)
    assert sorted(r["status"] for r in rows) == ["pending", "refused"] + ["verified"] * N
    # the audit log kept every entry and says what retention did
    audit_after = _audit(verifier)
    assert audit_after[: len(audit_before)] == audit_before
    (line,) = audit_after[len(audit_before) :]
    assert line["action"] == "verifications.details_deleted"
    assert line["subject"] == f"{N + 2} verifications"
    # the investors stay whitelisted, with what the monitor needs
    intents = store.all("SELECT * FROM intents ORDER BY id")
    assert [i["address"] for i in intents] == [a.address for a in accounts]
    assert {i["desired"] for i in intents} == {"registered"}
    assert all(i["status_issuer_json"] and i["status_uri"] for i in intents)

    # the API says the details were deleted, with the verdict
    answer = verifier.api("GET", f"/api/v1/verifications/{ids[1]}")
    assert answer.status == 200, answer.text()
    body = answer.json()
    assert body["status"] == "verified" and body["address"] == accounts[1].address
    assert "claims" not in body
    assert "deleted after the retention period (30 days)" in body["details_deleted"]["description"]
    assert body["details_deleted"]["at"] == int(verifier.clock.now)
    refused_body = verifier.api("GET", f"/api/v1/verifications/{refused['id']}").json()
    assert refused_body["status"] == "refused" and refused_body["reason"]["code"]
    assert "details_deleted" in refused_body
    assert verifier.api("GET", f"/api/v1/verifications/{unanswered['id']}").status == 200
    assert verifier.api("GET", "/api/v1/verifications/not-an-id").status == 404

    # the monitor still checks them: a revocation removes every one
    (credential,) = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert issuer.api("POST", f"/api/v1/credentials/{credential['id']}/revoke").status == 200
    report = run_maintenance(verifier.app)
    assert report.failed == []
    assert sorted(report.removed) == sorted(a.address for a in accounts)

    # a second run has nothing left to delete
    assert verifier.worker.tick_retention() == 0


def test_retention_zero_days_keeps_everything(
    issuer: RunningIssuer, start_verifier: StartVerifier
) -> None:
    verifier, wallet = _verifier(start_verifier, issuer, RETENTION_DAYS=0)
    tx_id = _whitelist_as(verifier, wallet, Account.create())
    kept = _detail_bytes(verifier)
    verifier.clock.now += 400 * DAY
    assert verifier.worker.tick_retention() == 0
    assert _detail_bytes(verifier) == kept
    assert "claims" in verifier.api("GET", f"/api/v1/verifications/{tx_id}").json()
