"""The other client identifier prefixes (did:web, redirect_uri for development),
policy refusals over HTTP, and signed webhooks."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request

from ssi.errors import MalformedInput
from tests.servers import serve
from tests.verifier.conftest import VCT, RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import ForeignWallet
from tests.verifier.test_refusals_oid4vp import assert_refused, submit
from verifier.app import create_app
from verifier.webhooks import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, verify_webhook


def test_decentralized_identifier_client_id(
    start_verifier: StartVerifier, wallet: ForeignWallet
) -> None:
    verifier = start_verifier(CLIENT_ID_PREFIX="decentralized_identifier")
    created = verifier.create("solar7")
    port = verifier.url.rsplit(":", 1)[1]
    assert (
        f"client_id=decentralized_identifier%3Adid%3Aweb%3A127.0.0.1%253A{port}" in created["link"]
    )
    verified = wallet.fetch_request(created["link"])  # resolves the verifier's did:web
    assert verified.client.prefix == "decentralized_identifier"
    request = verified.request
    response = wallet.post(request, wallet.form(request, wallet.response(request)))
    assert response.status == 200, response.text()
    assert verifier.result(created["id"])["status"] == "verified"


def test_redirect_uri_client_id_sends_the_request_unsigned_in_the_link(
    start_verifier: StartVerifier, wallet: ForeignWallet
) -> None:
    verifier = start_verifier(CLIENT_ID_PREFIX="redirect_uri")
    created = verifier.create("kyc")
    assert "request_uri=" not in created["link"] and "dcql_query=" in created["link"]
    verified = wallet.fetch_request(created["link"])
    assert not verified.signed
    request = verified.request
    assert request.client_id == f"redirect_uri:{verifier.url}/oid4vp/response"
    response = wallet.post(request, wallet.form(request, wallet.response(request)))
    assert response.status == 200, response.text()
    assert verifier.fetch.get(created["request_uri"], raise_for_status=False).status == 400


@pytest.mark.parametrize(
    "rule",
    [
        "kyc_level >= 3",
        'sanctions_screening_result == "hit"',
        'address.country not in ["DE"]',
        'investor_classification in ["retail"]',
        "age_equal_or_over.21 == false",
    ],
)
def test_a_rule_the_credential_breaks_is_refused_with_the_rule(
    verifier: RunningVerifier, wallet: ForeignWallet, rule: str
) -> None:
    created = verifier.create(policy=None, policy_body={"vct": VCT, "rules": [rule]})
    result = assert_refused(verifier, created, submit(wallet, created["link"]), "RuleFailed")
    assert rule in result["reason"]["description"]


def test_a_credential_older_than_the_policy_allows_is_refused(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    body = {"vct": VCT, "rules": ["kyc_level >= 2"], "max_credential_age_days": 1}
    verifier.clock.now += 2 * 86400
    created = verifier.create(policy=None, policy_body=body)
    assert_refused(verifier, created, submit(wallet, created["link"]), "CredentialTooOld")


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]], threading.Event]]:
    app = Flask("receiver")
    received: list[dict[str, Any]] = []
    event = threading.Event()

    @app.post("/hook")
    def hook() -> Any:
        received.append(
            {
                "body": request.get_data(as_text=True),
                "sig": request.headers.get(SIGNATURE_HEADER),
                "key": request.headers.get(IDEMPOTENCY_HEADER),
            }
        )
        event.set()
        return "", 204

    with serve(app) as url:
        yield url + "/hook", received, event


def test_signed_webhook_on_completion(
    start_verifier: StartVerifier,
    wallet: ForeignWallet,
    receiver: tuple[str, list[dict[str, Any]], threading.Event],
) -> None:
    url, received, event = receiver
    verifier = start_verifier(WEBHOOK_URL=url, WEBHOOK_SECRET="whsec-test")
    wallet.x509_roots = [verifier.ca]
    created = verifier.create()
    assert submit(wallet, created["link"]).status == 200
    assert received == []  # queued: the web process sends no webhook, the worker does
    assert verifier.worker.tick_webhooks() == 1
    assert event.wait(10)
    (delivery,) = received
    assert json.loads(delivery["body"]) == {
        "id": created["id"],
        "status": "verified",
        "at": int(verifier.clock.now),
    }
    assert verify_webhook("whsec-test", delivery["sig"], delivery["body"], now=verifier.clock.now)
    assert not verify_webhook("other", delivery["sig"], delivery["body"], now=verifier.clock.now)
    assert delivery["key"] and created["id"] in delivery["key"]
    assert verifier.worker.tick_webhooks() == 0  # delivered once
    assert len(received) == 1


def test_redirect_uri_client_id_needs_the_development_setting(tmp_path: Path) -> None:
    with pytest.raises(MalformedInput, match="development only"):
        create_app({"DATA_DIR": str(tmp_path), "CLIENT_ID_PREFIX": "redirect_uri"})


def test_x509_client_id_needs_a_certificate_chain(tmp_path: Path) -> None:
    with pytest.raises(MalformedInput, match="CERT_CHAIN_PATH"):
        create_app({"DATA_DIR": str(tmp_path), "CLIENT_ID_PREFIX": "x509_hash"})


def test_a_bad_policies_file_stops_the_start(tmp_path: Path) -> None:
    policies = tmp_path / "policies.toml"
    policies.write_text('[policies.p]\nvct = "v"\nrules = ["kyc_level >>= 2"]\n')
    with pytest.raises(MalformedInput, match="cannot parse the rule"):
        create_app({"DATA_DIR": str(tmp_path), "POLICIES_PATH": str(policies)})
