"""A red-team review of issue 18 on the wallet: attacks that got past the
first fixes, each named after the attack. Real wallet, real HTTP to a
listening verifier on 127.0.0.1, real SQLite, no mocks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support import Clock
from tests.wallet.listening_verifier import VCT, ListeningVerifier, listening_verifier
from tests.wallet.test_receive_e2e import PASS, create_wallet, csrf, make_wallet

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
LABELS: list[tuple[list[Any], str]] = [
    (["given_name"], "Given name"),
    (["family_name"], "Family name"),
    (["kyc_level"], "KYC level"),
]


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[ListeningVerifier]:
    with listening_verifier(tmp_path / "listener") as running:
        yield running


def holder_wallet(
    tmp_path: Path, listener: ListeningVerifier, clock: Clock | None = None
) -> tuple[Flask, FlaskClient, str]:
    wallet = make_wallet(
        tmp_path / "wallet", clock or Clock(), TRUSTED_X509_ROOTS=str(listener.roots)
    )
    client = wallet.test_client()
    return wallet, client, create_wallet(client)


def open_request(client: FlaskClient, token: str, link: str) -> Any:
    return client.post("/present", data={"link": link, "csrf_token": token})


def answer(client: FlaskClient, token: str, page: str, action: str) -> Any:
    request_id = re.search(r"/present/([^/]+)/" + action, page)
    assert request_id, page
    choices = dict(re.findall(r'name="(credential_[^"]+)" value="([^"]+)"', page))
    return client.post(
        f"/present/{request_id.group(1)}/{action}", data={"csrf_token": token, **choices}
    )


# --- (a)/(b): the unlock page's ``next`` ------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/\t/evil.example/", "/\n/evil.example/", "/\r/evil.example/", "/\\evil.example/"],
    ids=["tab", "newline", "cr", "backslash"],
)
def test_unlock_next_cannot_redirect_to_another_site(tmp_path: Path, target: str) -> None:
    """A link ``/unlock?next=/%09/evil.example`` from any page: after the investor
    types the passphrase, the wallet must not send the browser to another site
    (browsers drop tabs and newlines from URLs and read ``\\`` as ``/``, so
    ``/<TAB>/evil.example`` is ``//evil.example``: a look-alike page asking for the
    passphrase again)."""
    wallet = make_wallet(tmp_path / "wallet", Clock())
    owner = wallet.test_client()
    token = create_wallet(owner)
    owner.post("/lock", data={"csrf_token": token})
    investor = wallet.test_client()
    token = csrf(investor, "/unlock")
    unlocked = investor.post(
        "/unlock", query_string={"next": target}, data={"passphrase": PASS, "csrf_token": token}
    )
    assert unlocked.status_code in (302, 303)
    location = unlocked.headers["Location"]
    # what a browser makes of it: strip ASCII tab/newline, read backslashes as slashes
    browser = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")
    landed = urlsplit(urljoin("http://127.0.0.1:5002/unlock", browser))
    assert landed.netloc == "127.0.0.1:5002", location
    assert investor.get(landed.path).status_code == 200
