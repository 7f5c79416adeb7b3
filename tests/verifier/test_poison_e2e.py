"""Issue 19 item 1, end to end on the in-process EVM with the real T-REX
contracts: one bad whitelisting record never stops the platform.

* A record whose country no registry takes (``XX``, accepted before the country
  checks of this issue) sits between two good investors: both are whitelisted on
  chain; the bad one is marked failed with its reason, shown on the operator's
  pages, reported by webhook; ``POST /api/v1/monitor`` answers 200 with every
  investor's result (it answered 400 for the whole platform).
* An intent that reverts on chain (the platform's own agent address offered as
  the investor's: ONCHAINID refuses it) fails alone, with the revert reason,
  reported the same way.

The worker and the monitor are ticked by hand; webhooks go to a real receiver."""

from __future__ import annotations

import json
import re
import secrets
import threading
from typing import Any

import pytest
from eth_account import Account
from flask.testing import FlaskClient

from chain.platform import PlatformChain
from ssi.jose import Key
from tests.support import RunningIssuer, wait_until
from tests.verifier.conftest import RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential
from tests.verifier.sql import sql_of
from tests.verifier.test_chain_e2e import CHAIN_CONFIG
from tests.verifier.test_identity_and_policy import receiver
from verifier.core.intents import record_intent
from verifier.webhooks import verify_webhook

__all__ = ["receiver"]  # the fixture, imported for this module's tests

Receiver = tuple[str, list[dict[str, Any]], threading.Event]
SECRET = "whsec-poison"
ONCHAINID_REFUSAL = "wallet is also listed in management keys"


@pytest.fixture
def platform(
    start_verifier: StartVerifier,
    receiver: Receiver,  # noqa: F811 - the imported fixture
) -> RunningVerifier:
    return start_verifier(**CHAIN_CONFIG, WEBHOOK_URL=receiver[0], WEBHOOK_SECRET=SECRET)


@pytest.fixture
def wallet(issuer: RunningIssuer, platform: RunningVerifier) -> ForeignWallet:
    holder = Key.generate("ES256")
    credential = issue_credential(issuer, holder)
    return ForeignWallet(platform.fetch, issuer.clock, credential, holder, [platform.ca])


def _chain(verifier: RunningVerifier) -> PlatformChain:
    chain: PlatformChain = verifier.app.extensions["chain"]
    return chain


def _whitelist(verifier: RunningVerifier, wallet: ForeignWallet, account: Any) -> str:
    """A real presentation for ``sp7`` naming ``account``'s address; the verification id."""
    created = verifier.create("sp7")
    request = wallet.fetch_request(created["link"]).request
    presentation = wallet.present(request, address=account.address)
    response = wallet.response(request, presentation, wallet.proof(request, account))
    answer = wallet.post(request, wallet.form(request, response))
    assert answer.status == 200, answer.text()
    return str(created["id"])


def _legacy_intent(verifier: RunningVerifier, like: str, address: str, country: str) -> str:
    """A verified verification and its intent as an earlier version recorded them,
    before countries were checked (copied from the verification ``like``), committed
    the way a verdict (or the adoption of that version's data) commits an intent."""
    store = sql_of(verifier.app)
    new_id = secrets.token_urlsafe(16)
    with store.transaction() as conn:
        conn.execute(
            "INSERT INTO verifications (id, policy, created_by, request_json, state, nonce,"
            " session_hash, status, claims_json, address, created_at, expires_at, completed_at)"
            " SELECT ?, policy, created_by, request_json, ?, ?, session_hash, status,"
            " claims_json, ?, created_at, expires_at, completed_at FROM verifications WHERE id = ?",
            (new_id, secrets.token_urlsafe(24), secrets.token_urlsafe(24), address, like),
        )
    row = store.one("SELECT * FROM intents WHERE verification_id = ?", (like,))
    values = {k: row[k] for k in ("chain", "registry", "token", "record_sha256", "credential_exp")}
    ctx = verifier.app.extensions["verifier"]
    with store.db.transaction() as conn:
        values |= {"address": address, "country": country, "verification_id": new_id}
        record_intent(ctx, conn, int(verifier.clock.now), **values)
    return new_id


def _failed_events(received: list[dict[str, Any]], count: int, now: float) -> list[dict[str, Any]]:
    """The delivered ``whitelisting.failed`` webhooks, each signed (waits for delivery)."""

    def delivered() -> list[dict[str, Any]] | None:
        events = [json.loads(d["body"]) for d in received]
        failed = [e for e in events if e.get("event") == "whitelisting.failed"]
        return failed if len(failed) >= count else None

    failed = wait_until(delivered, 10, f"no whitelisting.failed webhook among {received}")
    for delivery in received:
        assert verify_webhook(SECRET, delivery["sig"], delivery["body"], now=now)
    return failed


