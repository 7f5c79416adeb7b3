"""Issue 20 item 3: the investor's credentials as cards, in words a person reads.

A real wallet receives the KYC credential (a batch of SD-JWT VC copies) and
two W3C credentials from the running issuer. The list shows one card: title,
the provider's name, the investor's own name for it, until when it is valid
and a status badge; the W3C credentials inside it; the copies in one
sentence. No protocol word, claim path or status-list index on either page;
countries by name. The badge follows the provider's status list (revoked,
suspended) and the credential's expiry.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ssi.errors import FetchTimeout
from ssi.fetch import Fetcher, FetchPolicy
from tests.support import RunningIssuer, start_issuer
from tests.wallet.test_receive_e2e import create_wallet, make_wallet, receive
from wallet.cards import build_cards
from wallet.vault import VaultItem

OFFERED = ["kyc_age_jwt_vc_json", "kyc_level_ldp_vc"]
PROTOCOL_WORDS = re.compile(
    r"jwt_vc_json|ldp_vc|dc\+sd-jwt|\bvct\b|\biat\b|status_list|\bidx\b|status 0x|index \d"
    r"|\b[a-z_]+ / [a-z_]+\b|/ item \d|investor_jurisdiction|given_name|x5c"
)


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=OFFERED)


@pytest.fixture
def holder(tmp_path: Path, issuer: RunningIssuer) -> tuple[Flask, FlaskClient, str, str]:
    """A wallet that received one offer; the path of its credential's page."""
    # the session outlives the clock moved past the credential's end date
    wallet = make_wallet(
        tmp_path / "wallet", issuer.clock, IDLE_TIMEOUT=10**9, ABSOLUTE_TIMEOUT=10**9
    )
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    response = receive(client, token, offer["link"], offer["tx_code"])
    assert response.status_code == 302, response.get_data(as_text=True)
    return wallet, client, token, response.headers["Location"]


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _visible(html: str) -> str:
    """The page's text as read (tags, attributes and the stylesheet link dropped)."""
    return re.sub(r"<[^>]+>", " ", html)


def _badges(html: str) -> list[str]:
    return re.findall(r'data-testid="status">([^<]*)<', html)


def test_credential_cards_title_issuer_name_validity_and_badge(
    holder: tuple[Flask, FlaskClient, str, str],
) -> None:
    _wallet, client, token, detail = holder
    renamed = client.post(f"{detail}/name", data={"name": "Main KYC", "csrf_token": token})
    assert renamed.status_code == 302
    listing = _text(client, "/credentials")
    assert listing.count('data-testid="credential-card"') == 1  # W3C ones inside it
    assert re.search(r'data-testid="credential-name">Main KYC<', listing)
    assert re.search(r"<p class=\"credential-title\">KYC credential<", listing)
    assert re.search(r'data-testid="issuer">Demo KYC Provider<', listing)
    assert re.search(r'data-testid="validity">Valid until \d{1,2} \w+ \d{4}<', listing)
    assert _badges(listing) == ["Valid"]
    (companions,) = re.findall(r'data-testid="companions">([^<]*)<', listing)
    assert "Age (W3C)" in companions and "KYC level (W3C)" in companions
    (copies,) = re.findall(r'data-testid="copies">([^<]*)<', listing)
    assert copies == (
        "Your provider gave you 3 identical copies, so that platforms cannot link "
        "your visits to each other; 3 not yet shared."
    )
    assert PROTOCOL_WORDS.search(_visible(listing)) is None


def test_credential_cards_detail_has_labels_countries_and_the_w3c_inside(
    holder: tuple[Flask, FlaskClient, str, str],
) -> None:
    _wallet, client, _token, detail = holder
    page = _text(client, detail)
    rows = dict(re.findall(r'<th scope="row">([^<]*)</th><td>([^<]*)</td>', page))
    assert rows["Given name"] == "Erika"
    assert rows["Nationalities"] == "Germany"
    assert rows["Country of residence"] == "Germany"
    assert "DE" not in rows.values()
    assert _badges(page) == ["Valid"]
    assert page.count('data-testid="companion"') == 2
    assert "Age (W3C)" in page and "KYC level (W3C)" in page
    assert PROTOCOL_WORDS.search(_visible(page)) is None, PROTOCOL_WORDS.search(_visible(page))


def test_credential_cards_deleting_removes_the_w3c_credentials_received_with_it(
    holder: tuple[Flask, FlaskClient, str, str],
) -> None:
    _wallet, client, token, detail = holder
    response = client.post(f"{detail}/delete", data={"csrf_token": token})
    assert response.status_code == 302
    listing = _text(client, "/credentials")
    assert 'data-testid="credential-card"' not in listing
    assert "Your wallet is empty." in listing


def _past_the_status_cache(issuer: RunningIssuer) -> None:
    issuer.clock.now += issuer.app.config["STATUS_LIST_TTL"] + 1


@pytest.mark.parametrize(("action", "badge"), [("revoke", "Revoked"), ("suspend", "Suspended")])
def test_credential_cards_badge_follows_the_providers_status_list(
    issuer: RunningIssuer,
    holder: tuple[Flask, FlaskClient, str, str],
    action: str,
    badge: str,
) -> None:
    _wallet, client, _token, detail = holder
    credential_id = issuer.api("GET", "/api/v1/credentials").json()["credentials"][0]["id"]
    changed = issuer.api("POST", f"/api/v1/credentials/{credential_id}/{action}")
    assert changed.status == 200, changed.text()
    _past_the_status_cache(issuer)
    listing = _text(client, "/credentials")
    assert _badges(listing) == [badge]
    page = _text(client, detail)
    assert _badges(page) == [badge]
    assert PROTOCOL_WORDS.search(_visible(page)) is None


def test_credential_cards_badge_says_expired_after_the_end_date(
    issuer: RunningIssuer, holder: tuple[Flask, FlaskClient, str, str]
) -> None:
    _wallet, client, _token, detail = holder
    issuer.clock.now += (issuer.app.config["CREDENTIAL_TTL_DAYS"] + 1) * 86400
    assert _badges(_text(client, "/credentials")) == ["Expired"]
    page = _text(client, detail)
    assert _badges(page) == ["Expired"]
    assert "ask your KYC provider for a new one" in page


def test_credential_cards_an_unreachable_status_list_is_asked_once_per_page() -> None:
    """Three credentials on one status list that cannot be fetched: one try, all
    "Status unknown" (never "Valid"); a list that answers is asked as usual."""
    status = {"status_list": {"idx": 0, "uri": "https://kyc.example/status/1"}}
    other = {"status_list": {"idx": 1, "uri": "https://kyc.example/status/2"}}
    items = [
        VaultItem(f"id{n}", "credential", 0, {"group": f"g{n}", "claims": {"status": s}})
        for n, s in enumerate((status, status, status, other))
    ]
    asked: list[str] = []

    def check(item: VaultItem) -> None:
        uri = item.data["claims"]["status"]["status_list"]["uri"]
        asked.append(uri)
        if uri.endswith("/1"):
            raise FetchTimeout(f"{uri} did not answer in time")

    cards = build_cards(items, check, now=0)
    assert [c.status for c in cards] == ["unknown", "unknown", "unknown", "valid"]
    assert asked == ["https://kyc.example/status/1", "https://kyc.example/status/2"]
