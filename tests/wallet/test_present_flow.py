"""Issue 18 items 4 to 7 on the wallet's side, over real HTTP to a listening
verifier: Share and Decline land on the wallet's own page (303, so the CSP's
``form-action 'self'`` holds) that continues to the verifier's
``redirect_uri`` or says "You can close this page"; Decline sends
``access_denied`` (OpenID4VP 1.0 §8.5) only to a verifier the wallet
authenticated, a refusal is shown before it is sent; unsigned requests only
in development mode; two credentials of one provider can be told apart; the
verifier's ``verification_code`` is shown on the consent screen."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ssi.sdjwt import SD
from tests.support import Clock
from tests.wallet.listening_verifier import VCT, ListeningVerifier, hold, listening_verifier
from tests.wallet.test_receive_e2e import create_wallet, make_wallet

LABELS: list[tuple[list[Any], str]] = [(["given_name"], "Given name"), (["kyc_level"], "KYC level")]
CLAIMS = {SD("given_name"): "Erika", SD("kyc_level"): 2}
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
LANDING = "https://platform.example/verifications/abc/done?response_code=c0de"


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[ListeningVerifier]:
    with listening_verifier(tmp_path / "listener") as running:
        yield running


def wallet_for(
    tmp_path: Path, listener: ListeningVerifier, **config: Any
) -> tuple[Flask, FlaskClient, str]:
    wallet = make_wallet(
        tmp_path / "wallet", Clock(), TRUSTED_X509_ROOTS=str(listener.roots), **config
    )
    client = wallet.test_client()
    return wallet, client, create_wallet(client)


@pytest.fixture
def holder(tmp_path: Path, listener: ListeningVerifier) -> tuple[Flask, FlaskClient, str]:
    wallet, client, token = wallet_for(tmp_path, listener)
    hold(wallet, client, CLAIMS, labels=LABELS)
    return wallet, client, token


def open_request(client: FlaskClient, token: str, link: str) -> str:
    page = client.post("/present", data={"link": link, "csrf_token": token})
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    return text


def post(client: FlaskClient, token: str, page: str, action: str) -> Any:
    request_id = re.search(r"/present/([^/]+)/" + action, page)
    assert request_id, page
    choices = dict(re.findall(r'name="(credential_[^"]+)" value="([^"]+)"', page))
    return client.post(
        f"/present/{request_id.group(1)}/{action}", data={"csrf_token": token, **choices}
    )


def test_share_lands_on_the_wallets_page_that_continues_to_the_redirect_uri(
    listener: ListeningVerifier, holder: tuple[Flask, FlaskClient, str]
) -> None:
    """Item 4: 303 to ``/present/<id>/done`` (not a 302 to the verifier, which
    ``form-action 'self'`` makes Chromium cancel); the page continues by a link
    and a static script."""
    _, client, token = holder
    listener.redirect_uri = LANDING
    page = open_request(client, token, listener.link(DCQL))
    shared = post(client, token, page, "consent")
    assert shared.status_code == 303
    landing = shared.headers["Location"]
    assert re.fullmatch(r"/present/[^/]+/done", landing), landing
    done = client.get(landing)
    text = done.get_data(as_text=True)
    assert "Shared with Listening Test Platform" in text
    assert f'id="continue" href="{LANDING.replace("&", "&amp;")}"' in text
    assert "You can close this page" not in text
    assert "form-action 'self'" in done.headers["Content-Security-Policy"]
    script = re.search(r'<script src="([^"]+)"></script>', text)
    assert script and "script-src 'self'" in done.headers["Content-Security-Policy"]
    with client.get(script.group(1)) as js:
        assert js.status_code == 200 and b"location.assign" in js.data
    assert len(listener.responses) == 1
    # a second click on Share: already answered, nothing sent again
    again = post(client, token, page, "consent")
    assert again.status_code == 400 and "no longer open" in again.get_data(as_text=True)
    assert len(listener.responses) == 1


def test_an_answer_without_redirect_uri_ends_with_you_can_close_this_page(
    listener: ListeningVerifier, holder: tuple[Flask, FlaskClient, str]
) -> None:
    """Item 4, cross-device: the verifier's answer carries no ``redirect_uri``."""
    _, client, token = holder
    shared = post(client, token, open_request(client, token, listener.link(DCQL)), "consent")
    text = client.get(shared.headers["Location"]).get_data(as_text=True)
    assert "Shared with Listening Test Platform" in text and "You can close this page" in text
    # nothing goes on by itself: no link to continue, no script of the wallet's that follows it
    # (every page loads the shared tables.js, which only names table cells on phones)
    assert 'id="continue"' not in text and "continue.js" not in text


@pytest.mark.parametrize(
    "target", ["javascript:alert(1)", "http://platform.example/done", "data:text/html,x"]
)
def test_a_redirect_uri_the_browser_must_not_follow_is_dropped(
    listener: ListeningVerifier, holder: tuple[Flask, FlaskClient, str], target: str
) -> None:
    _, client, token = holder
    listener.redirect_uri = target
    shared = post(client, token, open_request(client, token, listener.link(DCQL)), "consent")
    text = client.get(shared.headers["Location"]).get_data(as_text=True)
    assert "You can close this page" in text and target not in text


def test_decline_sends_access_denied_with_the_state_and_nothing_else(
    listener: ListeningVerifier, holder: tuple[Flask, FlaskClient, str]
) -> None:
    """Item 6: OpenID4VP 1.0 §8.5 error response, no ``error_description``."""
    _, client, token = holder
    page = open_request(client, token, listener.link(DCQL))
    assert listener.responses == []
    declined = post(client, token, page, "decline")
    assert declined.status_code == 303
    text = client.get(declined.headers["Location"]).get_data(as_text=True)
    assert "Nothing was shared" in text and "was told that you declined" in text
    (request,) = listener.requests.values()
    assert listener.responses == [{"error": "access_denied", "state": request.state}]


