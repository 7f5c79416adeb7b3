"""Issue 20 items 2 and 7, the platform's side, with Flask's test client: the
investor's pages speak plain words (the outcome with the shortened address,
the whitelisting's progress, a refusal's reason with its code in small print)
and show no raw claims or transactions, which the operator's verification page
shows; the operator runs the compliance check from the Investors page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import RunningIssuer
from tests.verifier.conftest import RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet, issue_credential
from tests.verifier.test_chain_e2e import ADDRESS, CHAIN_CONFIG, _receive, _wallet
from tests.verifier.test_pages import (
    JSON,
    browser,
    operator_client,
    qr_link,
    same_device_link,
    start,
)
from tests.verifier.test_with_our_wallet import present
from verifier.pages import SESSION_HEADER

SHORT = f"{INVESTOR.address[:6]}…{INVESTOR.address[-4:]}"


@pytest.fixture
def verifier(start_verifier: StartVerifier) -> RunningVerifier:
    return start_verifier(OPERATOR_PASSWORD="operator-password")


def _landing(verifier: RunningVerifier, wallet: ForeignWallet, policy: str) -> tuple[str, str]:
    """Answer with the same-device link; the landing page's path and its HTML."""
    client = browser(verifier)
    tx_id, page = start(client, policy)
    _, response = wallet.complete(same_device_link(page))
    assert response.status == 200, response.text()
    path = response.json()["redirect_uri"][len(verifier.url) :]
    landing = client.get(path)
    assert landing.status_code == 200
    return tx_id, landing.get_data(as_text=True)