def _operator(verifier: RunningVerifier) -> FlaskClient:
    client = verifier.app.test_client()
    page = client.get("/operator/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    password = verifier.app.config["OPERATOR_PASSWORD"] or "operator-password"
    verifier.app.config["OPERATOR_PASSWORD"] = password
    response = client.post("/operator/login", data={"password": password, "csrf_token": token[1]})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def test_poison_record_between_two_good_ones_does_not_stop_the_platform(
    issuer: RunningIssuer,
    platform: RunningVerifier,
    wallet: ForeignWallet,
    receiver: Receiver,  # noqa: F811
) -> None:
    verifier, chain = platform, _chain(platform)
    sp7 = chain.token("SP7")
    first, poison, last = Account.create(), Account.create(), Account.create()
    first_id = _whitelist(verifier, wallet, first)
    poison_id = _legacy_intent(verifier, first_id, poison.address, "XX")
    last_id = _whitelist(verifier, wallet, last)

    verifier.worker.tick_chain()

    assert chain.is_verified(first.address, sp7) and chain.is_verified(last.address, sp7)
    assert not chain.is_verified(poison.address, sp7)
    assert verifier.result(last_id)["whitelisting"]["state"] == "done"
    bad = verifier.result(poison_id)["whitelisting"]
    assert bad["state"] == "failed" and "'XX'" in bad["last_error"]
    verifier.worker.tick_webhooks()
    (event,) = _failed_events(receiver[1], 1, verifier.clock.now)
    assert event["id"] == poison_id and event["address"] == poison.address
    assert event["stage"] == "chain" and "ISO 3166-1" in event["reason"]

    page = _operator(verifier).get("/operator/investors").get_data(as_text=True)
    assert "1 investor could not be processed" in page
    (problem,) = re.findall(r'data-testid="failure">([^<]*)<', page)
    assert problem.startswith("chain failed: MalformedInput") and "&#39;XX&#39;" in problem
    assert "Not retried automatically" in problem  # no registry takes XX: verify again
    home = _operator(verifier).get("/operator/").get_data(as_text=True)
    assert "1 whitelisting problem:" in home

    answer = verifier.api("POST", "/api/v1/monitor")
    assert answer.status == 200, answer.text()
    report = answer.json()
    assert [(r["address"], r["result"]) for r in report["results"]] == [
        (first.address, "valid"),
        (poison.address, "valid"),
        (last.address, "valid"),
    ]
    assert report["checked"] == 3 and report["failed"] == []

    # the KYC provider revokes: both good investors are removed, the bad one does not block it
    for entry in issuer.api("GET", "/api/v1/credentials").json()["credentials"]:
        issuer.api("POST", f"/api/v1/credentials/{entry['id']}/revoke")
    report = verifier.api("POST", "/api/v1/monitor").json()
    assert report["removed"] == [first.address, last.address]
    verifier.worker.tick_chain()
    assert not chain.is_verified(first.address, sp7) and not chain.is_verified(last.address, sp7)


def test_poison_on_chain_fails_alone_and_is_reported(
    platform: RunningVerifier,
    wallet: ForeignWallet,
    receiver: Receiver,  # noqa: F811
) -> None:
    verifier, chain = platform, _chain(platform)
    sp7 = chain.token("SP7")
    agent = chain.dev.owner  # the platform's own agent key, offered as an investor's
    first, last = Account.create(), Account.create()
    _whitelist(verifier, wallet, first)
    poison_id = _whitelist(verifier, wallet, agent)
    _whitelist(verifier, wallet, last)

    verifier.worker.tick_chain()

    assert chain.is_verified(first.address, sp7) and chain.is_verified(last.address, sp7)
    bad = verifier.result(poison_id)["whitelisting"]
    assert bad["state"] == "failed" and ONCHAINID_REFUSAL in bad["last_error"]
    verifier.worker.tick_webhooks()
    (event,) = _failed_events(receiver[1], 1, verifier.clock.now)
    assert event["id"] == poison_id and event["stage"] == "chain"
    assert ONCHAINID_REFUSAL in event["reason"]
    page = _operator(verifier).get("/operator/investors").get_data(as_text=True)
    (problem,) = re.findall(r'data-testid="failure">([^<]*)<', page)
    assert problem.startswith("chain failed:") and ONCHAINID_REFUSAL in problem

    # ticking again neither resends before the back-off nor reports it twice
    sent = len(chain.outbox.transactions(chain.deployment.caip2))
    verifier.worker.tick_chain()
    assert len(chain.outbox.transactions(chain.deployment.caip2)) == sent
    store = sql_of(verifier.app)
    assert len(store.all("SELECT * FROM audit_log WHERE action = 'intent.failed'")) == 1
