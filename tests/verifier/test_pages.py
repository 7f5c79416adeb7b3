"""The verifier's own pages: QR code and same-device button, a status polled by a
static script (CSP without inline scripts), and OpenID4VP 1.0 §14 session
binding: the result goes to the browser session that started the request, on
the same-device landing page only with the ``response_code`` the wallet got."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from tests.support import RunningIssuer
from tests.verifier.conftest import RunningVerifier
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential

JSON = {"Accept": "application/json"}


def browser(verifier: RunningVerifier) -> FlaskClient:
    verifier.app.config["VERIFIER_URL"] = verifier.url
    return verifier.app.test_client()


def start(client: FlaskClient) -> tuple[str, str]:
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token and 'value="solar7"' in page
    response = client.post("/start", data={"policy": "kyc", "csrf_token": token.group(1)})
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


def test_the_session_polls_its_result(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    client = browser(verifier)
    tx_id, html = start(client)
    assert (
        client.get(f"/verifications/{tx_id}/status", headers=JSON).get_json()["status"] == "pending"
    )
    link = re.search(r'data-testid="request-link">([^<]+)<', html)
    assert link
    request, response = wallet.complete(link.group(1).replace("&amp;", "&"))
    assert response.status == 200
    result = client.get(f"/verifications/{tx_id}/status", headers=JSON).get_json()
    assert result["status"] == "verified" and result["claims"]["kyc_level"] == 2


def test_same_device_landing_needs_the_session_and_the_response_code(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    client = browser(verifier)
    tx_id, html = start(client)
    link = re.search(r'data-testid="request-link">([^<]+)<', html)
    assert link
    _, response = wallet.complete(link.group(1).replace("&amp;", "&"))
    redirect_uri = response.json()["redirect_uri"]
    assert redirect_uri.startswith(f"{verifier.url}/verifications/{tx_id}/done?response_code=")
    path = redirect_uri[len(verifier.url) :]
    page = client.get(path)
    assert page.status_code == 200 and "Verification verified" in page.get_data(as_text=True)
    # a relayed QR code or a fixed session: another browser holding the code gets nothing
    other = browser(verifier)
    assert other.get(path, headers=JSON).status_code == 403
    assert other.get(f"/verifications/{tx_id}/status", headers=JSON).status_code == 403
    # the right session without the right code gets nothing either
    wrong = client.get(f"/verifications/{tx_id}/done?response_code=guess", headers=JSON)
    assert wrong.status_code == 403


def test_claims_are_rendered_escaped(
    issuer: RunningIssuer, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    wallet.credential = issue_credential(issuer, wallet.holder, given_name=hostile)
    wallet.__dict__.pop("held", None)  # forget the cached, earlier credential
    created = verifier.create(
        policy=None, policy_body={"vct": wallet.held.claims["vct"], "claims": [["given_name"]]}
    )
    _, response = wallet.complete(created["link"])
    assert response.status == 200, response.text()
    client = browser(verifier)
    with client.session_transaction() as session:
        session["verifications"] = {created["id"]: created["session_secret"]}
    path = response.json()["redirect_uri"][len(verifier.url) :]
    html = client.get(path).get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and hostile not in html