def test_same_device_success_names_the_short_address_and_shows_no_claims(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    tx_id, page = _landing(verifier, wallet, "solar7")
    # no chain sends here: the address waits to be added (the token named as the policy does)
    assert (
        f"Verified: your address {SHORT} can hold Solar Plant 7 as soon as it is added on chain"
        in page
    )
    assert "Waiting to be added to the list of verified investors" in page
    assert re.search(r'role="status" aria-live="polite"', page)
    for raw in ("kyc_level", "address.country", "investor_classification", INVESTOR.address):
        assert raw not in page, raw
    assert "register" not in page and not re.search(r"0x[0-9a-fA-F]{64}", page)  # no tx hash
    assert ">Operator<" not in page  # the investor's pages do not offer the operator's
    # the operator sees what the investor no longer does
    detail = operator_client(verifier).get(f"/operator/verifications/{tx_id}")
    text = detail.get_data(as_text=True)
    assert detail.status_code == 200 and INVESTOR.address in text and "kyc_level" in text


def test_refusal_names_the_failed_rule_in_words_on_the_operators_page(
    issuer: RunningIssuer, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """A same-device refusal is a processed response: 200 with the ``redirect_uri``
    (OpenID4VP 1.0 §8.2), so the investor lands on the platform's page, which says
    "Not verified" and which condition failed in plain words, with the code in
    small print; the operator's page also has the rule and the description."""
    wallet.credential = issue_credential(issuer, wallet.holder, country="KP")
    wallet.__dict__.pop("held", None)
    tx_id, page = _landing(verifier, wallet, "kyc")
    assert "Not verified" in page
    # the investor is told which condition failed (this page is theirs: the response_code)
    assert "This token is not available to residents of your country" in page, page
    assert re.search(r'class="support-code"[^\n]*RuleFailed', page), page
    assert "address.country" not in page  # no claim paths on the investor's pages
    detail = operator_client(verifier).get(f"/operator/verifications/{tx_id}")
    text = detail.get_data(as_text=True)
    assert "This token is not available to residents of your country" in text
    assert "RuleFailed: rule" in text and "address.country" in text


def test_cross_device_refusal_says_the_codes_sentence_on_the_qr_page(
    issuer: RunningIssuer, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """The page that showed the QR code learns the outcome and the code's sentence, not
    the refusal's description (which rule failed stays on the operator's page)."""
    wallet.credential = issue_credential(issuer, wallet.holder, country="KP")
    wallet.__dict__.pop("held", None)
    client = browser(verifier)
    tx_id, page = start(client, "kyc")
    assert re.search(r'id="outcome" role="status" aria-live="polite"', page)
    assert "Waiting for your wallet to answer" in page
    _, response = wallet.complete(qr_link(page))
    assert response.status == 400  # the wallet is told too
    result = client.get(f"/verifications/{tx_id}/status", headers=JSON).get_json()
    assert result["status"] == "refused"
    assert result["messages"] == {
        "headline": "Not verified",
        "whitelisting": None,
        "reason": "Your credential does not meet this token's conditions",
        "reason_code": "RuleFailed",
    }
    shown = client.get(f"/verifications/{tx_id}").get_data(as_text=True)
    assert 'id="request" class="grid" hidden' in shown  # the QR code is hidden once answered


def test_cross_device_success_on_the_qr_page(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    client = browser(verifier)
    tx_id, page = start(client, "solar7")
    wallet.complete(qr_link(page))
    result = client.get(f"/verifications/{tx_id}/status", headers=JSON).get_json()
    assert result["address"] == SHORT and result["whitelisting"] == {"state": "recorded"}
    assert result["messages"]["headline"] == (
        f"Verified: your address {SHORT} can hold Solar Plant 7 as soon as it is added on chain"
    )
    assert "transactions" not in str(result) and "claims" not in result


def test_operator_verification_page_needs_sign_in(verifier: RunningVerifier) -> None:
    response = verifier.app.test_client().get("/operator/verifications/nope")
    assert response.status_code == 302 and "/operator/login" in response.headers["Location"]
    missing = operator_client(verifier).get(
        "/operator/verifications/nope", headers={"Accept": "text/html"}
    )
    assert missing.status_code == 404


def test_run_the_compliance_check_now_removes_a_revoked_investor(
    issuer: RunningIssuer, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    _landing(verifier, wallet, "solar7")
    operator = operator_client(verifier)
    page = operator.get("/operator/investors").get_data(as_text=True)
    assert "Run the compliance check now" in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    # without the CSRF token: refused, nothing checked
    assert operator.post("/operator/investors/check").status_code == 400
    for entry in issuer.api("GET", "/api/v1/credentials").json()["credentials"]:
        issuer.api("POST", f"/api/v1/credentials/{entry['id']}/revoke")
    response = operator.post(
        "/operator/investors/check", data={"csrf_token": token.group(1)}, follow_redirects=True
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and "Checked 1 investor: 1 removed." in text
    looked_up = verifier.api("GET", f"/api/v1/addresses/{INVESTOR.address}").json()
    assert [t["whitelisted"] for t in looked_up["tokens"]] == [False], looked_up
    again = operator.post("/operator/investors/check", data={"csrf_token": token.group(1)})
    assert again.status_code == 303
    assert "Checked 0 investors: 0 removed." in operator.get("/operator/investors").get_data(
        as_text=True
    )


def test_on_chain_the_investor_reads_can_now_hold_and_the_operator_sees_the_transactions(
    tmp_path: Path, issuer: RunningIssuer, start_verifier: StartVerifier
) -> None:
    verifier = start_verifier(**CHAIN_CONFIG)
    client, token = _wallet(tmp_path, issuer, verifier)
    _receive(client, token, issuer)
    created = verifier.create("sp7")
    present(client, token, created["link"])  # the QR code's link: cross-device
    verifier.worker.tick_chain()
    page = verifier.app.test_client()
    status = page.get(
        f"/verifications/{created['id']}/status",
        headers={**JSON, SESSION_HEADER: created["session_secret"]},
    ).get_json()
    short = f"{ADDRESS[:6]}…{ADDRESS[-4:]}"
    assert status["messages"] == {
        "headline": f"Verified: your address {short} can now hold SP7",
        "whitelisting": "Added to the list of verified investors",
        "reason": None,
        "reason_code": None,
    }
    assert status["token"] == {"label": "SP7", "url": "/tokens/SP7"}
    assert not re.search(r"0x[0-9a-fA-F]{64}", str(status))  # no transaction hash
    detail = operator_client(verifier).get(f"/operator/verifications/{created['id']}")
    text = detail.get_data(as_text=True)
    hashes = [t["hash"] for t in verifier.result(created["id"])["whitelisting"]["transactions"]]
    assert len(hashes) == 3 and all(h in text for h in hashes)
    assert ADDRESS in text and "kyc_level" in text


def test_run_the_compliance_check_now_needs_the_operator(
    issuer: RunningIssuer, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """A visitor with a valid form token but not signed in is sent to the sign-in
    page and checks nothing: the revoked investor stays whitelisted."""
    _landing(verifier, wallet, "solar7")
    for entry in issuer.api("GET", "/api/v1/credentials").json()["credentials"]:
        issuer.api("POST", f"/api/v1/credentials/{entry['id']}/revoke")
    visitor = verifier.app.test_client()
    page = visitor.get("/operator/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = visitor.post("/operator/investors/check", data={"csrf_token": token.group(1)})
    assert response.status_code == 302 and "/operator/login" in response.headers["Location"]
    looked_up = verifier.api("GET", f"/api/v1/addresses/{INVESTOR.address}").json()
    assert [t["whitelisted"] for t in looked_up["tokens"]] == [True], looked_up
