"""A foreign wallet (``ssi/`` only) completes verifications over real HTTP against
the real verifier, with a real credential from the real issuer: both response
modes, with and without the address proof; the result is released to the
platform (API key) and to the browser session that started it (§14)."""

from __future__ import annotations

from typing import Any

import pytest

from ssi.encoding import b64url_decode, json_loads_object
from tests.verifier.conftest import REGISTRY, TOKEN, RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet


def test_verification_without_address_proof_direct_post_jwt(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    created = verifier.create("kyc")
    assert created["link"].startswith("openid4vp://?client_id=x509_hash%3A")
    assert "request_uri_method=post" in created["link"]
    assert created["same_device_link"].startswith("http://127.0.0.1:5002/authorize?client_id=")
    assert created["qr_svg"].startswith("<svg")
    request, response = wallet.complete(created["link"])
    assert request.transaction_data is None  # any conformant wallet can answer
    assert request.encrypted and request.wallet_nonce == wallet.wallet_nonce
    assert response.status == 200, response.text()
    assert "response_code=" in response.json()["redirect_uri"]
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
    store = verifier.app.extensions["store"]
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
