"""The issuer's offer API draws no QR code unless asked (``?qr=svg``); its
``qr_uri`` draws the QR code of an open offer on request (issue 22: drawing
costs tens of milliseconds that most API clients, which show their own QR
code or send the link, do not need)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from issuer.app import create_app
from kyc_wallet.web.qr import qr_svg
from tests.support import API_KEY, APPLICANT, Clock

AUTH = {"Authorization": f"Bearer {API_KEY}"}
URL = "https://kyc.example"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(tmp_path: Path, clock: Clock) -> Flask:
    return create_app(
        {
            "DATA_DIR": str(tmp_path / "issuer"),
            "API_KEYS": [f"vendor:{API_KEY}"],
            "OPERATOR_PASSWORD": "operator-password",
            "ISSUER_URL": URL,
            "ISSUER_NAME": "Example KYC",
        },
        clock=clock,
    )


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def _issuances(client: FlaskClient) -> int:
    return len(client.get("/api/v1/issuances", headers=AUTH).get_json()["issuances"])


def test_offer_qr_on_demand_creating_an_offer_draws_no_qr_code(client: FlaskClient) -> None:
    drawn = qr_svg.cache_info().misses + qr_svg.cache_info().hits
    response = client.post("/api/v1/offers", json={"applicant": APPLICANT}, headers=AUTH)
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert "qr_svg" not in created
    assert created["qr_uri"] == f"{URL}/api/v1/offers/{created['offer_id']}/qr.svg"
    assert qr_svg.cache_info().misses + qr_svg.cache_info().hits == drawn


def test_offer_qr_on_demand_qr_uri_serves_the_qr_code_of_the_link(client: FlaskClient) -> None:
    created = client.post("/api/v1/offers", json={"applicant": APPLICANT}, headers=AUTH).get_json()
    path = created["qr_uri"].removeprefix(URL)
    anonymous = client.get(path)
    assert anonymous.status_code == 401
    answer = client.get(path, headers=AUTH)
    assert answer.status_code == 200
    assert answer.mimetype == "image/svg+xml"
    assert answer.get_data(as_text=True) == qr_svg(created["link"])
    assert "no-store" in answer.headers["Cache-Control"]


def test_offer_qr_on_demand_with_qr_svg_in_the_answer(client: FlaskClient) -> None:
    response = client.post("/api/v1/offers?qr=svg", json={"applicant": APPLICANT}, headers=AUTH)
    assert response.status_code == 201
    created = response.get_json()
    assert created["qr_svg"] == qr_svg(created["link"])
    assert created["qr_svg"].startswith("<svg")


@pytest.mark.parametrize("query", ["qr=png", "qr=svg&qr=svg", "other=1"])
def test_offer_qr_on_demand_other_queries_refused_and_nothing_recorded(
    client: FlaskClient, query: str
) -> None:
    before = _issuances(client)
    response = client.post(f"/api/v1/offers?{query}", json={"applicant": APPLICANT}, headers=AUTH)
    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"
    assert _issuances(client) == before


def test_offer_qr_on_demand_no_qr_code_for_an_unknown_or_expired_offer(
    client: FlaskClient, clock: Clock
) -> None:
    assert client.get("/api/v1/offers/no-such-offer/qr.svg", headers=AUTH).status_code == 404
    created = client.post("/api/v1/offers", json={"applicant": APPLICANT}, headers=AUTH).get_json()
    clock.now = created["expires_at"] + 1
    expired = client.get(created["qr_uri"].removeprefix(URL), headers=AUTH)
    assert expired.status_code == 404
    assert expired.mimetype == "application/json"
