"""The wallet receives credentials from the running issuer over real HTTP:
a batch, stored encrypted; restart, unlock, see it; the error pages for a
wrong PIN, an expired offer and an unreachable issuer leave nothing stored;
hostile issuer metadata is rendered escaped; a QR image upload works."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qrcode
from flask import Flask
from flask.testing import FlaskClient
from nacl import pwhash

from ssi.fetch import Fetcher, FetchPolicy
from tests.support import Clock, RunningIssuer, assert_no_plaintext, start_issuer
from wallet.app import create_app
from wallet.sessions import SESSION_KEY
from wallet.vault import Vault
from wallet.web_context import wallet_context

PASS = "a long wallet passphrase"
FAST_KDF = {
    "KDF_OPSLIMIT": pwhash.argon2id.OPSLIMIT_MIN,
    "KDF_MEMLIMIT": pwhash.argon2id.MEMLIMIT_MIN,
}


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", Fetcher(FetchPolicy(allow_http_loopback=True)))


def make_wallet(data_dir: Path, clock: Clock, **config: Any) -> Flask:
    return create_app(
        {"DATA_DIR": str(data_dir), "DEV_ALLOW_HTTP_LOOPBACK": True, **FAST_KDF, **config},
        clock=clock,
    )


def csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def create_wallet(client: FlaskClient) -> str:
    """Create the wallet in ``client``'s session (which is then the unlocked one);
    returns that session's CSRF token (a new one: unlocking starts a new session)."""
    token = csrf(client, "/setup")
    response = client.post(
        "/setup", data={"passphrase": PASS, "confirm": PASS, "csrf_token": token}
    )
    assert response.status_code == 302
    return csrf(client, "/receive")


def owner_vault(app: Flask, client: FlaskClient) -> Vault:
    """The vault as the session of ``client`` (which unlocked it) opens it."""
    with client.session_transaction() as session:
        handle = session[SESSION_KEY]
    vault: Vault = wallet_context(app).vaults.open(handle)
    return vault


@pytest.fixture
def wallet(tmp_path: Path, issuer: RunningIssuer) -> Flask:
    return make_wallet(tmp_path / "wallet", issuer.clock)


def receive(client: FlaskClient, token: str, link: str, pin: str) -> Any:
    page = client.post("/receive", data={"link": link, "csrf_token": token})
    assert page.status_code == 200, page.get_data(as_text=True)
    offer_id = re.search(r"/offer/([^/]+)/accept", page.get_data(as_text=True))
    assert offer_id
    return client.post(f"/offer/{offer_id.group(1)}/accept", data={"pin": pin, "csrf_token": token})


