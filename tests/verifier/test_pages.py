"""The verifier's own pages: QR code (with its verification code) and
same-device button, a status polled by a static script (CSP without inline
scripts), and OpenID4VP 1.0 §14 session binding: the result goes to the
browser session that started the request; a same-device answer's claims and
address only to its landing page with the ``response_code`` the wallet got
(the status endpoint says only done or refused, so a relayed same-device link
leaks nothing, issue 19 item 6); a cross-device answer's outcome and
shortened address to the page that showed the QR code."""

from __future__ import annotations

import html
import re

from flask.testing import FlaskClient

from ssi.oid4vp import spec
from tests.support import RunningIssuer
from tests.verifier.conftest import RunningVerifier
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet, issue_credential

JSON = {"Accept": "application/json"}


def browser(verifier: RunningVerifier) -> FlaskClient:
    verifier.app.config["VERIFIER_URL"] = verifier.url
    return verifier.app.test_client()


def start(client: FlaskClient, policy: str = "kyc") -> tuple[str, str]:
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token and 'value="solar7"' in page
    response = client.post("/start", data={"policy": policy, "csrf_token": token.group(1)})
    assert response.status_code == 302
    tx_id = response.headers["Location"].rsplit("/", 1)[-1]
    html = client.get(f"/verifications/{tx_id}").get_data(as_text=True)
    return tx_id, html


def test_page_shows_qr_and_same_device_button_without_inline_script(
    verifier: RunningVerifier,
) -> None:
    client = browser(verifier)
    tx_id, html = start(client)
    assert "<svg" in html and 'data-testid="same-device"' in html
    assert "http://127.0.0.1:5002/authorize?client_id=x509_hash%3A" in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="' in attrs and body.strip() == "" for attrs, body in scripts)
    response = client.get(f"/verifications/{tx_id}")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    with client.get("/verifier-static/verification.js") as script:
        assert script.status_code == 200 and b"data-status-url" in script.data


def qr_link(page: str) -> str:
    link = re.search(r'data-testid="request-link">([^<]+)<', page)
    assert link
    return html.unescape(link.group(1))


def same_device_link(page: str) -> str:
    link = re.search(r'href="([^"]+)" data-testid="same-device"', page)
    assert link
    return html.unescape(link.group(1))


