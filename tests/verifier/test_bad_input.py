"""Every endpoint answers bad input with a 4xx and an ``{"error", "error_description"}``
body, never a 500 (schemathesis-ready), and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.verifier.conftest import API_KEY, TOKEN_TARGET, VCT, RunningVerifier

AUTH = {"Authorization": f"Bearer {API_KEY}"}
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def client(verifier: RunningVerifier) -> FlaskClient:
    verifier.app.config["VERIFIER_URL"] = verifier.url
    return verifier.app.test_client()


def assert_error(response: Any, status: int | None = None) -> dict[str, Any]:
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    if status is not None:
        assert response.status_code == status, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    assert isinstance(body["error"], str) and isinstance(body["error_description"], str)
    return body


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (None, 400),
        ([], 400),
        ({}, 400),
        ({"policy": "nope"}, 400),
        ({"policy": 7}, 400),
        ({"policy": "kyc", "policy_body": {"vct": VCT}}, 400),
        ({"policy_body": "kyc"}, 400),
        ({"policy_body": {"vct": 1}}, 400),
        ({"policy_body": {"vct": VCT, "rules": ["kyc_level >>= 2"]}}, 400),
        ({"policy_body": {"vct": VCT, "rules": ["kyc_level in 2"]}}, 400),
        ({"policy_body": {"vct": VCT, "rules": [3]}}, 400),
        ({"policy_body": {"vct": VCT, "claims": [[]]}}, 400),
        ({"policy_body": {"vct": VCT, "address_proof": True}}, 400),
        ({"policy_body": {"vct": VCT, "dcql": {"credentials": []}}}, 400),
        ({"policy_body": {"vct": VCT, "max_credential_age_days": -1}}, 400),
        ({"policy": "solar7", "token": {"chain_id": "eip155:1"}}, 400),
        (
            {"policy": "solar7", "token": {**TOKEN_TARGET, "token": TOKEN_TARGET["token"].lower()}},
            400,
        ),
        ({"policy": "solar7", "token": {**TOKEN_TARGET, "chain_id": "cosmos:1"}}, 400),
        ({"policy": "kyc", "redirect_uri": "javascript:alert(1)"}, 400),
        ({"policy": "kyc", "redirect_uri": "http://evil.example/cb"}, 400),
        ({"policy": "kyc", "redirect_uri": 5}, 400),
    ],
)
def test_post_verification_refuses_bad_bodies(client: FlaskClient, body: Any, status: int) -> None:
    assert_error(client.post("/api/v1/verifications", json=body, headers=AUTH), status)


def test_post_verification_refuses_non_json(client: FlaskClient) -> None:
    response = client.post("/api/v1/verifications", data="policy=kyc", headers=AUTH)
    assert_error(response, 400)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic " + API_KEY}],
    ids=["none", "unknown", "basic"],
)
def test_api_without_a_valid_key(client: FlaskClient, headers: dict[str, str]) -> None:
    assert_error(client.post("/api/v1/verifications", json={"policy": "kyc"}, headers=headers), 401)
    assert_error(client.get("/api/v1/verifications/x", headers=headers), 401)


def test_get_unknown_verification(client: FlaskClient) -> None:
    assert_error(client.get("/api/v1/verifications/nope", headers=AUTH), 404)


def test_get_verification_with_a_wrong_response_code(
    client: FlaskClient, verifier: RunningVerifier
) -> None:
    created = verifier.create()
    url = f"/api/v1/verifications/{created['id']}?response_code=guess"
    assert_error(client.get(url, headers=AUTH), 403)


def test_request_object_endpoint_bad_input(client: FlaskClient, verifier: RunningVerifier) -> None:
    assert_error(client.get("/oid4vp/request/nope"), 400)
    assert_error(
        client.post("/oid4vp/request/nope", data="wallet_nonce=abc", content_type=FORM), 400
    )
    tx = verifier.create()["id"]
    path = f"/oid4vp/request/{tx}"
    assert_error(client.post(path, data="wallet_nonce=a b<", content_type=FORM), 400)
    assert_error(client.post(path, data="wallet_nonce=a&wallet_nonce=b", content_type=FORM), 400)
    assert_error(client.post(path, data="wallet_metadata=[1", content_type=FORM), 400)
    assert_error(client.post(path, data="{}", content_type="application/json"), 400)


@pytest.mark.parametrize(
    "body",
    [
        "",
        "vp_token",
        "state=x",
        "state=x&state=y",
        "response=abc",
        "response=a.b.c.d.e",
        "response=eyJhbGciOiJub25lIn0.a.b.c.d",
        "response=eyJraWQiOiJub3BlIn0..a.b.c",
        "vp_token=%7B%7D&state=unknown",
        "vp_token=notjson&state=unknown",
        "vp_token=%5B%5D&state=unknown",
        "error=access_denied",
        "%ZZ=1",
    ],
)
def test_response_endpoint_bad_forms(client: FlaskClient, body: str) -> None:
    assert_error(client.post("/oid4vp/response", data=body, content_type=FORM))


def test_response_endpoint_refuses_json(client: FlaskClient) -> None:
    assert_error(client.post("/oid4vp/response", json={"vp_token": {}}), 400)


def test_response_endpoint_refuses_a_huge_body(client: FlaskClient) -> None:
    body = "vp_token=" + "a" * 1_200_000
    assert_error(client.post("/oid4vp/response", data=body, content_type=FORM), 413)


def test_page_endpoints_bad_input(client: FlaskClient, verifier: RunningVerifier) -> None:
    json_accept = {"Accept": "application/json"}
    assert_error(client.get("/verifications/nope/status", headers=json_accept), 404)
    tx = verifier.create()["id"]
    assert_error(client.get(f"/verifications/{tx}/status", headers=json_accept), 403)
    assert_error(client.get(f"/verifications/{tx}/done", headers=json_accept), 403)
    assert_error(client.post("/start", data={"policy": "kyc"}, headers=json_accept), 400)
    assert_error(client.get("/.well-known/did.json"), 400)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.dictionaries(
        st.sampled_from(["vp_token", "state", "response", "error", "address_proof", "x"]),
        st.text(max_size=80),
        max_size=4,
    )
)
def test_response_endpoint_never_answers_500(client: FlaskClient, form: dict[str, str]) -> None:
    assert_error(client.post("/oid4vp/response", data=form, content_type=FORM))
