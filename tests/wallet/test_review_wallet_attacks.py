"""A red-team review of issue 18 on the wallet: attacks that got past the
first fixes, each named after the attack. Real wallet, real HTTP to a
listening verifier on 127.0.0.1, real SQLite, no mocks."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ssi.did.jwk import did_jwk_from_key
from ssi.did.key import did_key_from_key
from ssi.encoding import json_loads_object
from ssi.jose import Key, jws
from ssi.oid4vci import CredentialIssuerMetadata, CredentialOffer
from ssi.oid4vp import (
    AuthorizationRequest,
    RequestReference,
    build_request_link,
    sign_request_object,
)
from ssi.sdjwt import SD, split
from tests.servers import serve
from tests.support import Clock
from tests.wallet.listening_verifier import VCT, ListeningVerifier, hold, listening_verifier
from tests.wallet.test_receive_e2e import PASS, create_wallet, csrf, make_wallet
from tests.wallet.test_wallet_owner import FOREIGN_HOST as FOREIGN
from tests.wallet.test_wallet_owner import raw_request
from wallet.pending import PendingStore
from wallet.receive import PendingOffer

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


# --- (c): a verifier whose identity nobody vouches for ------------------------------------


@contextmanager
def self_made_did_verifier(method: str, response_uri: str) -> Iterator[str]:
    """A "verifier" that made itself a DID a moment ago (did:jwk or did:key: no
    domain, no certificate, nobody vouches for it) and signs a request whose
    ``response_uri`` is another party's; yields the request link."""
    key = Key.generate("ES256")
    did = did_jwk_from_key(key) if method == "jwk" else did_key_from_key(key)
    kid = f"{did}#0" if method == "jwk" else f"{did}#{did.removeprefix('did:key:')}"
    client_id = f"decentralized_identifier:{did}"
    request = AuthorizationRequest.from_dict(
        {
            "client_id": client_id,
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "response_uri": response_uri,
            "nonce": secrets.token_urlsafe(16),
            "state": secrets.token_urlsafe(16),
            "dcql_query": DCQL,
        }
    )
    app = Flask("self-made-did-verifier")

    @app.get("/request")
    def request_object() -> Any:
        token = sign_request_object(request, key, now=time.time(), kid=kid)
        return app.response_class(token, mimetype="application/oauth-authz-req+jwt")

    with serve(app) as url:
        yield build_request_link(RequestReference(client_id, f"{url}/request"))


@pytest.mark.parametrize("method", ["jwk", "key"])
def test_self_made_did_verifier_is_not_shown_as_verified_nor_told(
    tmp_path: Path, listener: ListeningVerifier, method: str
) -> None:
    """Anyone can make a did:jwk or did:key in a millisecond: a request signed with
    one authenticates nobody. Before the fix the consent screen said "Identity
    verified against your wallet's trust anchors", and Decline posted
    ``access_denied`` to whatever ``response_uri`` the request named (here another
    platform's), which only a DID bound to a host (did:web) may choose."""
    wallet, client, token = holder_wallet(tmp_path, listener)
    hold(wallet, client, {SD("kyc_level"): 2}, labels=LABELS)
    with self_made_did_verifier(method, f"{listener.url}/response") as link:
        opened = open_request(client, token, link)
        page = opened.get_data(as_text=True)
        assert "Identity verified" not in page
        assert "Certificate checked" not in page
        assert "/consent" not in page, "the wallet offers to share with nobody in particular"
        if "/decline" in page:
            answer(client, token, page, "decline")
    assert listener.responses == []


# --- the owner's own session: answered requests ------------------------------------------


def test_answered_requests_do_not_fill_the_sessions_open_requests(
    tmp_path: Path, listener: ListeningVerifier
) -> None:
    """An investor who answered 10 requests within 10 minutes (the landing page
    of each is kept) could not open an 11th: "10 offers and requests are open",
    though none was."""
    wallet, client, token = holder_wallet(tmp_path, listener)
    hold(wallet, client, {SD("kyc_level"): 2}, labels=LABELS)
    landings = []
    for _ in range(12):
        opened = open_request(client, token, listener.link(DCQL))
        page = opened.get_data(as_text=True)
        assert opened.status_code == 200, page
        declined = answer(client, token, page, "decline")
        assert declined.status_code == 303
        landings.append(declined.headers["Location"])
    assert len(listener.responses) == 12
    # the latest landing pages still say how it ended
    last = client.get(landings[-1])
    assert last.status_code == 200 and "Nothing was shared" in last.get_data(as_text=True)


