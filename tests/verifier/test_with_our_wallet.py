"""The project's own web wallet (wallet/) presents to the verifier over real HTTP,
by the verifier's ``openid4vp://`` link pasted into it: without and with the address proof (the
investor picks an account on the consent page), and lands on the wallet's own page, which
continues to the verifier's ``redirect_uri`` when there is one. Each side only speaks
OpenID4VP 1.0 to the other."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from flask.testing import FlaskClient

from tests.support import RunningIssuer
from tests.verifier.conftest import RunningVerifier
from tests.verifier.sql import sql_of
from tests.wallet.test_receive_e2e import PASS, create_wallet, make_wallet, owner_vault, receive

IMPORTED_KEY = "0x" + "77" * 32


@pytest.fixture
def investor(
    tmp_path: Path, issuer: RunningIssuer, verifier: RunningVerifier
) -> tuple[FlaskClient, str]:
    roots = tmp_path / "verifier-roots.pem"
    roots.write_bytes(verifier.ca.public_bytes(Encoding.PEM))
    app = make_wallet(tmp_path / "wallet", issuer.clock, TRUSTED_X509_ROOTS=str(roots))
    client = app.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    added = client.post(
        "/accounts",
        data={
            "action": "import",
            "private_key": IMPORTED_KEY,
            "label": "main",
            "csrf_token": token,
        },
    )
    assert added.status_code == 302
    return client, token


def present(client: FlaskClient, token: str, link: str) -> str | None:
    """Share; the ``redirect_uri`` the wallet's landing page continues to, if any."""
    page = client.post("/present", data={"link": link, "csrf_token": token})
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    request_id = re.search(r"/present/([^/]+)/consent", text)
    assert request_id
    choice = dict(re.findall(r'name="(credential_[^"]+)" value="([^"]+)"', text)[:1])
    address = re.search(r'<option value="(0x[0-9a-fA-F]{40})"', text)
    data = {"csrf_token": token, **choice}
    if address:
        data["address"] = address.group(1)
    response = client.post(f"/present/{request_id.group(1)}/consent", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Shared with" in done, done
    onward = re.search(r'id="continue" href="([^"]+)"', done)
    return onward.group(1).replace("&amp;", "&") if onward else None


@pytest.mark.parametrize("policy", ["kyc", "solar7"])
def test_our_wallet_presents_to_the_verifier(
    verifier: RunningVerifier, investor: tuple[FlaskClient, str], policy: str
) -> None:
    client, token = investor
    created = verifier.create(policy)
    landing = present(client, token, created["same_device_link"])
    assert landing is not None
    assert landing.startswith(f"{verifier.url}/verifications/{created['id']}/done?response_code=")
    result = verifier.result(created["id"])
    assert result["status"] == "verified", result
    assert result["claims"]["kyc_level"] == 2
    if policy == "solar7":
        assert result["address"] == "0xAe72A48c1a36bd18Af168541c53037965d26e4A8"  # key 0x77…
        rows = sql_of(verifier.app).all("SELECT address FROM intents")
        assert [r["address"] for r in rows] == [result["address"]]


def test_an_ed25519_holder_wallet_receives_and_presents(
    tmp_path: Path, issuer: RunningIssuer, verifier: RunningVerifier
) -> None:
    """Issue 6: holder keys P-256 (default) and Ed25519 (``HOLDER_KEY_ALG``)."""
    roots = tmp_path / "roots.pem"
    roots.write_bytes(verifier.ca.public_bytes(Encoding.PEM))
    app = make_wallet(
        tmp_path / "ed-wallet", issuer.clock, TRUSTED_X509_ROOTS=str(roots), HOLDER_KEY_ALG="EdDSA"
    )
    client = app.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    items = list(owner_vault(app, client).items("credential"))
    assert {i.data["holder_key"]["crv"] for i in items} == {"Ed25519"}
    created = verifier.create("kyc")
    assert present(client, token, created["link"]) is None  # the QR code's flow: no redirect
    assert verifier.result(created["id"])["status"] == "verified"


def test_a_backup_holding_the_history_of_a_whitelisting_restores(
    tmp_path: Path,
    issuer: RunningIssuer,
    verifier: RunningVerifier,
    investor: tuple[FlaskClient, str],
) -> None:
    """The shape checks of a restored item's wallet fields (wallet/restored_fields.py)
    take what the wallet itself writes: the history of a presentation that
    whitelisted an address, the account, the named credential."""
    client, token = investor
    assert present(client, token, verifier.create("solar7")["same_device_link"])
    item_id = re.search(r'href="/credentials/([0-9a-f]+)"', client.get("/credentials").text)
    assert item_id
    named = client.post(
        f"/credentials/{item_id.group(1)}/name", data={"name": "Main", "csrf_token": token}
    )
    assert named.status_code == 302
    backup = client.post("/backup", data={"passphrase": PASS, "csrf_token": token})
    assert backup.status_code == 200
    wallet = make_wallet(tmp_path / "restored", issuer.clock)
    other = wallet.test_client()
    other_token = create_wallet(other)
    restored = other.post(
        "/restore",
        data={
            "csrf_token": other_token,
            "passphrase": PASS,
            "backup": (io.BytesIO(backup.data), "backup.json"),
        },
        content_type="multipart/form-data",
    )
    assert restored.status_code == 302, restored.get_data(as_text=True)
    (entry,) = owner_vault(wallet, other).items("history")
    assert entry.data["whitelist"]["token_name"]
    history = other.get("/history").get_data(as_text=True)
    assert "0xAe72A48c1a36bd18Af168541c53037965d26e4A8" in history
    assert "“Main”" in other.get("/credentials").get_data(as_text=True)
