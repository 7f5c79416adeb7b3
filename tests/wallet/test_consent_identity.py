"""Issue 20 items 1, 2 and 4 (the consent default): who asks is named by what
the wallet checked, never by what the request says about itself; the request's
own name and logo are shown only as "calls itself"; logos only as checked
``data:`` images in an ``<img>``; the history speaks in labels; the consent
screen preselects the address last used with the same platform. Through the
real wallet over real HTTP to listening verifiers (tests/wallet/listening_verifier.py)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ssi.address_binding import Erc3643Whitelist
from ssi.oid4vp import encode_transaction_data
from ssi.sdjwt import SD
from tests.support import Clock
from tests.wallet.listening_verifier import VCT, ListeningVerifier, hold, listening_verifier
from tests.wallet.test_present_consent import share
from tests.wallet.test_receive_e2e import create_wallet, make_wallet, owner_vault
from wallet.accounts import create_account
from wallet.logo import MAX_LOGO_BYTES, safe_logo
from wallet.trust_anchors import anchor_labels

LABELS: list[tuple[list[Any], str]] = [(["kyc_level"], "KYC level"), (["pep"], "PEP")]
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
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def headline(page: str) -> str:
    found = re.search(r"<h1>(.*?)</h1>", page, re.S)
    assert found, page
    return found.group(1)


def outside_details(page: str) -> str:
    """The page without its "Technical details" disclosures."""
    return re.sub(r"<details.*?</details>", "", page, flags=re.S)


PROTOCOL_WORDS = (
    "vct",
    "iat",
    "jwt_vc_json",
    "ldp_vc",
    "status_list",
    "idx",
    "kyc_level",
    "eip155",
)


def assert_plain_words(page: str) -> None:
    """Issue 20 item 2: what a person reads (outside "Technical details") holds
    no protocol identifier, claim path or status-list index."""
    body = re.search(r"<main[^>]*>(.*)</main>", page, re.S)
    assert body, page
    text = re.sub(r"<[^>]+>", " ", outside_details(body.group(1)))
    for word in PROTOCOL_WORDS:
        assert not re.search(rf"\b{word}\b", text), (word, text)
    assert "x509_hash" not in text and '["' not in text


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[ListeningVerifier]:
    with listening_verifier(tmp_path / "listener") as running:
        yield running


def wallet_with(tmp_path: Path, roots: Path) -> tuple[Flask, FlaskClient, str]:
    wallet = make_wallet(tmp_path / "wallet", Clock(), TRUSTED_X509_ROOTS=str(roots))
    client = wallet.test_client()
    token = create_wallet(client)
    hold(wallet, client, {SD("kyc_level"): 2, SD("pep"): False}, labels=LABELS)
    return wallet, client, token


def open_request(client: FlaskClient, token: str, link: str) -> str:
    page = client.post("/scan", data={"link": link, "csrf_token": token})
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    return text


def test_consent_names_the_verifier_by_its_certificate_not_its_client_id(
    tmp_path: Path, listener: ListeningVerifier
) -> None:
    """Before: "127.0.0.1 asks for your KYC credential" and "Identity verified"."""
    _, client, token = wallet_with(tmp_path, listener.roots)
    page = open_request(client, token, listener.link(DCQL))
    assert headline(page) == "Listening Test Platform asks for your KYC credential"
    assert "Certificate checked against your trusted list (Listening Verifier Root)" in page
    assert "Identity verified" not in page
    visible = outside_details(page)
    assert "x509_hash:" not in visible and listener.client_id in page  # behind the disclosure
    assert 'data-testid="verifier-host">127.0.0.1<' in page
    assert_plain_words(page)
    shared = share(client, token, page)
    done = client.get(shared.headers["Location"]).get_data(as_text=True)
    assert headline(done) == "Shared with Listening Test Platform"
    assert_plain_words(done)
    history = client.get("/history").get_data(as_text=True)
    assert_plain_words(history)
    assert re.search(r'data-testid="history-verifier">Listening Test Platform<', history)
    assert "x509_hash:" not in outside_details(history)
    # labels, never claim paths
    assert "KYC level" in history and "kyc_level" not in history


def test_consent_uses_the_trust_lists_name_of_the_anchor(
    tmp_path: Path, listener: ListeningVerifier
) -> None:
    named = tmp_path / "named-roots.pem"
    named.write_text("# Solar Platform Ltd\n" + listener.roots.read_text())
    _, client, token = wallet_with(tmp_path, named)
    page = open_request(client, token, listener.link(DCQL))
    assert headline(page) == "Solar Platform Ltd asks for your KYC credential"
    assert "checked against your trusted list (Solar Platform Ltd)" in page


def test_anchor_labels_of_a_pem_bundle() -> None:
    pem = "-----BEGIN CERTIFICATE-----\nAA\n-----END CERTIFICATE-----\n"
    assert anchor_labels(pem) == [None]
    assert anchor_labels("# Bank A\n" + pem + "Bank B\n======\n" + pem) == ["Bank A", "Bank B"]
    assert anchor_labels(pem + pem) == [None, None]


def test_a_name_the_request_gives_itself_is_not_shown_as_verified(
    tmp_path: Path,
) -> None:
    """A verifier whose certificate names no organisation calls itself a bank:
    the headline says "A platform", the bank's name only "calls itself"."""
    with listening_verifier(tmp_path / "anon", organisation=None) as anon:
        _, client, token = wallet_with(tmp_path, anon.roots)
        logo = "data:image/png;base64," + _b64(PNG)
        metadata = {"client_name": "Deutsche Bank AG", "logo_uri": logo}
        page = open_request(client, token, anon.link(DCQL, client_metadata=metadata))
    assert headline(page) == "A platform asks for your KYC credential"
    assert "Deutsche Bank" not in headline(page) and "127.0.0.1" not in headline(page)
    assert "The request calls itself “Deutsche Bank AG”: its own words, not checked" in page
    shown = re.search(r'<img class="verifier-logo" src="([^"]+)"', page)
    assert shown and shown.group(1) == logo
    assert "Share with this platform" in page  # not "Share with Deutsche Bank AG"