# --- (c): what always leaves with an SD-JWT VC -------------------------------------------


def test_consent_lists_claims_the_issuer_did_not_make_disclosable(
    tmp_path: Path, listener: ListeningVerifier
) -> None:
    """A claim the issuer signed in plain text (not a disclosure) leaves with every
    presentation of the credential. The consent screen listed only disclosures:
    it said "KYC level" while the family name went out too."""
    wallet, client, token = holder_wallet(tmp_path, listener)
    claims = {SD("given_name"): "Erika", "family_name": "Mustermann", SD("kyc_level"): 2}
    hold(wallet, client, claims, labels=LABELS)
    opened = open_request(client, token, listener.link(DCQL))
    page = opened.get_data(as_text=True)
    assert opened.status_code == 200, page
    tables = re.findall(r'<table data-testid="disclosed">(.*?)</table>', page, re.S)
    shared = re.sub(r"<[^>]+>", " ", " ".join(tables))
    assert answer(client, token, page, "consent").status_code == 303
    (form,) = listener.responses
    (presentation,) = json_loads_object(form["vp_token"], "vp_token")["kyc"]
    sent = jws.parse(split(presentation).issuer_jwt).claims()
    assert sent["family_name"] == "Mustermann"  # it did leave the wallet
    assert "Family name" in shared and "Mustermann" in shared, shared
    assert "Erika" not in shared


def test_answered_requests_kept_for_landing_pages_stay_bounded() -> None:
    """The landing pages of answered requests are not open entries, but they
    take memory too: at most 10 per session and 100 in all, the oldest forgotten
    first; an open entry is never dropped for them."""
    store = PendingStore(Clock())
    for n in range(10):
        store.add("owner", "offer", f"open{n}", n)
    for n in range(15):
        store.finish("owner", "request", f"done{n}", n)
    assert [store.get("owner", "request", f"done{n}") for n in range(15)] == [None] * 5 + list(
        range(5, 15)
    )
    assert all(store.get("owner", "offer", f"open{n}") == n for n in range(10))
    for session in range(12):
        for n in range(10):
            store.finish(f"s{session}", "request", f"done{n}", n)
    assert store.count() == 10 + 100
    assert store.get("s11", "request", "done9") == 9
    assert all(store.get("owner", "offer", f"open{n}") == n for n in range(10))


# --- (c): where the landing page goes on to ------------------------------------------


def test_landing_page_names_the_host_it_continues_to(
    tmp_path: Path, listener: ListeningVerifier
) -> None:
    """The verifier's answer may send the browser to any https URL (§8.2). The
    wallet's landing page said "Continue to 127.0.0.1" (the verifier's name)
    and went on, by itself, to another host: a look-alike of the wallet asking
    for the passphrase again would have been one second away. The link names
    the host the browser goes to."""
    wallet, client, token = holder_wallet(tmp_path, listener)
    hold(wallet, client, {SD("kyc_level"): 2}, labels=LABELS)
    listener.redirect_uri = "https://wallet-login.attacker.example/unlock"
    page = open_request(client, token, listener.link(DCQL)).get_data(as_text=True)
    shared = answer(client, token, page, "consent")
    text = client.get(shared.headers["Location"]).get_data(as_text=True)
    link = re.search(r'<a [^>]*id="continue"[^>]*>([^<]*)</a>', text)
    assert link, text
    assert link.group(1) == "Continue to wallet-login.attacker.example", link.group(1)


# --- (a): session fixation ------------------------------------------------------------


def test_session_fixation_a_planted_cookie_opens_nothing_after_the_owner_unlocks(
    tmp_path: Path,
) -> None:
    """Browsers keep cookies per host, not per port: a program serving another
    port of 127.0.0.1 can plant a wallet session cookie of its own (with a CSRF
    token it knows) in the investor's browser. Unlocking starts a new session:
    the planted cookie, replayed, opens nothing, and its CSRF token is not the
    owner's. (Regression: this held already.)"""
    wallet = make_wallet(tmp_path / "wallet", Clock())
    owner = wallet.test_client()
    create_wallet(owner)
    owner.post("/lock", data={"csrf_token": csrf(owner, "/unlock")})
    attacker = wallet.test_client()
    planted_token = csrf(attacker, "/unlock")
    name = wallet.config["SESSION_COOKIE_NAME"]
    planted = attacker.get_cookie(name)
    assert planted is not None
    investor = wallet.test_client()
    investor.set_cookie(name, planted.value)
    unlocked = investor.post("/unlock", data={"passphrase": PASS, "csrf_token": planted_token})
    assert unlocked.status_code == 302
    assert investor.get("/accounts").status_code == 200
    after = investor.get_cookie(name)
    assert after is not None and after.value != planted.value
    # the attacker's copy of the planted session is still locked ...
    assert attacker.get("/accounts").status_code == 303
    # ... and its CSRF token does not pass in the owner's session
    forged = investor.post("/accounts", data={"action": "create", "csrf_token": planted_token})
    assert forged.status_code == 400 and "CSRF" in forged.get_data(as_text=True)


