"""A foreign wallet (``ssi/`` only) completes verifications over real HTTP against
the real verifier, with a real credential from the real issuer: both response
modes, with and without the address proof; the result is released to the
platform (API key) and to the browser session that started it (§14). A junk
response consumes nothing (issue 19 item 7); an error response is an
unconfirmed report, with one webhook, and a later valid response still wins
(issue 18 item 6)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jwcrypto import jwe, jwk

from ssi.encoding import b64url_decode, json_loads_object
from ssi.oid4vp import AuthorizationResponse
from tests.verifier.conftest import BOTH_ENGINES, REGISTRY, TOKEN, RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet
from tests.verifier.sql import sql_of

pytestmark = BOTH_ENGINES  # storage and protocol: SQLite and PostgreSQL


def test_verification_without_address_proof_direct_post_jwt(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    created = verifier.create("kyc")
    assert created["link"].startswith("openid4vp://?client_id=x509_hash%3A")
    assert "request_uri_method=post" in created["link"]
    assert created["same_device_link"].startswith("http://127.0.0.1:5002/authorize?client_id=")
    assert "qr_svg" not in created  # drawn on demand (issue 22): test_qr_on_demand.py
    assert created["qr_uri"].endswith(f"/api/v1/verifications/{created['id']}/qr.svg")
    request, response = wallet.complete(created["link"])
    assert request.transaction_data is None  # any conformant wallet can answer
    assert request.encrypted and request.wallet_nonce == wallet.wallet_nonce
    assert response.status == 200, response.text()
    assert response.json() == {}  # the QR code's flow: nobody to redirect (§8.2)
    result = verifier.result(created["id"])
    assert result["status"] == "verified", result
    assert result["claims"]["kyc_level"] == 2
    assert result["claims"]["address.country"] == "DE"
    assert "given_name" not in result["claims"] and "birthdate" not in result["claims"]


def test_verification_with_address_proof_records_one_intent(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    created = verifier.create("solar7")
    request, response = wallet.complete(created["link"])
    assert request.transaction_data is not None
    assert response.status == 200, response.text()
    result = verifier.result(created["id"])
    assert result["status"] == "verified" and result["address"] == INVESTOR.address
    again = verifier.create("solar7")
    assert wallet.complete(again["link"])[1].status == 200
    store = sql_of(verifier.app)
    rows = store.all("SELECT * FROM intents")
    assert len(rows) == 1
    (row,) = rows
    assert (row["chain"], row["registry"], row["token"]) == ("eip155:31337", REGISTRY, TOKEN)
    assert row["address"] == INVESTOR.address and row["verification_id"] == again["id"]
    assert row["country"] == "DE"


@pytest.mark.parametrize("policy", ["kyc", "solar7"])
def test_verification_direct_post(
    start_verifier: StartVerifier, wallet: ForeignWallet, policy: str
) -> None:
    verifier = start_verifier(RESPONSE_MODE="direct_post")
    wallet.x509_roots = [verifier.ca]
    created = verifier.create(policy)
    request, response = wallet.complete(created["link"])
    assert not request.encrypted and request.client_metadata is not None
    assert response.status == 200, response.text()
    assert verifier.result(created["id"])["status"] == "verified"


def test_the_request_object_is_signed_with_the_x5c_chain(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    created = verifier.create("kyc")
    token = verifier.fetch.get(created["request_uri"]).text()
    header: dict[str, Any] = json_loads_object(b64url_decode(token.split(".")[0], "h"), "h")
    assert header["typ"] == "oauth-authz-req+jwt" and header["alg"] == "ES256"
    assert len(header["x5c"]) == 1


def test_session_secret_reads_the_result_and_the_id_alone_does_not(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    created = verifier.create("kyc")
    status_url = f"{verifier.url}/verifications/{created['id']}/status"
    bare = verifier.fetch.get(status_url, accept="application/json", raise_for_status=False)
    assert bare.status == 403 and bare.json()["error"] == "access_denied"
    wallet.complete(created["link"])
    mine = verifier.fetch.get(
        status_url,
        headers={"X-Session-Secret": created["session_secret"], "Accept": "application/json"},
    )
    assert mine.json()["status"] == "verified"


def test_the_same_device_answer_carries_the_redirect_uri_with_a_response_code(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    created = verifier.create("kyc")
    _, response = wallet.complete(created["same_device_link"])
    assert response.status == 200, response.text()
    redirect_uri = response.json()["redirect_uri"]
    assert redirect_uri.startswith(f"{verifier.url}/verifications/{created['id']}/done?")
    assert "response_code=" in redirect_uri


def _junk(wallet: ForeignWallet, created: dict[str, Any]) -> Any:
    request = wallet.fetch_request(created["link"]).request
    junk = AuthorizationResponse({"kyc": ["not-an-sd-jwt~"]}, request.state)
    return wallet.post(request, wallet.form(request, junk))


@pytest.mark.parametrize("mode", ["direct_post.jwt", "direct_post"])
def test_junk_vp_token_does_not_consume_the_verification(
    start_verifier: StartVerifier, wallet: ForeignWallet, mode: str
) -> None:
    """Issue 19 item 7: anyone who sees the QR code can post junk first; it fails
    before a holder signature is verified, so the verification stays pending and
    the investor's valid response still wins."""
    verifier = start_verifier(RESPONSE_MODE=mode)
    wallet.x509_roots = [verifier.ca]
    created = verifier.create("kyc")
    junk = _junk(wallet, created)
    assert junk.status == 400 and junk.json()["error"] == "invalid_request"
    assert verifier.result(created["id"])["status"] == "pending"
    _, response = wallet.complete(created["link"])
    assert response.status == 200, response.text()
    assert verifier.result(created["id"])["status"] == "verified"