@pytest.mark.parametrize(
    "logo_uri",
    [
        'data:image/svg+xml,<svg onload="alert(1)"></svg>',  # not base64: would be inline
        "data:image/svg+xml;utf8," + SVG.decode(),
        "https://platform.example/logo.png",  # never fetched
        "data:text/html;base64," + _b64(b"<script>alert(1)</script>"),
        "data:image/png;base64," + _b64(b"GIF89a" + b"\x00" * 10),  # not a PNG
        "data:image/png;base64," + _b64(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_LOGO_BYTES),
        "data:image/png;base64,@@@",
    ],
)
def test_an_unsafe_logo_is_refused(logo_uri: str) -> None:
    assert safe_logo(logo_uri) is None


def test_an_svg_logo_is_only_ever_an_img(tmp_path: Path, listener: ListeningVerifier) -> None:
    _, client, token = wallet_with(tmp_path, listener.roots)
    inline = 'data:image/svg+xml,<svg onload="alert(1)"></svg>'
    page = open_request(client, token, listener.link(DCQL, client_metadata={"logo_uri": inline}))
    assert "<svg" not in page and "verifier-logo" not in page
    encoded = "data:image/svg+xml;base64," + _b64(SVG)
    page = open_request(client, token, listener.link(DCQL, client_metadata={"logo_uri": encoded}))
    assert "<svg" not in page and "<script>alert" not in page
    assert f'<img class="verifier-logo" src="{encoded}"' in page
    assert headline(page) == "Listening Test Platform asks for your KYC credential"


def _whitelisting(listener: ListeningVerifier) -> str:
    entry = Erc3643Whitelist(
        ("kyc",),
        "eip155:424242",
        "0x" + "11" * 20,
        "0x" + "22" * 20,
        "SP7",
    )
    return listener.link(DCQL, transaction_data=[encode_transaction_data(entry.to_dict())])


def _selected(page: str) -> str | None:
    found = re.search(r'<option value="(0x[0-9a-fA-F]{40})" selected>', page)
    return found.group(1) if found else None


def test_consent_defaults_to_the_address_last_used_with_this_platform(tmp_path: Path) -> None:
    with (
        listening_verifier(tmp_path / "one") as first,
        listening_verifier(tmp_path / "two", organisation="Other Platform") as second,
    ):
        roots = tmp_path / "roots.pem"
        roots.write_text(first.roots.read_text() + second.roots.read_text())
        wallet, client, token = wallet_with(tmp_path, roots)
        vault = owner_vault(wallet, client)
        create_account(vault, "main")
        other = create_account(vault, "savings")
        page = open_request(client, token, _whitelisting(first))
        assert _selected(page) is None and "last time" not in page
        # the chain by name (an unknown one as "chain <number>"), never its CAIP-2 string
        assert 'data-testid="chain">chain 424242<' in page and "eip155:" not in page
        choices = dict(re.findall(r'name="(credential_[^"]+)" value="([^"]+)"', page))
        request_id = re.search(r"/present/([^/]+)/consent", page)
        assert request_id
        answered = client.post(
            f"/present/{request_id.group(1)}/consent",
            data={"csrf_token": token, "address": other.address, **choices},
        )
        assert answered.status_code == 303, answered.get_data(as_text=True)
        # the same platform asks again: the address used with it is preselected
        again = open_request(client, token, _whitelisting(first))
        assert _selected(again) == other.address
        assert "the address you used last time with this platform" in again
        # another platform (on the same host) does not get it
        elsewhere = open_request(client, token, _whitelisting(second))
        assert _selected(elsewhere) is None
        assert headline(elsewhere) == "Other Platform asks for your KYC credential"
