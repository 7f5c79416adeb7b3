"""A red-team review of issue 19 (items 1, 3, 4, 6, 7, 13, 14) on the verifier:
attacks that still worked after those items landed. Each test is named after
its attack and failed on the code it reviews.

* One platform's webhook receiver that hangs (or a flood of unauthenticated
  error responses, each a webhook to it) held up every other platform's
  webhooks: delivery was one queue under one lock.
* A key learned another platform's token (contract, name) and base policy
  from the refusal of a token it may not whitelist on.
* ``POST /tokens/<unknown>/verify`` (and the operator's mint and transfer of an
  unknown token) answered 502: a client mistake reported as a chain failure.
* An outbox that cannot be opened (any exception but ``SSIError``) turned a
  committed verdict into a 500 for the wallet, and the monitor trigger's
  committed removals into a 500 for the platform.
* Of a verdict on several credentials, the monitor re-checked the status of
  the first only.
* The API did not say which flow answered: a platform could not tell a relayed
  same-device answer from an answer to its QR code.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request

from chain.outbox import Outbox
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from ssi.oid4vp import AuthorizationResponse
from tests.servers import serve
from tests.support import RunningIssuer, scaled
from tests.verifier.conftest import RULES, TOKEN_TARGET, VCT, RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet, issue_credential
from tests.verifier.platform_keys import (
    KEY_A,
    KEY_B,
    KEYS,
    PLATFORM_POLICIES,
    WIND_TARGET,
    call,
    create,
)
from tests.verifier.sql import sql_of
from tests.verifier.test_chain_e2e import CHAIN_CONFIG
from tests.verifier.test_poison_e2e import _operator
from tests.verifier.test_refusals_oid4vp import submit
from verifier.api_keys import webhooks_by_actor
from verifier.settings import current_settings
from verifier.webhooks import SIGNATURE_HEADER, Webhooks, verify_webhook

SECRET_A, SECRET_B = "whsec-a-0123456789", "whsec-b-0123456789"


class Hanging:
    """Platform A's webhook receiver: it takes each delivery and answers only when
    the test releases it (a receiver that hangs, or drops packets)."""

    def __init__(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        self.received: list[str] = []
        self.app = Flask("hanging-receiver")
        self.app.post("/hook")(self._hook)

    def _hook(self) -> Any:
        self.received.append(request.get_data(as_text=True))
        self.entered.set()
        self.release.wait(120)
        return "", 204


class Recording:
    """Platform B's webhook receiver: answers at once."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.received: list[dict[str, str]] = []
        self.app = Flask("recording-receiver")
        self.app.post("/hook")(self._hook)

    def _hook(self) -> Any:
        self.received.append(
            {"body": request.get_data(as_text=True), "sig": request.headers[SIGNATURE_HEADER]}
        )
        self.event.set()
        return "", 204


@pytest.fixture
def receivers() -> Iterator[tuple[Hanging, str, Recording, str]]:
    hanging, recording = Hanging(), Recording()
    with serve(hanging.app) as url_a, serve(recording.app) as url_b:
        try:
            yield hanging, url_a + "/hook", recording, url_b + "/hook"
        finally:
            hanging.release.set()


def _error_response(verifier: RunningVerifier, created: dict[str, Any]) -> None:
    """What anyone who saw the QR code can send (OpenID4VP 1.0 §8.5, unauthenticated)."""
    row = sql_of(verifier.app).one("SELECT state FROM verifications WHERE id = ?", (created["id"],))
    answer = verifier.fetch.post(
        verifier.url + "/oid4vp/response",
        data={"error": "access_denied", "state": row["state"]},
        raise_for_status=False,
    )
    assert answer.status == 200, answer.text()