def test_a_response_failing_after_the_holder_binding_consumes_the_verification(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """Issue 19 item 7: the holder signed for this transaction, the query is not
    satisfied: that is the verdict, and a second answer is a replay."""
    created = verifier.create("kyc")
    request = wallet.fetch_request(created["link"]).request
    withheld = wallet.present(request, paths=[("kyc_level",)])
    refused = wallet.post(request, wallet.form(request, wallet.response(request, withheld)))
    assert refused.status == 400
    assert refused.json()["error_description"].startswith("QueryNotSatisfied:")
    assert verifier.result(created["id"])["status"] == "refused"
    again = wallet.post(request, wallet.form(request, wallet.response(request)))
    assert again.status == 400 and "already answered" in again.json()["error_description"]


def test_an_error_response_is_an_unconfirmed_report_and_a_valid_response_still_wins(
    start_verifier: StartVerifier, wallet: ForeignWallet
) -> None:
    """Issue 18 item 6: ``access_denied`` (§8.5) is recorded as ``last_wallet_error``
    with one webhook however often it comes; the verification stays answerable."""
    verifier = start_verifier(WEBHOOK_URL="http://127.0.0.1:9/hook", WEBHOOK_SECRET="s" * 32)
    wallet.x509_roots = [verifier.ca]
    created = verifier.create("kyc")
    request = wallet.fetch_request(created["link"]).request
    for _ in range(3):  # anyone who saw the request can send it, as often as they like
        answer = wallet.post(request, {"error": "access_denied", "state": request.state or ""})
        assert answer.status == 200 and answer.json() == {}
    result = verifier.result(created["id"])
    assert result["status"] == "pending"
    assert result["last_wallet_error"] == {
        "error": "access_denied",
        "description": "the wallet reported that the investor declined; not authenticated",
        "at": int(verifier.clock.now),
    }
    store = sql_of(verifier.app)
    bodies = [json.loads(r["body"]) for r in store.all("SELECT body FROM webhooks ORDER BY id")]
    assert bodies == [
        {
            "id": created["id"],
            "status": "pending",
            "last_wallet_error": "access_denied",
            "at": int(verifier.clock.now),
        }
    ]
    _, response = wallet.complete(created["link"])
    assert response.status == 200, response.text()
    assert verifier.result(created["id"])["status"] == "verified"
    bodies = [json.loads(r["body"]) for r in store.all("SELECT body FROM webhooks ORDER BY id")]
    assert [b["status"] for b in bodies] == ["pending", "verified"]


def test_an_error_response_with_an_unknown_code_is_refused_and_recorded_nowhere(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    created = verifier.create("kyc")
    request = wallet.fetch_request(created["link"]).request
    answer = wallet.post(request, {"error": "x" * 300, "state": request.state or ""})
    assert answer.status == 400 and answer.json()["error"] == "invalid_request"
    assert "last_wallet_error" not in verifier.result(created["id"])


def test_an_encrypted_error_response_is_an_unconfirmed_report_too(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """A wallet may encrypt its error response to the request's key (the key is in
    the request object, so that authenticates nothing either)."""
    created = verifier.create("kyc")
    request = wallet.fetch_request(created["link"]).request
    assert request.client_metadata is not None
    public = request.client_metadata.encryption_jwk()
    header = {"alg": "ECDH-ES", "enc": "A128GCM", "kid": public["kid"]}
    token = jwe.JWE(
        json.dumps({"error": "access_denied", "state": request.state}).encode(),
        protected=json.dumps(header),
    )
    token.add_recipient(jwk.JWK(**{k: public[k] for k in ("kty", "crv", "x", "y")}))
    answer = wallet.post(request, {"response": token.serialize(compact=True)})
    assert answer.status == 200 and answer.json() == {}
    result = verifier.result(created["id"])
    assert result["status"] == "pending"
    assert result["last_wallet_error"]["error"] == "access_denied"
    _, response = wallet.complete(created["link"])
    assert response.status == 200 and verifier.result(created["id"])["status"] == "verified"
