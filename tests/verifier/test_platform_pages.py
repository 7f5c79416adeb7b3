"""The platform's pages: the token page an investor sees, and the operator's
views (sign-in, verifications, investors and holders, mint and transfer of
the demo token on the in-process chain, audit log)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from eth_account import Account
from flask.testing import FlaskClient

from tests.verifier.conftest import RunningVerifier, StartVerifier
from tests.verifier.test_chain_e2e import CHAIN_CONFIG


@pytest.fixture
def platform(start_verifier: StartVerifier) -> RunningVerifier:
    return start_verifier(**CHAIN_CONFIG, OPERATOR_PASSWORD="operator-password")


def _csrf(client: FlaskClient, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def _operator(platform: RunningVerifier) -> tuple[FlaskClient, str]:
    client = platform.app.test_client()
    token = _csrf(client, "/operator/login")
    response = client.post(
        "/operator/login", data={"password": "operator-password", "csrf_token": token}
    )
    assert response.status_code == 302
    return client, _csrf(client, "/operator/investors")


def test_token_page_starts_a_verification_for_the_tokens_policy(platform: RunningVerifier) -> None:
    client = platform.app.test_client()
    page = client.get("/tokens/SP7").get_data(as_text=True)
    assert "Solar Plant 7 Revenue Token (SP7)" in page
    assert "Verify with your KYC wallet" in page and "kyc_level &gt;= 2" in page
    token = _csrf(client, "/tokens/SP7")
    started = client.post("/tokens/SP7/verify", data={"csrf_token": token})
    assert started.status_code == 302 and "/verifications/" in started.headers["Location"]
    shown = client.get(started.headers["Location"]).get_data(as_text=True)
    assert "openid4vp://" in shown and 'data-testid="whitelisting"' in shown


def test_unknown_token_is_a_readable_404(platform: RunningVerifier) -> None:
    response = platform.app.test_client().get("/tokens/NOPE", headers={"Accept": "text/html"})
    assert response.status_code == 404 and "no token NOPE" in response.get_data(as_text=True)


def test_operator_pages_need_sign_in_and_refuse_a_wrong_password(platform: RunningVerifier) -> None:
    client = platform.app.test_client()
    assert client.get("/operator/investors").headers["Location"].startswith("/operator/login")
    token = _csrf(client, "/operator/login")
    response = client.post("/operator/login", data={"password": "guess", "csrf_token": token})
    assert response.status_code == 401


def test_operator_mints_and_transfers_the_demo_token(platform: RunningVerifier) -> None:
    client, token = _operator(platform)
    minted = client.post("/operator/tokens/SP7/mint", data={"amount": "500", "csrf_token": token})
    assert minted.status_code == 302
    page = client.get("/operator/investors").get_data(as_text=True)
    assert "Minted 500 SP7 to the treasury" in page and "500" in page
    stranger = Account.create().address
    refused = client.post(
        "/operator/tokens/SP7/transfer",
        data={"to": stranger, "amount": "5", "csrf_token": token},
        follow_redirects=True,
    )
    assert "Transfer refused by the token" in refused.get_data(as_text=True)


def test_bad_recipient_and_amount_are_400(platform: RunningVerifier) -> None:
    client, token = _operator(platform)
    bad: list[dict[str, Any]] = [
        {"to": "0xabc", "amount": "5"},
        {"to": Account.create().address.lower(), "amount": "5"},  # no EIP-55 checksum
        {"to": Account.create().address, "amount": "-1"},
        {"to": Account.create().address, "amount": "lots"},
    ]
    for form in bad:
        response = client.post("/operator/tokens/SP7/transfer", data={**form, "csrf_token": token})
        assert response.status_code == 400, form


def test_mint_without_csrf_token_is_refused(platform: RunningVerifier) -> None:
    client, _ = _operator(platform)
    response = client.post("/operator/tokens/SP7/mint", data={"amount": "5"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


def test_operator_sees_verifications_and_the_audit_log(platform: RunningVerifier) -> None:
    platform.create("sp7")
    client, _ = _operator(platform)
    assert "sp7" in client.get("/operator/").get_data(as_text=True)
    assert "Audit log" in client.get("/operator/audit").get_data(as_text=True)