def test_platform_isolation_review_a_hanging_webhook_of_one_key_does_not_hold_up_anothers(
    start_verifier: StartVerifier, receivers: tuple[Hanging, str, Recording, str]
) -> None:
    """Platform A's receiver hangs; a webhook for A is in flight (here caused by an
    error response anyone may post). Platform B's webhook is delivered meanwhile:
    before, every delivery waited for A's to time out, one after the other (an
    error response per QR code A shows made that minutes or hours)."""
    hanging, url_a, recording, url_b = receivers
    keys = [
        {**KEYS[0], "webhook_url": url_a, "webhook_secret": SECRET_A},
        {**KEYS[1], "webhook_url": url_b, "webhook_secret": SECRET_B},
    ]
    verifier = start_verifier(API_KEYS=keys, POLICIES=PLATFORM_POLICIES)
    # the app's own deliveries, through a real fetcher whose deadline outlasts the test
    # (the default 5 s would let A's delivery end by itself)
    app = verifier.app
    patient = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=120))
    by_actor = webhooks_by_actor(current_settings(app).api_access, None)
    store = sql_of(app)
    webhooks = Webhooks(store.db, patient.post, verifier.clock, by_actor, None)
    app.extensions["webhooks"] = app.extensions["verifier"].webhooks = webhooks

    for_a = create(verifier, KEY_A, policy="kyc")
    _error_response(verifier, for_a)
    webhooks.deliver(wait=False)  # the worker's schedule: A's receiver hangs in its thread
    assert hanging.entered.wait(scaled(30)), "A's webhook was never sent"
    for_b = create(verifier, KEY_B, policy="kyc")
    _error_response(verifier, for_b)
    webhooks.deliver(wait=False)

    assert recording.event.wait(scaled(30)), "B's webhook waited for A's receiver"
    assert not hanging.release.is_set()
    (delivery,) = recording.received
    assert json.loads(delivery["body"])["id"] == for_b["id"]
    assert verify_webhook(SECRET_B, delivery["sig"], delivery["body"], now=verifier.clock.now)
    in_flight = store.one("SELECT attempts FROM webhooks WHERE verification_id = ?", (for_a["id"],))
    assert in_flight["attempts"] == 0  # A's delivery has not ended yet

    hanging.release.set()
    app.extensions["webhooks"].deliver()  # waits for A's delivery in flight
    delivered = store.all("SELECT verification_id FROM webhooks WHERE delivered_at IS NOT NULL")
    assert {r["verification_id"] for r in delivered} == {for_a["id"], for_b["id"]}
    assert [json.loads(body)["id"] for body in hanging.received] == [for_a["id"]]


def test_platform_isolation_review_a_key_learns_nothing_of_a_token_it_may_not_whitelist_on(
    start_verifier: StartVerifier,
) -> None:
    """Key A may whitelist on SP7 only. Naming WF3's identity registry (platform C's
    token) with a wrong token contract made the verifier answer with WF3's exact
    token (contract, name), and other refusals quoted WF3's base policy (its
    credential type, its number of rules): each is now the 403 of the grant."""
    verifier = start_verifier(API_KEYS=KEYS, POLICIES=PLATFORM_POLICIES)
    probes = [
        {**WIND_TARGET, "token": TOKEN_TARGET["token"], "name": "Guess"},
        WIND_TARGET,
    ]
    bodies = [{"vct": VCT, "rules": RULES, "address_proof": True, "token": t} for t in probes]
    bodies.append({**bodies[1], "vct": "urn:example:other"})
    bodies.append({**bodies[1], "rules": [f"x{i} == 1" for i in range(100)]})
    for body in bodies:
        answer = call(verifier, KEY_A, "POST", "/api/v1/verifications", {"policy_body": body})
        assert answer.status == 403, answer.text()
        description = answer.json()["error_description"]
        assert "this API key may not whitelist" in description, description
        for secret in (WIND_TARGET["token"], WIND_TARGET["name"], VCT, "base policy"):
            assert secret not in description, description
    assert sql_of(verifier.app).all("SELECT id FROM verifications") == []


def test_review_an_unknown_token_symbol_is_a_404_not_a_502(
    start_verifier: StartVerifier,
) -> None:
    """The investor's token page answered 404 for an unknown symbol, its Verify
    button's POST (and the operator's mint and transfer) 502: a client mistake
    reported as a failure of the chain."""
    verifier = start_verifier(**CHAIN_CONFIG)
    browser = verifier.app.test_client()
    page = browser.get("/tokens/SP7").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    assert browser.get("/tokens/NOPE").status_code == 404
    answer = browser.post("/tokens/NOPE/verify", data={"csrf_token": csrf[1]})
    assert answer.status_code == 404, answer.get_data(as_text=True)
    assert "no token NOPE on this platform" in answer.get_data(as_text=True)
    assert sql_of(verifier.app).all("SELECT id FROM verifications") == []

    operator = _operator(verifier)
    page = operator.get("/operator/investors").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    for action, form in (("mint", {"amount": "5"}), ("transfer", {"amount": "5", "to": ""})):
        answer = operator.post(
            f"/operator/tokens/NOPE/{action}", data={**form, "csrf_token": csrf[1]}
        )
        assert answer.status_code == 404, answer.get_data(as_text=True)