def test_the_session_polls_its_cross_device_result(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """The QR code: the outcome, never the claims; no redirect_uri for the wallet."""
    client = browser(verifier)
    tx_id, page = start(client)
    assert (
        client.get(f"/verifications/{tx_id}/status", headers=JSON).get_json()["status"] == "pending"
    )
    request, response = wallet.complete(qr_link(page))
    assert response.status == 200 and response.json() == {}  # §8.2: no redirect_uri
    result = client.get(f"/verifications/{tx_id}/status", headers=JSON).get_json()
    assert {k: result[k] for k in ("id", "status", "flow")} == {
        "id": tx_id,
        "status": "verified",
        "flow": "cross_device",
    }
    assert result["messages"]["headline"] == "Verified: the platform accepted your KYC credential"
    assert "claims" not in result and "address" not in result  # this policy binds no address


def test_cross_device_page_shows_the_code_the_wallet_sees_and_the_short_address(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """Issue 19 item 6: the page and the signed request carry the same 4-character
    ``verification_code``; the outcome comes with the shortened address only."""
    client = browser(verifier)
    tx_id, page = start(client, "solar7")
    code = re.search(r'data-testid="verification-code">([A-Z0-9]{4})<', page)
    assert code
    request = wallet.fetch_request(qr_link(page)).request
    assert request.verification_code == code.group(1)
    assert set(code.group(1)) <= set(spec.VERIFICATION_CODE_ALPHABET)
    response = wallet.post(request, wallet.form(request, wallet.response(request)))
    assert response.status == 200 and response.json() == {}
    result = client.get(f"/verifications/{tx_id}/status", headers=JSON).get_json()
    short = f"{INVESTOR.address[:6]}…{INVESTOR.address[-4:]}"
    assert result["status"] == "verified" and result["address"] == short
    assert "claims" not in result and INVESTOR.address not in str(result)


def test_the_same_device_link_has_its_own_request_uri_and_state(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    client = browser(verifier)
    tx_id, page = start(client)
    cross, same = qr_link(page), same_device_link(page)
    assert f"%2Foid4vp%2Frequest%2F{tx_id}&" in cross
    assert f"%2Foid4vp%2Frequest%2F{tx_id}%2Fsame-device&" in same
    cross_request = wallet.fetch_request(cross).request
    same_request = wallet.fetch_request(same).request
    assert cross_request.state != same_request.state
    assert cross_request.nonce == same_request.nonce
    assert same_request.verification_code is None


def test_a_relayed_same_device_link_leaks_nothing_on_the_status_endpoint(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """Issue 19 item 6: someone starts a verification and relays its same-device link;
    the victim's wallet answers; the starter's session sees only "done"."""
    starter = browser(verifier)
    tx_id, page = start(starter, "solar7")
    _, response = wallet.complete(same_device_link(page))  # the victim
    assert response.status == 200
    assert "response_code=" in response.json()["redirect_uri"]
    result = starter.get(f"/verifications/{tx_id}/status", headers=JSON).get_json()
    assert {k: result[k] for k in ("id", "status", "flow")} == {
        "id": tx_id,
        "status": "done",
        "flow": "same_device",
    }
    assert set(result) == {"id", "status", "flow", "messages", "token"}  # no address, no claims
    assert result["messages"]["headline"].startswith("Answered by the wallet on the device")
    assert starter.get(f"/verifications/{tx_id}/done", headers=JSON).status_code == 403
    # the verdict stands: the platform (its API keys on this token) sees the address
    looked_up = verifier.api("GET", f"/api/v1/addresses/{INVESTOR.address}").json()
    assert [t["whitelisted"] for t in looked_up["tokens"]] == [True], looked_up


def test_same_device_landing_needs_the_session_and_the_response_code(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    client = browser(verifier)
    tx_id, page = start(client)
    _, response = wallet.complete(same_device_link(page))
    redirect_uri = response.json()["redirect_uri"]
    assert redirect_uri.startswith(f"{verifier.url}/verifications/{tx_id}/done?response_code=")
    path = redirect_uri[len(verifier.url) :]
    landing = client.get(path)
    text = landing.get_data(as_text=True)
    assert landing.status_code == 200
    assert "Verified: the platform accepted your KYC credential" in text
    # issue 20 item 2: the claims are on the operator's page, not the investor's
    assert "kyc_level" not in text and 'data-testid="claims"' not in text
    assert "claims" not in client.get(path, headers=JSON).get_json()
    # a relayed QR code or a fixed session: another browser holding the code gets nothing
    other = browser(verifier)
    assert other.get(path, headers=JSON).status_code == 403
    assert other.get(f"/verifications/{tx_id}/status", headers=JSON).status_code == 403
    # the right session without the right code gets nothing either
    wrong = client.get(f"/verifications/{tx_id}/done?response_code=guess", headers=JSON)
    assert wrong.status_code == 403


def test_claims_are_rendered_escaped_on_the_operators_verification_page(
    issuer: RunningIssuer, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """The raw claims moved to the operator's page (issue 20 item 2): escaped there;
    the investor's landing page shows none of them."""
    hostile = "<img src=x onerror=alert(1)>"
    wallet.credential = issue_credential(issuer, wallet.holder, given_name=hostile)
    wallet.__dict__.pop("held", None)  # forget the cached, earlier credential
    created = verifier.create(
        policy=None, policy_body={"vct": wallet.held.claims["vct"], "claims": [["given_name"]]}
    )
    _, response = wallet.complete(created["same_device_link"])
    assert response.status == 200, response.text()
    client = browser(verifier)
    with client.session_transaction() as session:
        session["verifications"] = {created["id"]: created["session_secret"]}
    path = response.json()["redirect_uri"][len(verifier.url) :]
    landing = client.get(path).get_data(as_text=True)
    assert "img src=x" not in landing and "given_name" not in landing
    operator = operator_client(verifier)
    page = operator.get(f"/operator/verifications/{created['id']}").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and hostile not in page
    assert "given_name" in page


def operator_client(verifier: RunningVerifier) -> FlaskClient:
    """A browser signed in as the platform's operator."""
    verifier.app.config["OPERATOR_PASSWORD"] = "operator-password"
    client = verifier.app.test_client()
    page = client.get("/operator/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    response = client.post(
        "/operator/login", data={"password": "operator-password", "csrf_token": token.group(1)}
    )
    assert response.status_code == 302
    return client