def test_no_matching_credential_from_an_authenticated_verifier_is_shown_then_sent(
    listener: ListeningVerifier, holder: tuple[Flask, FlaskClient, str]
) -> None:
    _, client, token = holder
    other = {"credentials": [{**DCQL["credentials"][0], "meta": {"vct_values": ["urn:other"]}}]}
    page = open_request(client, token, listener.link(other))
    assert "holds no credential with what the verifier asks for" in page
    assert "/consent" not in page and listener.responses == []
    told = post(client, token, page, "decline")
    assert told.status_code == 303
    (request,) = listener.requests.values()
    assert listener.responses == [{"error": "access_denied", "state": request.state}]


def test_an_unsigned_request_is_never_answered_with_an_error(
    listener: ListeningVerifier, holder: tuple[Flask, FlaskClient, str]
) -> None:
    """Item 6: the wallet posts nothing to a ``response_uri`` it could not
    authenticate; item 7: in development mode the screen says so."""
    _, client, token = holder
    page = open_request(client, token, listener.unsigned_link(DCQL))
    assert "this request is unsigned" in page and "Not verified" in page
    declined = post(client, token, page, "decline")
    text = client.get(declined.headers["Location"]).get_data(as_text=True)
    assert "the wallet sent nothing back" in text
    other = {"credentials": [{**DCQL["credentials"][0], "meta": {"vct_values": ["urn:other"]}}]}
    refused = client.post(
        "/present", data={"link": listener.unsigned_link(other), "csrf_token": token}
    )
    assert refused.status_code == 403
    assert "holds no credential" in refused.get_data(as_text=True)
    assert listener.responses == []


def test_unsigned_requests_are_refused_outside_development_mode(
    tmp_path: Path, listener: ListeningVerifier
) -> None:
    """Item 7: a ``redirect_uri:`` client id only with ``DEV_ALLOW_HTTP_LOOPBACK``."""
    _, client, token = wallet_for(tmp_path, listener, DEV_ALLOW_HTTP_LOOPBACK=False)
    page = client.post("/present", data={"link": listener.unsigned_link(DCQL), "csrf_token": token})
    assert page.status_code == 400
    assert "only in development mode" in page.get_data(as_text=True)
    assert listener.responses == []


def test_the_verification_code_of_a_signed_request_is_on_the_consent_screen(
    listener: ListeningVerifier, holder: tuple[Flask, FlaskClient, str]
) -> None:
    """Issue 19 item 6: the code the verifier's cross-device page shows."""
    _, client, token = holder
    page = open_request(client, token, listener.link(DCQL, verification_code="K7QX"))
    assert re.search(r'data-testid="verification-code">K7QX<', page)
    plain = open_request(client, token, listener.link(DCQL))
    assert 'data-testid="verification-code"' not in plain


def test_two_credentials_of_one_provider_are_told_apart(
    tmp_path: Path, listener: ListeningVerifier
) -> None:
    """Item 5: a name the investor gives, the issue date and time, the claims held."""
    wallet, client, token = wallet_for(tmp_path, listener)
    issued = int(time.time()) // 60 * 60 - 7200
    first = hold(wallet, client, CLAIMS, labels=LABELS, iat=issued)
    hold(wallet, client, {SD("kyc_level"): 3}, labels=LABELS, iat=issued + 3600)
    listing = client.get("/credentials").get_data(as_text=True)
    summaries = re.findall(r'data-testid="credential-summary">([^<]+)<', listing)
    assert len(summaries) == 2 and summaries[0] != summaries[1]
    when = dt.datetime.fromtimestamp(issued, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    assert any(f"issued {when}" in s for s in summaries), summaries
    assert any("holds Given name, KYC level" in s for s in summaries), summaries
    assert not any("Erika" in s or " 3" in s for s in summaries)  # no claim value
    named = client.post(
        f"/credentials/{first.item_id}/name", data={"name": "Main account", "csrf_token": token}
    )
    assert named.status_code == 302
    listing = client.get("/credentials").get_data(as_text=True)
    assert 'data-testid="credential-name">Main account<' in listing
    page = open_request(client, token, listener.link(DCQL))
    options = re.findall(r'data-testid="credential-summary">([^<]+)<', page)
    assert len(options) == 2 and any("“Main account”" in o for o in options), options
    too_long = client.post(
        f"/credentials/{first.item_id}/name", data={"name": "x" * 61, "csrf_token": token}
    )
    assert too_long.status_code == 400


def test_an_open_request_ends_at_its_request_objects_exp(
    tmp_path: Path, listener: ListeningVerifier
) -> None:
    """Issue 18 ("Also"): a pending request is kept at most 10 minutes, or until the
    request's ``exp`` when that is sooner; then it can no longer be answered."""
    clock = Clock()
    wallet = make_wallet(tmp_path / "wallet", clock, TRUSTED_X509_ROOTS=str(listener.roots))
    client = wallet.test_client()
    token = create_wallet(client)
    hold(wallet, client, CLAIMS, labels=LABELS)
    listener.lifetime = 60
    page = open_request(client, token, listener.link(DCQL))
    clock.now += 61
    late = post(client, token, page, "consent")
    assert late.status_code == 400, late.get_data(as_text=True)
    assert "no longer open" in late.get_data(as_text=True)
    assert listener.responses == []