def test_one_outbox_the_verdict_and_the_monitor_commit_the_outbox_intent_themselves(
    start_verifier: StartVerifier, issuer: RunningIssuer
) -> None:
    """Issue 21 item 4 (replaces the review test of an unavailable outbox file: there
    is no second database any more). With ``CHAIN = "outbox"``, the verdict commits
    the outbox's intent in its own transaction (no forwarder runs) and the monitor
    its removal; the chain worker finds them in the verifier's database."""
    verifier = start_verifier(CHAIN="outbox")
    holder = Key.generate("ES256")
    wallet = ForeignWallet(
        verifier.fetch, issuer.clock, issue_credential(issuer, holder), holder, [verifier.ca]
    )
    created = verifier.create("solar7")
    answer = submit(wallet, created["link"])
    assert answer.status == 200, answer.text()
    assert answer.json() == {}
    store = sql_of(verifier.app)
    row = store.one("SELECT status FROM verifications WHERE id = ?", (created["id"],))
    assert row["status"] == "verified"
    (intent,) = store.all("SELECT * FROM intents")
    outbox: Outbox = verifier.app.extensions["outbox"]
    queued = outbox.intent(intent["chain"], intent["registry"], INVESTOR.address)
    assert queued.desired == "registered" and queued.state == "queued"
    assert verifier.result(created["id"])["whitelisting"]["state"] == "queued"

    for entry in issuer.api("GET", "/api/v1/credentials").json()["credentials"]:
        issuer.api("POST", f"/api/v1/credentials/{entry['id']}/revoke")
    report = verifier.api("POST", "/api/v1/monitor")
    assert report.status == 200, report.text()
    assert report.json()["removed"] == [INVESTOR.address]
    removal = outbox.intent(intent["chain"], intent["registry"], INVESTOR.address)
    assert removal.id == queued.id and removal.desired == "removed" and removal.state == "queued"


PATHS = [["age_equal_or_over", "18"], ["kyc_level"], ["sanctions_screening_result"]]
PATHS += [["address", "country"], ["investor_classification"]]
SEVERAL = {
    "vct": VCT,
    "rules": RULES,
    "address_proof": True,
    "token": TOKEN_TARGET,
    "dcql": {
        "credentials": [
            {
                "id": "kyc",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "multiple": True,
                "claims": [{"path": p} for p in PATHS],
            }
        ]
    },
}


def test_review_the_status_of_every_credential_of_a_verdict_is_monitored(
    start_verifier: StartVerifier, issuer: RunningIssuer
) -> None:
    """A policy whose query admits several credentials (``multiple``): each is
    checked, at the verdict, for the policy and for its status (a revoked one makes
    the whole response refused). The monitor re-checked only the first: once the
    second was revoked the investor stayed whitelisted, although the same response
    would now be refused."""
    policies = {
        **PLATFORM_POLICIES,
        "policies": {**PLATFORM_POLICIES["policies"], "several": SEVERAL},
    }
    verifier = start_verifier(POLICIES=policies)
    wallets = []
    for _ in range(2):
        before = {c["id"] for c in issuer.api("GET", "/api/v1/credentials").json()["credentials"]}
        holder = Key.generate("ES256")
        credential = issue_credential(issuer, holder)
        wallets.append(
            ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])
        )
        listed = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
        second_ids = {c["id"] for c in listed} - before
    assert second_ids
    first, second = wallets
    created = verifier.create("several")
    request = first.fetch_request(created["link"]).request
    presentations = [first.present(request), second.present(request)]
    response = AuthorizationResponse({"kyc": presentations}, request.state, first.proof(request))
    answer = first.post(request, first.form(request, response))
    assert answer.status == 200, answer.text()
    assert verifier.result(created["id"])["address"] == INVESTOR.address

    for credential_id in second_ids:  # the second credential only
        issuer.api("POST", f"/api/v1/credentials/{credential_id}/revoke")
    report = verifier.api("POST", "/api/v1/monitor").json()
    assert report["removed"] == [INVESTOR.address], report
    (result,) = report["results"]
    assert result["result"] == "removed" and result["reason"] == "CredentialRevoked"


def test_review_a_relayed_same_device_answer_is_told_apart_by_the_api(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """A platform's user starts a verification and relays its same-device link; the
    victim's wallet answers it. The verifier's own status page says only "done"
    (item 6), but the API gave the platform the same view as for an answer to the
    QR code: a platform that shows its user the result of the verification that
    user started, as it must for a QR code, attached the victim's claims. The API
    now says which flow answered, so that a same-device result is bound with its
    ``response_code`` (docs/verifier.md)."""
    relayed = verifier.create("solar7")
    _, answer = wallet.complete(relayed["same_device_link"])  # the victim's wallet
    assert answer.status == 200, answer.text()
    scanned = verifier.create("kyc")
    _, answer = wallet.complete(scanned["link"])  # the QR code, on another device
    assert answer.status == 200 and answer.json() == {}

    same = verifier.result(relayed["id"])
    assert same["status"] == "verified" and same["flow"] == "same_device", same
    cross = verifier.result(scanned["id"])
    assert cross["status"] == "verified" and cross["flow"] == "cross_device", cross
    listed = verifier.api("GET", "/api/v1/verifications").json()["verifications"]
    assert {v["id"]: v["flow"] for v in listed} == {
        relayed["id"]: "same_device",
        scanned["id"]: "cross_device",
    }
    pending = verifier.create("kyc")
    assert verifier.result(pending["id"])["flow"] is None