def test_receive_a_batch_restart_unlock_and_see_it(
    tmp_path: Path, issuer: RunningIssuer, wallet: Flask
) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    # the same-device route of the issuer's button
    same_device = offer["same_device_link"].split("127.0.0.1:5002", 1)[1]
    page = client.get(same_device).get_data(as_text=True)
    assert "Demo KYC Provider offers you a credential" in page
    assert "18 or older" in page
    offer_id = re.search(r"/offer/([^/]+)/accept", page)
    assert offer_id
    response = client.post(
        f"/offer/{offer_id.group(1)}/accept", data={"pin": offer["tx_code"], "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Erika" in detail and "18 or older" in detail
    assert 'data-testid="status">Valid<' in detail
    items = list(owner_vault(wallet, client).items("credential"))
    assert len(items) == 3  # BATCH_SIZE copies, each with its own key
    assert len({i.data["holder_key"]["x"] for i in items}) == 3
    # restart: a new app on the same folder starts locked
    again = make_wallet(tmp_path / "wallet", issuer.clock).test_client()
    assert again.get("/credentials").headers["Location"].startswith("/unlock")
    token = csrf(again, "/unlock")
    assert (
        again.post(
            "/unlock", data={"passphrase": "wrong passphrase!", "csrf_token": token}
        ).status_code
        == 403
    )
    assert again.post("/unlock", data={"passphrase": PASS, "csrf_token": token}).status_code == 302
    listing = again.get("/credentials").get_data(as_text=True)
    assert "gave you 3 identical copies" in listing and "3 not yet shared" in listing


def test_database_holds_no_plaintext_after_receiving(
    tmp_path: Path, issuer: RunningIssuer, wallet: Flask
) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    key_d = next(owner_vault(wallet, client).items("credential")).data["holder_key"]["d"]
    assert_no_plaintext(
        tmp_path / "wallet", ("Erika", "Mustermann", "1990-08-12", "Heidestrasse", key_d)
    )


def test_revoked_credential_shows_its_status(issuer: RunningIssuer, wallet: Flask) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    response = receive(client, token, offer["link"], offer["tx_code"])
    credential_id = issuer.api("GET", "/api/v1/credentials").json()["credentials"][0]["id"]
    issuer.api("POST", f"/api/v1/credentials/{credential_id}/revoke")
    # past the status list's ttl cache
    wallet.extensions.pop("credential_checker", None)
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="status">Revoked<' in detail


def test_wrong_pin_shows_a_clear_error_and_stores_nothing(
    issuer: RunningIssuer, wallet: Flask
) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    response = receive(client, token, offer["link"], wrong)
    assert response.status_code == 400
    assert "wrong PIN" in response.get_data(as_text=True)
    assert list(owner_vault(wallet, client).items("credential")) == []


def test_expired_offer_shows_a_clear_error(tmp_path: Path, issuer: RunningIssuer) -> None:
    # the wallet's own clock: the issuer's moves a day on, the wallet stays unlocked
    client = make_wallet(tmp_path / "wallet", Clock()).test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    issuer.clock.now += issuer.app.config["OFFER_TTL"] + 1
    response = client.post("/receive", data={"link": offer["link"], "csrf_token": token})
    assert response.status_code == 400
    assert "this offer has expired" in response.get_data(as_text=True)


def test_unreachable_issuer_shows_a_clear_error(issuer: RunningIssuer, wallet: Flask) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    link = f"openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Foffers%2Fx"
    response = client.post("/receive", data={"link": link, "csrf_token": token})
    assert response.status_code == 502
    assert "cannot connect" in response.get_data(as_text=True)


def test_hostile_issuer_name_is_rendered_escaped(tmp_path: Path) -> None:
    hostile = '<img src=x onerror="alert(1)">'
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    for issuer in start_issuer(tmp_path / "evil", fetcher, ISSUER_NAME=hostile):
        wallet = make_wallet(tmp_path / "wallet", issuer.clock)
        client = wallet.test_client()
        token = create_wallet(client)
        offer = issuer.create_offer()
        page = client.post("/receive", data={"link": offer["link"], "csrf_token": token})
        text = page.get_data(as_text=True)
        assert hostile not in text
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in text


def test_qr_image_upload_is_decoded(issuer: RunningIssuer, wallet: Flask) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    image = io.BytesIO()
    qrcode.make(offer["link"]).save(image)  # PNG
    image.seek(0)
    page = client.post(
        "/receive",
        data={"qr": (image, "offer.png"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert page.status_code == 200 and "offers you a credential" in page.get_data(as_text=True)


def test_upload_without_qr_code_is_refused(wallet: Flask) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    image = io.BytesIO()
    from PIL import Image

    Image.new("L", (64, 64), 255).save(image, "PNG")
    image.seek(0)
    page = client.post(
        "/receive",
        data={"qr": (image, "blank.png"), "csrf_token": token},
        content_type="multipart/form-data",
    )
    assert page.status_code == 400 and "no QR code" in page.get_data(as_text=True)


def test_accept_without_csrf_token_refused(issuer: RunningIssuer, wallet: Flask) -> None:
    client = wallet.test_client()
    create_wallet(client)
    response = client.post("/offer/whatever/accept", data={"pin": "123456"})
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


def test_accounts_are_created_imported_and_checksummed(wallet: Flask) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    key = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
    client.post("/accounts", data={"action": "import", "private_key": key, "csrf_token": token})
    client.post("/accounts", data={"action": "create", "csrf_token": token})
    page = client.get("/accounts").get_data(as_text=True)
    assert "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23" in page  # EIP-55 of that key
    assert key not in page
    again = client.post(
        "/accounts", data={"action": "import", "private_key": key, "csrf_token": token}
    )
    assert again.status_code == 400 and "already" in again.get_data(as_text=True)
