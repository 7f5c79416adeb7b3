"""The KYC provider's side: operator UI (sign-in, CSRF, escaping), the REST API
(API keys, validation that changes nothing), metadata documents, audit log."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from issuer.app import create_app
from tests.support import API_KEY, APPLICANT, Clock

AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture
def app(tmp_path: Path) -> Flask:
    return create_app(
        {
            "DATA_DIR": str(tmp_path / "issuer"),
            "API_KEYS": [f"vendor:{API_KEY}"],
            "OPERATOR_PASSWORD": "operator-password",
            "ISSUER_URL": "https://kyc.example",
            "ISSUER_NAME": "Example KYC",  # required once the URL is not loopback
            "RATE_LIMIT_TOKEN": "3 per minute",
        },
        clock=Clock(),
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _sign_in(client: FlaskClient) -> None:
    token = _csrf(client, "/operator/login")
    response = client.post(
        "/operator/login", data={"password": "operator-password", "csrf_token": token}
    )
    assert response.status_code == 302


def _body(response: Any) -> Any:
    return response.get_json()


def _rows(app: Flask, table: str) -> list[Any]:
    path = Path(app.config["DATA_DIR"]) / "issuer.sqlite"
    return sqlite3.connect(path).execute(f"SELECT * FROM {table}").fetchall()


# --- operator UI --------------------------------------------------------------------


def test_operator_pages_need_sign_in(client: FlaskClient) -> None:
    response = client.get("/operator/")
    assert response.status_code == 302 and "/operator/login" in response.headers["Location"]


def test_wrong_operator_password_refused(client: FlaskClient) -> None:
    token = _csrf(client, "/operator/login")
    response = client.post("/operator/login", data={"password": "guess", "csrf_token": token})
    assert response.status_code == 401
    assert client.get("/operator/").status_code == 302


def test_operator_records_approves_and_revokes(client: FlaskClient, app: Flask) -> None:
    _sign_in(client)
    token = _csrf(client, "/operator/applicants/new")
    form = {**APPLICANT, "nationalities": "DE, FR", "pep": "on", "csrf_token": token}
    response = client.post("/operator/applicants/new", data=form)
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Erika" in detail
    applicant_id = response.headers["Location"].rsplit("/", 1)[1]
    offer_page = client.post(
        f"/operator/applicants/{applicant_id}/offer", data={"csrf_token": token}
    ).get_data(as_text=True)
    assert "<svg" in offer_page
    pin = re.search(r'data-testid="pin">(\d+)<', offer_page)
    assert pin and len(pin.group(1)) == 6
    assert "openid-credential-offer://?credential_offer_uri=" in offer_page
    actions = [r[3] for r in _rows(app, "audit_log")]
    assert actions == ["applicant.recorded", "offer.created"]


def test_state_changing_form_without_csrf_token_refused(client: FlaskClient, app: Flask) -> None:
    _sign_in(client)
    response = client.post("/operator/applicants/new", data=dict(APPLICANT))
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert _rows(app, "applicants") == []


def test_login_form_without_csrf_token_refused(client: FlaskClient) -> None:
    response = client.post("/operator/login", data={"password": "operator-password"})
    assert response.status_code == 400


def test_claims_are_rendered_escaped(client: FlaskClient) -> None:
    _sign_in(client)
    token = _csrf(client, "/operator/applicants/new")
    hostile = "<img src=x onerror=alert(1)>"
    form = {**APPLICANT, "given_name": hostile, "csrf_token": token}
    response = client.post("/operator/applicants/new", data=form)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert hostile not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_pages_carry_a_csp_without_inline_scripts(client: FlaskClient) -> None:
    response = client.get("/operator/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "<script>" not in response.get_data(as_text=True)


# --- REST API -------------------------------------------------------------------------


def test_api_without_key_refused(client: FlaskClient, app: Flask) -> None:
    response = client.post("/api/v1/offers", json={"applicant": APPLICANT})
    assert response.status_code == 401 and _body(response) == {
        "error": "invalid_client",
        "error_description": "send the API key as 'Authorization: Bearer <key>'",
    }
    assert _rows(app, "applicants") == []


def test_api_with_unknown_key_refused(client: FlaskClient) -> None:
    response = client.get("/api/v1/credentials", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401 and _body(response)["error"] == "invalid_client"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kyc_level": 7}, "kyc_level"),
        ({"country": "Germany"}, "country"),
        ({"birthdate": "12.08.1990"}, "birthdate"),
        ({"given_name": ""}, "given_name"),
        ({"investor_classification": "whale"}, "investor_classification"),
        ({"nationalities": []}, "nationalities"),
    ],
)
def test_api_bad_applicant_is_400_and_stores_nothing(
    client: FlaskClient, app: Flask, change: dict[str, Any], message: str
) -> None:
    response = client.post(
        "/api/v1/offers", json={"applicant": {**APPLICANT, **change}}, headers=AUTH
    )
    assert response.status_code == 400
    assert _body(response)["error"] == "invalid_request"
    assert message in _body(response)["error_description"]
    assert _rows(app, "applicants") == [] and _rows(app, "audit_log") == []


def test_api_non_json_body_is_400(client: FlaskClient) -> None:
    response = client.post("/api/v1/offers", data="x", headers=AUTH)
    assert response.status_code == 400 and _body(response)["error"] == "invalid_request"


def test_api_unknown_credential_is_404(client: FlaskClient) -> None:
    response = client.post("/api/v1/credentials/nope/revoke", headers=AUTH)
    assert response.status_code == 404 and _body(response)["error"] == "not_found"


def test_api_unknown_action_is_400(client: FlaskClient) -> None:
    response = client.post("/api/v1/credentials/nope/delete", headers=AUTH)
    assert response.status_code == 400


def test_openapi_document_lists_the_routes(client: FlaskClient) -> None:
    doc = _body(client.get("/api/v1/openapi.json"))
    assert doc["openapi"].startswith("3.")
    assert set(doc["paths"]) == {
        "/api/v1/offers",
        "/api/v1/offers/{id}/qr.svg",
        "/api/v1/credentials",
        "/api/v1/credentials/{id}/{action}",
        "/api/v1/issuances",
        "/api/v1/issuances/{id}",
        "/api/v1/issuances/{id}/{action}",
    }


def test_audit_log_is_append_only(client: FlaskClient, app: Flask) -> None:
    client.post("/api/v1/offers", json={"applicant": APPLICANT}, headers=AUTH)
    path = Path(app.config["DATA_DIR"]) / "issuer.sqlite"
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE audit_log SET actor = 'someone else'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM audit_log")


def test_secrets_are_stored_only_as_hashes(client: FlaskClient, app: Flask) -> None:
    offer = client.post("/api/v1/offers", json={"applicant": APPLICANT}, headers=AUTH).get_json()
    code = offer["credential_offer"]["grants"][
        "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    ]["pre-authorized_code"]
    database = (Path(app.config["DATA_DIR"]) / "issuer.sqlite").read_bytes()
    wal = Path(app.config["DATA_DIR"]) / "issuer.sqlite-wal"
    content = database + (wal.read_bytes() if wal.exists() else b"")
    assert code.encode() not in content


# --- published metadata ------------------------------------------------------------------


def test_metadata_documents(client: FlaskClient) -> None:
    meta = _body(client.get("/.well-known/openid-credential-issuer"))
    assert meta["credential_issuer"] == "https://kyc.example"
    assert meta["nonce_endpoint"] == "https://kyc.example/nonce"
    config = meta["credential_configurations_supported"]["kyc_sd_jwt_vc"]
    assert config["format"] == "dc+sd-jwt" and config["vct"] == "urn:kyc-wallet:vct:kyc:1"
    paths = [c["path"] for c in config["credential_metadata"]["claims"]]
    assert ["age_equal_or_over", "18"] in paths and ["address", "country"] in paths
    server = _body(client.get("/.well-known/oauth-authorization-server"))
    assert server["pre-authorized_grant_anonymous_access_supported"] is True
    jwt_vc = _body(client.get("/.well-known/jwt-vc-issuer"))
    assert jwt_vc["issuer"] == "https://kyc.example" and len(jwt_vc["jwks"]["keys"]) == 1
    assert "d" not in jwt_vc["jwks"]["keys"][0]
    did = _body(client.get("/.well-known/did.json"))
    assert did["id"] == "did:web:kyc.example"
    vct = _body(client.get("/vct/kyc"))
    assert all(c["sd"] == "always" for c in vct["claims"])


def test_issuer_key_file_is_private(app: Flask) -> None:
    mode = (Path(app.config["DATA_DIR"]) / "issuer_key.pem").stat().st_mode & 0o777
    assert mode == 0o600


def test_token_endpoint_is_rate_limited(client: FlaskClient) -> None:
    statuses = [
        client.post(
            "/token",
            data={
                "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
                "pre-authorized_code": "x",
                "tx_code": "1",
            },
        ).status_code
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]


def test_unknown_status_list_is_404_json(client: FlaskClient) -> None:
    response = client.get("/statuslists/nope")
    assert response.status_code == 404 and _body(response)["error"] == "not_found"
