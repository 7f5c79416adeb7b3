"""Issue 20 item 9: one scanner. "Scan or paste" takes a QR picture or a link
and opens credential offers and presentation requests alike; a failure says
what happened and what to do in plain words (the technical code in small print
only: no errno text, no spec section, no OAuth code as the headline)."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import qrcode
from flask import Flask
from flask.testing import FlaskClient

from ssi.errors import FetchError, FetchHTTPStatus, InvalidRequestObject
from ssi.fetch import Fetcher, FetchPolicy
from ssi.sdjwt import SD
from tests.support import Clock, RunningIssuer, start_issuer
from tests.wallet.listening_verifier import VCT, ListeningVerifier, hold, listening_verifier
from tests.wallet.test_receive_e2e import create_wallet, make_wallet
from wallet.scan import NOT_A_LINK, classify, explain

DCQL = {
    "credentials": [
        {
            "id": "kyc",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": [VCT]},
            "claims": [{"path": ["kyc_level"]}],
        }
    ]
}


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", Fetcher(FetchPolicy(allow_http_loopback=True)))


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[ListeningVerifier]:
    with listening_verifier(tmp_path / "listener") as running:
        yield running


@pytest.fixture
def holder(tmp_path: Path, listener: ListeningVerifier) -> tuple[Flask, FlaskClient, str]:
    wallet = make_wallet(
        tmp_path / "wallet",
        Clock(),
        TRUSTED_X509_ROOTS=str(listener.roots),
        MAX_CONTENT_LENGTH=100_000,
    )
    client = wallet.test_client()
    token = create_wallet(client)
    hold(wallet, client, {SD("kyc_level"): 2})
    return wallet, client, token


def headline(page: str) -> str:
    found = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
    assert found, page
    return found.group(1)


def qr_png(text: str) -> io.BytesIO:
    image = io.BytesIO()
    qrcode.make(text).save(image)
    image.seek(0)
    return image


def scan(client: FlaskClient, token: str, **data: object) -> tuple[int, str]:
    page = client.post(
        "/scan", data={"csrf_token": token, **data}, content_type="multipart/form-data"
    )
    return page.status_code, page.get_data(as_text=True)


def test_scan_is_the_one_entry_in_the_navigation(holder: tuple[Flask, FlaskClient, str]) -> None:
    _, client, _ = holder
    page = client.get("/scan").get_data(as_text=True)
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", page, re.S)
    assert nav and 'href="/scan" aria-current="page">Scan or paste</a>' in nav.group(1)
    assert "Add a credential" not in nav.group(1) and ">Share</a>" not in nav.group(1)
    assert headline(page) == "Scan or paste"
    # the older addresses show the same scanner
    for older in ("/receive", "/present"):
        assert headline(client.get(older).get_data(as_text=True)) == "Scan or paste"


def test_scan_routes_an_offer_and_a_request_alike(
    tmp_path: Path, issuer: RunningIssuer, listener: ListeningVerifier
) -> None:
    wallet = make_wallet(tmp_path / "w", issuer.clock, TRUSTED_X509_ROOTS=str(listener.roots))
    client = wallet.test_client()
    token = create_wallet(client)
    hold(wallet, client, {SD("kyc_level"): 2})
    status, page = scan(client, token, link=issuer.create_offer()["link"])
    assert status == 200 and headline(page) == "Demo KYC Provider offers you a credential"
    status, page = scan(client, token, qr=(qr_png(issuer.create_offer()["link"]), "offer.png"))
    assert status == 200 and headline(page) == "Demo KYC Provider offers you a credential"
    status, page = scan(client, token, qr=(qr_png(listener.link(DCQL)), "request.png"))
    assert status == 200, page
    assert headline(page) == "Listening Test Platform asks for your KYC credential"


def test_scan_refuses_what_is_neither_offer_nor_request(
    holder: tuple[Flask, FlaskClient, str],
) -> None:
    _, client, token = holder
    for text in ("https://example.com/news?id=3", "hello", "mailto:someone@example.com"):
        status, page = scan(client, token, link=text)
        assert status == 400 and headline(page) == NOT_A_LINK, page
        assert 'value="' + text.replace("&", "&amp;") in page  # kept, to correct it
    status, page = scan(client, token, qr=(qr_png("WIFI:S:home;P:secret;;"), "wifi.png"))
    assert status == 400 and headline(page) == NOT_A_LINK


def test_scan_says_an_unreachable_provider_in_plain_words(
    holder: tuple[Flask, FlaskClient, str],
) -> None:
    """Before: the error page's headline was the fetcher's "cannot connect to
    127.0.0.1:… [Errno 111] Connection refused"."""
    _, client, token = holder
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    link = f"openid-credential-offer://?credential_offer_uri=http%3A%2F%2F127.0.0.1%3A{port}%2Fo"
    status, page = scan(client, token, link=link)
    assert status == 502
    assert headline(page) == "Could not reach the KYC provider at 127.0.0.1"
    assert "Errno" not in page
    assert re.search(r'class="muted small wrap" data-testid="technical">For support: ', page)


def test_unreachable_names_the_host_of_the_link() -> None:
    link = "openid-credential-offer://?credential_offer_uri=https%3A%2F%2Fevil.example%2Fo%2F1"
    exc = FetchError("cannot connect to evil.example:443: [Errno 111] Connection refused")
    problem = explain(exc, classify(link), "evil.example")
    assert problem.headline == "Could not reach the KYC provider at evil.example"
    assert "Errno" not in problem.detail and problem.code not in problem.headline


def test_scan_says_an_expired_request_in_plain_words(
    listener: ListeningVerifier, holder: tuple[Flask, FlaskClient, str]
) -> None:
    _, client, token = holder
    listener.lifetime = -3600  # its Request Object expired an hour ago
    status, page = scan(client, token, link=listener.link(DCQL))
    assert 400 <= status < 500, page
    expected = "This request was already answered or has expired: start again on the platform"
    assert headline(page) == expected
    # the same-device route says it the same way
    same_device = client.get("/authorize?" + listener.link(DCQL).split("?", 1)[1])
    assert 400 <= same_device.status_code < 500
    assert headline(same_device.get_data(as_text=True)) == expected
    listener.lifetime = 300
    unknown = listener.link(DCQL).replace("%2Frequest%2F", "%2Frequest%2Fgone")
    status, page = scan(client, token, link=unknown)
    assert status == 400 and headline(page) == expected
    assert listener.responses == []


def test_scan_says_the_upload_limit(holder: tuple[Flask, FlaskClient, str]) -> None:
    _, client, token = holder
    status, page = scan(client, token, qr=(io.BytesIO(b"\x00" * 100_001), "huge.png"))
    assert status == 413
    assert (
        headline(page) == "The picture is too large: this wallet takes pictures of at most 0.1 MB"
    )
    assert "Scan or paste" in page and 'name="qr"' in page  # the form, to try again
    status, page = scan(client, token, qr=(io.BytesIO(b"not an image"), "x.png"))
    assert status == 400 and "not an image" in headline(page)


def test_explain_keeps_spec_sections_and_codes_out_of_the_headline() -> None:
    exc = InvalidRequestObject("the request object does not echo our wallet_nonce (§5.10)")
    problem = explain(exc, "request", "platform.example")
    assert "§" not in problem.headline + problem.advice
    assert exc.error not in problem.headline and exc.error == problem.code
    gone = explain(FetchHTTPStatus("https://x/o answered HTTP 404", 404), "offer", "x")
    assert gone.headline == "This offer was already used or has expired"