# --- (b): Host header spellings a rebinding page or a proxy could bring -----------------


def test_rebinding_host_spellings_and_absolute_targets_are_refused(tmp_path: Path) -> None:
    """Names that resolve to 127.0.0.1 or look like it but are not a trusted
    name (a trailing dot, a wildcard-DNS name, a numeric IPv4 spelling), an
    absolute-form request target naming a foreign host, and an
    ``X-Forwarded-Host`` (no proxy is trusted): 400 before any view runs.
    (Regression: these held already.)"""
    wallet = make_wallet(tmp_path / "wallet", Clock())
    with serve(wallet) as base:
        port = urlsplit(base).port
        spellings = [
            f"localhost.:{port}",
            f"127.0.0.1.nip.io:{port}",
            f"2130706433:{port}",
            f"127.1:{port}",
            f"localhost:{port}@{FOREIGN}",
        ]
        for host in spellings:
            assert raw_request(base, "GET", "/setup", host)[0] == 400, host
        absolute = f"http://{FOREIGN}:{port}/setup"
        assert raw_request(base, "GET", absolute, f"127.0.0.1:{port}")[0] == 400
        forwarded = {"X-Forwarded-Host": f"127.0.0.1:{port}"}
        status, _ = raw_request(base, "GET", "/setup", f"{FOREIGN}:{port}", headers=forwarded)
        assert status == 400
        # nothing ran: the wallet still waits for its owner's passphrase
        status, text = raw_request(base, "GET", "/setup", f"localhost:{port}")
        assert status == 200 and "Create your wallet" in text


# --- an issuer's claim descriptions ---------------------------------------------------


def test_issuer_claim_descriptions_of_another_shape_do_not_break_the_wallet(
    tmp_path: Path, listener: ListeningVerifier
) -> None:
    """An issuer's metadata describes its claims (OpenID4VCI §12.2.4); the parser
    only checks that each ``path`` is a non-empty array. A path holding an
    object, kept as a claim label, made the credential list answer 500 on every
    visit from then on; a ``display`` that is not an array made the offer page
    answer 500. Such descriptions are left out."""
    issuer = "https://issuer.test.example"
    metadata = CredentialIssuerMetadata.from_dict(
        {
            "credential_issuer": issuer,
            "credential_endpoint": f"{issuer}/credential",
            "credential_configurations_supported": {
                "kyc": {
                    "format": "dc+sd-jwt",
                    "vct": VCT,
                    "credential_metadata": {
                        "claims": [
                            {"path": [{"x": 1}], "display": [{"name": "Evil"}]},
                            {"path": ["kyc_level"], "display": 5},
                            {"path": ["given_name", True], "display": [{"name": "Bool"}]},
                            {"path": ["given_name"], "display": [{"name": "Given name"}]},
                        ]
                    },
                }
            },
        }
    )
    offer = PendingOffer(
        "offer",
        CredentialOffer(issuer, ("kyc",)),
        metadata,
        f"{issuer}/token",
        "kyc",
        metadata.credential_configurations_supported["kyc"],
    )
    labels = offer.claim_labels  # what the offer page shows and accept() stores
    assert any(label == "Given name" for _path, label in labels), labels
    wallet, client, _token = holder_wallet(tmp_path, listener)
    held = hold(wallet, client, {SD("given_name"): "Erika", SD("kyc_level"): 2}, labels=labels)
    listing = client.get("/credentials")
    assert listing.status_code == 200, listing.get_data(as_text=True)
    detail = client.get(f"/credentials/{held.item_id}").get_data(as_text=True)
    assert "Given name" in detail and "Evil" not in detail and "Bool" not in detail
