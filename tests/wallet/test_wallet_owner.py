"""Issue 18, items 1 and 2: the wallet answers only its owner.

A second client on the machine (another browser profile, a local process, or
a web page through DNS rebinding) has a fresh cookie: after the investor
unlocked the wallet it reads nothing and changes nothing (303 to ``/unlock``).
A foreign ``Host`` gets 400 before any view of the wallet, the issuer or the
verifier runs; a page form posted from a foreign ``Origin`` or with
``Sec-Fetch-Site: cross-site`` gets 403 even with the right CSRF token.
Passphrase guesses back off (429 and ``Retry-After``, doubling up to 15
minutes, kept in the wallet's database), and a guess being derived never
freezes the owner's pages (SECURITY.md "Who may do what")."""

from __future__ import annotations

import http.client
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask
from flask.testing import FlaskClient

from kyc_wallet.web.config import write_private_file
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from ssi.x509 import issue_leaf, make_ca
from tests.servers import serve
from tests.support import Clock, RunningIssuer, start_issuer
from tests.wallet.test_receive_e2e import (
    PASS,
    create_wallet,
    csrf,
    make_wallet,
    receive,
)
from wallet.web_context import wallet_context

FOREIGN_HOST = "rebind.attacker.example"
OWNER_SECRETS = ("Erika", "Mustermann", "1990-08-12", "Heidestrasse")


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", Fetcher(FetchPolicy(allow_http_loopback=True)))


def unlocked_owner(tmp_path: Path, issuer: RunningIssuer) -> tuple[Flask, FlaskClient, str, str]:
    """A wallet whose owner created it, received the KYC credential (its id is
    the last member), added an address."""
    wallet = make_wallet(tmp_path / "wallet", issuer.clock)
    owner = wallet.test_client()
    token = create_wallet(owner)
    offer = issuer.create_offer()
    received = receive(owner, token, offer["link"], offer["tx_code"])
    assert received.status_code == 302
    credential_id = received.headers["Location"].rsplit("/", 1)[1]
    created = owner.post("/accounts", data={"action": "create", "csrf_token": token})
    assert created.status_code == 302
    return wallet, owner, token, credential_id


def addresses(client: FlaskClient) -> list[str]:
    page = client.get("/accounts")
    assert page.status_code == 200
    return sorted(set(re.findall(r"0x[0-9a-fA-F]{40}", page.get_data(as_text=True))))


def assert_sent_to_unlock(response: Any, what: str) -> None:
    assert response.status_code == 303, (what, response.status_code)
    assert urlsplit(response.headers["Location"]).path == "/unlock", what
    body = response.get_data(as_text=True)
    for secret in OWNER_SECRETS:
        assert secret not in body, (what, secret)


# --- item 1: the unlocked state belongs to the session that unlocked -------------


def test_wallet_owner_second_client_reads_nothing(tmp_path: Path, issuer: RunningIssuer) -> None:
    wallet, owner, _token, credential_id = unlocked_owner(tmp_path, issuer)
    offer = issuer.create_offer()
    same_device = offer["same_device_link"].split("127.0.0.1:5002", 1)[1]
    pages = [
        "/",
        "/credentials",
        f"/credentials/{credential_id}",
        "/history",
        "/accounts",
        "/settings",
        "/receive",
        "/present",
        same_device,
        "/authorize?" + urlencode({"client_id": "x509_hash:abc", "request_uri": "https://x/r"}),
    ]
    assert "Erika" in owner.get(f"/credentials/{credential_id}").get_data(as_text=True)
    stranger = wallet.test_client()  # a fresh cookie: another profile, process or page
    for path in pages:
        response = stranger.get(path)
        if path == "/":
            assert response.status_code in (302, 303)
            response = stranger.get(response.headers["Location"])
            assert response.status_code == 200 and "Unlock your wallet" in response.get_data(
                as_text=True
            )
            continue
        assert_sent_to_unlock(response, path)
    # the owner's session is untouched
    assert "Erika" in owner.get(f"/credentials/{credential_id}").get_data(as_text=True)


def test_wallet_owner_second_client_changes_nothing(tmp_path: Path, issuer: RunningIssuer) -> None:
    wallet, owner, token, credential_id = unlocked_owner(tmp_path, issuer)
    before_accounts = addresses(owner)
    account_page = owner.get("/accounts").get_data(as_text=True)
    account_id = re.search(r'action="/accounts/([0-9a-f]+)/name"', account_page)
    assert account_id, account_page
    before_credentials = owner.get("/credentials").get_data(as_text=True)
    assert "gave you 3 identical copies" in before_credentials
    # the owner has an offer open
    offer = issuer.create_offer()
    page = owner.post("/receive", data={"link": offer["link"], "csrf_token": token})
    offer_id = re.search(r"/offer/([^/]+)/accept", page.get_data(as_text=True))
    assert offer_id

    stranger = wallet.test_client()
    stolen = csrf(stranger, "/unlock")  # its own session's token: the only one it can get
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("/accounts", {"action": "create", "label": "mine"}),
        ("/accounts", {"action": "import", "private_key": "77" * 32, "label": "mine"}),
        (f"/accounts/{account_id.group(1)}/name", {"label": "mine"}),
        (f"/accounts/{account_id.group(1)}/remove", {"confirm": "yes"}),
        ("/receive", {"link": offer["link"]}),
        (f"/offer/{offer_id.group(1)}/accept", {"pin": offer["tx_code"]}),
        ("/present", {"link": "openid4vp://?client_id=x509_hash%3Aabc&request_uri=https%3A//x"}),
        ("/present/any/consent", {"credential_kyc": credential_id}),
        ("/backup", {"passphrase": PASS}),
        ("/settings", {"old": PASS, "new": "the attacker's passphrase", "confirm": "x"}),
        (f"/credentials/{credential_id}/delete", {}),
        ("/lock", {}),
    ]
    for path, form in attempts:
        response = stranger.post(path, data={**form, "csrf_token": stolen})
        assert_sent_to_unlock(response, f"POST {path}")
    restore = stranger.post(
        "/restore",
        data={"csrf_token": stolen, "passphrase": PASS, "backup": (b"{}", "b.json")},
        content_type="multipart/form-data",
    )
    assert_sent_to_unlock(restore, "POST /restore")

    # nothing changed for the owner, who is still unlocked and can finish the offer
    assert addresses(owner) == before_accounts
    assert owner.get("/accounts").get_data(as_text=True) == account_page
    assert owner.get("/credentials").get_data(as_text=True) == before_credentials
    assert owner.get(f"/credentials/{credential_id}").status_code == 200
    accepted = owner.post(
        f"/offer/{offer_id.group(1)}/accept", data={"pin": offer["tx_code"], "csrf_token": token}
    )
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
    # the passphrase is still the owner's
    again = wallet.test_client()
    unlock_token = csrf(again, "/unlock")
    assert again.post("/unlock", data={"passphrase": PASS, "csrf_token": unlock_token}).status_code
    assert again.get("/accounts").status_code == 200


def test_wallet_owner_lock_forgets_the_key(tmp_path: Path) -> None:
    wallet = make_wallet(tmp_path / "wallet", Clock())
    owner = wallet.test_client()
    token = create_wallet(owner)
    vaults = wallet_context(wallet).vaults
    assert vaults.sessions.count() == 1
    cookie = owner.get_cookie(wallet.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    assert owner.post("/lock", data={"csrf_token": token}).status_code in (302, 303)
    assert vaults.sessions.count() == 0  # the data key is gone from the server
    # the cookie the owner had before Lock opens nothing any more
    replay = wallet.test_client()
    replay.set_cookie(cookie.key, cookie.value)
    assert_sent_to_unlock(replay.get("/accounts"), "replayed cookie")
    assert_sent_to_unlock(owner.get("/accounts"), "after Lock")


def test_wallet_owner_other_unlocked_session_unaffected_by_lock(tmp_path: Path) -> None:
    """Each browser session unlocks for itself; Lock ends only its own."""
    wallet = make_wallet(tmp_path / "wallet", Clock())
    first = wallet.test_client()
    first_token = create_wallet(first)
    second = wallet.test_client()
    token = csrf(second, "/unlock")
    assert second.post("/unlock", data={"passphrase": PASS, "csrf_token": token}).status_code == 302
    assert first.post("/lock", data={"csrf_token": first_token}).status_code in (302, 303)
    assert second.get("/accounts").status_code == 200
    assert_sent_to_unlock(first.get("/accounts"), "locked session")


def test_wallet_owner_idle_timeout_with_an_injected_clock(tmp_path: Path) -> None:
    clock = Clock()
    wallet = make_wallet(tmp_path / "wallet", clock, IDLE_TIMEOUT=600, ABSOLUTE_TIMEOUT=3600)
    owner = wallet.test_client()
    create_wallet(owner)
    clock.now += 599
    assert owner.get("/accounts").status_code == 200  # use resets the idle timer
    clock.now += 599
    assert owner.get("/accounts").status_code == 200
    clock.now += 601
    assert_sent_to_unlock(owner.get("/accounts"), "idle")
    assert wallet_context(wallet).vaults.sessions.count() == 0


def test_wallet_owner_absolute_timeout_with_an_injected_clock(tmp_path: Path) -> None:
    clock = Clock()
    wallet = make_wallet(tmp_path / "wallet", clock, IDLE_TIMEOUT=600, ABSOLUTE_TIMEOUT=3600)
    owner = wallet.test_client()
    create_wallet(owner)
    for _ in range(6):  # busy all along: never idle
        clock.now += 500
        assert owner.get("/accounts").status_code == 200
    clock.now += 601  # 3,601 s after unlocking
    assert_sent_to_unlock(owner.get("/accounts"), "absolute")


# --- item 1: trusted hosts on every route of the three apps -----------------------


def raw_request(
    base: str, method: str, path: str, host: str, body: bytes = b"", headers: Any = None
) -> tuple[int, str]:
    """One HTTP request with the given ``Host`` header (http.client sends it as is)."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        conn.close()


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}


def assert_foreign_host_refused(base: str, method: str, path: str, **kwargs: Any) -> None:
    port = urlsplit(base).port
    status, text = raw_request(base, method, path, f"{FOREIGN_HOST}:{port}", **kwargs)
    assert status == 400, (method, path, status, text[:300])
    assert "Erika" not in text


def test_wallet_owner_foreign_host_refused_by_the_wallet(tmp_path: Path) -> None:
    wallet = make_wallet(tmp_path / "wallet", Clock())
    with serve(wallet) as base:
        host = urlsplit(base).netloc
        requests = [
            ("GET", "/", b"", None),
            ("GET", "/setup", b"", None),
            ("GET", "/unlock", b"", None),
            ("GET", "/credentials", b"", None),
            ("GET", "/offer?credential_offer_uri=https%3A%2F%2Fx", b"", None),
            ("GET", "/authorize?client_id=x&request_uri=https%3A%2F%2Fx", b"", None),
            ("POST", "/setup", f"passphrase={PASS}&confirm={PASS}".encode(), FORM),
            ("POST", "/unlock", f"passphrase={PASS}".encode(), FORM),
            ("GET", "/static/style.css", b"", None),
        ]
        for method, path, body, headers in requests:
            assert_foreign_host_refused(base, method, path, body=body, headers=headers)
        # no view ran: the wallet is still waiting for its owner's passphrase
        status, text = raw_request(base, "GET", "/setup", host)
        assert status == 200 and "Create your wallet" in text
        assert raw_request(base, "GET", "/setup", f"localhost:{urlsplit(base).port}")[0] == 200


def test_wallet_owner_foreign_host_refused_by_the_issuer(issuer: RunningIssuer) -> None:
    offer = issuer.create_offer()
    token_body = urlencode(
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
            "pre-authorized_code": _pre_authorized_code(issuer, offer),
            "tx_code": offer["tx_code"],
        }
    ).encode()
    bearer = {"Authorization": "Bearer test-api-key-0123456789"}
    requests = [
        ("GET", "/", b"", None),
        ("GET", "/operator/login", b"", None),
        ("POST", "/operator/login", b"password=operator-password", FORM),
        ("GET", "/.well-known/openid-credential-issuer", b"", None),
        ("GET", "/.well-known/oauth-authorization-server", b"", None),
        ("GET", "/.well-known/jwt-vc-issuer", b"", None),
        ("GET", urlsplit(_offer_uri(offer)).path, b"", None),
        ("POST", "/token", token_body, FORM),
        ("POST", "/nonce", b"", None),
        ("POST", "/credential", b"{}", JSON),
        ("GET", "/api/v1/credentials", b"", bearer),
    ]
    for method, path, body, headers in requests:
        assert_foreign_host_refused(issuer.url, method, path, body=body, headers=headers)
    # the pre-authorized code was not consumed by the refused request
    status, text = raw_request(
        issuer.url, "POST", "/token", urlsplit(issuer.url).netloc, token_body, FORM
    )
    assert status == 200, text


def _offer_uri(offer: dict[str, Any]) -> str:
    query = parse_qs(urlsplit(offer["link"]).query)
    uri: str = query["credential_offer_uri"][0]
    return uri


def _pre_authorized_code(issuer: RunningIssuer, offer: dict[str, Any]) -> str:
    body = issuer.fetch.get(_offer_uri(offer)).json()
    grant = body["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    code: str = grant["pre-authorized_code"]
    return code


@pytest.fixture
def verifier_app(tmp_path: Path) -> Flask:
    from verifier.app import create_app as create_verifier

    data_dir = tmp_path / "verifier"
    data_dir.mkdir()
    clock = Clock()
    ca_key, ca = make_ca("Test Root", now=clock.now)
    key = Key.generate("ES256")
    write_private_file(data_dir / "key.pem", key.private_pem())  # 0600, or refused
    leaf = issue_leaf(ca_key, ca, key, ["127.0.0.1"], now=clock.now, days=800)
    (data_dir / "chain.pem").write_bytes(leaf.public_bytes(Encoding.PEM))
    return create_verifier(
        {
            "DATA_DIR": str(data_dir),
            "KEY_PATH": str(data_dir / "key.pem"),
            "CERT_CHAIN_PATH": str(data_dir / "chain.pem"),
            "API_KEYS": ["platform:verifier-api-key-0123456789"],
            "OPERATOR_PASSWORD": "operator-password",
            "DEV_ALLOW_HTTP_LOOPBACK": True,
            "TESTING": True,
            "CHAIN_WORKER_INTERVAL": 0,
            "MONITOR_INTERVAL": 0,
        },
        clock=clock,
    )


def test_wallet_owner_foreign_host_refused_by_the_verifier(verifier_app: Flask) -> None:
    bearer = {"Authorization": "Bearer verifier-api-key-0123456789"}
    with serve(verifier_app, lambda url: verifier_app.config.update(VERIFIER_URL=url)) as base:
        requests = [
            ("GET", "/", b"", None),
            ("GET", "/operator/login", b"", None),
            ("POST", "/operator/login", b"password=operator-password", FORM),
            ("GET", "/oid4vp/request/some-id", b"", None),
            ("POST", "/oid4vp/request/some-id", b"wallet_nonce=abc", FORM),
            ("POST", "/oid4vp/response", b"state=abc&vp_token=x", FORM),
            ("GET", "/api/v1/openapi.json", b"", None),
            ("POST", "/api/v1/verifications", b"{}", {**bearer, **JSON}),
        ]
        for method, path, body, headers in requests:
            assert_foreign_host_refused(base, method, path, body=body, headers=headers)
        status, _ = raw_request(base, "GET", "/operator/login", urlsplit(base).netloc)
        assert status == 200


# --- item 1: Origin and Sec-Fetch-Site on page forms --------------------------------

FOREIGN_HEADERS = [
    {"Origin": f"http://{FOREIGN_HOST}:5002"},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1:8000"},  # another local web app: same site, other origin
    {"Sec-Fetch-Site": "cross-site"},
]


@pytest.mark.parametrize("headers", FOREIGN_HEADERS, ids=["rebind", "null", "port", "sec-fetch"])
def test_wallet_owner_cross_origin_form_post_refused(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    wallet = make_wallet(tmp_path / "wallet", Clock())
    owner = wallet.test_client()
    token = create_wallet(owner)
    response = owner.post(
        "/accounts", data={"action": "create", "csrf_token": token}, headers=headers
    )
    assert response.status_code == 403, response.get_data(as_text=True)
    assert "another site" in response.get_data(as_text=True)
    assert addresses(owner) == []


def test_wallet_owner_same_origin_or_headerless_form_post_works(tmp_path: Path) -> None:
    wallet = make_wallet(tmp_path / "wallet", Clock())
    owner = wallet.test_client()
    token = create_wallet(owner)
    own: tuple[dict[str, str], ...] = (
        {},
        {"Origin": "http://localhost"},
        {"Sec-Fetch-Site": "same-origin"},
        # a page under Referrer-Policy: no-referrer posts its own forms so
        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )
    for headers in own:
        response = owner.post(
            "/accounts", data={"action": "create", "csrf_token": token}, headers=headers
        )
        assert response.status_code == 302, (headers, response.get_data(as_text=True))
    assert len(addresses(owner)) == 4
    # a header alone is not enough: the CSRF token is still required
    response = owner.post(
        "/accounts", data={"action": "create"}, headers={"Origin": "http://localhost"}
    )
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)


@pytest.mark.parametrize("app_name", ["issuer", "verifier"])
def test_wallet_owner_cross_origin_operator_sign_in_refused(
    app_name: str, issuer: RunningIssuer, verifier_app: Flask
) -> None:
    """The issuer's and the verifier's page forms check Origin too."""
    app = issuer.app if app_name == "issuer" else verifier_app
    if app_name == "issuer":
        app.config["OPERATOR_PASSWORD"] = "operator-password"
    for headers in FOREIGN_HEADERS:
        client = app.test_client()
        token = csrf(client, "/operator/login")
        response = client.post(
            "/operator/login",
            data={"password": "operator-password", "csrf_token": token},
            headers=headers,
        )
        assert response.status_code == 403, (headers, response.status_code)
        assert client.get("/operator/").status_code in (302, 303)  # not signed in
    client = app.test_client()
    token = csrf(client, "/operator/login")
    response = client.post(
        "/operator/login", data={"password": "operator-password", "csrf_token": token}
    )
    assert response.status_code == 302
    assert client.get("/operator/").status_code == 200


# --- item 2: passphrase guessing -------------------------------------------------------


FAILED_TRIES_LINE = 'data-testid="failed-tries"'


def guess(client: FlaskClient, passphrase: str = "not the passphrase", **headers: str) -> Any:
    token = csrf(client, "/unlock")
    return client.post(
        "/unlock", data={"passphrase": passphrase, "csrf_token": token}, headers=headers
    )


def locked_wallet(tmp_path: Path, clock: Clock) -> Flask:
    wallet = make_wallet(tmp_path / "wallet", clock)
    owner = wallet.test_client()
    token = create_wallet(owner)
    owner.post("/lock", data={"csrf_token": token})
    return wallet


def test_wallet_owner_unlock_backs_off_doubling_up_to_15_minutes(tmp_path: Path) -> None:
    clock = Clock()
    wallet = locked_wallet(tmp_path, clock)
    attacker = wallet.test_client()
    for _ in range(5):
        assert guess(attacker).status_code == 403
    expected_waits = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    for failures, wait in enumerate(expected_waits, start=5):
        refused = guess(attacker)
        assert refused.status_code == 429, failures
        assert refused.headers["Retry-After"] == str(wait), failures
        text = refused.get_data(as_text=True)
        assert f"{failures} failed" in text, text
        # the right passphrase is refused too while the wallet waits, and not derived
        assert guess(attacker, PASS).status_code == 429
        clock.now += wait - 1
        assert guess(attacker).status_code == 429  # one second early
        clock.now += 1
        assert guess(attacker).status_code == 403  # counted: one more failure
    page = wallet.test_client().get("/unlock").get_data(as_text=True)
    assert "17 failed" in page and "15 minutes" in page
    assert "another program on this computer" in page.lower()
    clock.now += 900
    owner = wallet.test_client()
    assert guess(owner, PASS).status_code == 302
    assert owner.get("/accounts").status_code == 200
    # a successful unlock starts the count again
    assert FAILED_TRIES_LINE not in wallet.test_client().get("/unlock").get_data(as_text=True)


def test_wallet_owner_unlock_page_says_how_long_to_wait(tmp_path: Path) -> None:
    clock = Clock()
    wallet = locked_wallet(tmp_path, clock)
    attacker = wallet.test_client()
    for _ in range(7):
        guess(attacker)
        clock.now += 60
    clock.now -= 60
    page = wallet.test_client().get("/unlock")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "7 failed" in text
    assert "wait 4 seconds" in text, text


def test_wallet_owner_unlock_backoff_survives_a_restart(tmp_path: Path) -> None:
    clock = Clock()
    wallet = locked_wallet(tmp_path, clock)
    attacker = wallet.test_client()
    for _ in range(6):
        guess(attacker)
        clock.now += 1
    clock.now -= 1
    restarted = make_wallet(tmp_path / "wallet", clock)  # same data folder
    refused = guess(restarted.test_client(), PASS)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "2"
    clock.now += 2
    assert guess(restarted.test_client(), PASS).status_code == 302


@pytest.mark.parametrize("headers", FOREIGN_HEADERS, ids=["rebind", "null", "port", "sec-fetch"])
def test_wallet_owner_cross_site_unlock_attempts_do_not_count(
    tmp_path: Path, headers: dict[str, str]
) -> None:
    """Only a POST that passes the Host, Origin and CSRF checks is a try, so a
    web page cannot lock the owner out."""
    clock = Clock()
    wallet = locked_wallet(tmp_path, clock)
    page = wallet.test_client()
    for _ in range(12):
        assert guess(page, **headers).status_code == 403
    for _ in range(12):  # no CSRF token: not a try either
        assert page.post("/unlock", data={"passphrase": "x" * 12}).status_code == 400
    assert FAILED_TRIES_LINE not in wallet.test_client().get("/unlock").get_data(as_text=True)
    owner = wallet.test_client()
    assert guess(owner, PASS).status_code == 302


def test_wallet_owner_guess_does_not_freeze_the_owner(tmp_path: Path) -> None:
    """The key is derived outside the vault lock: with a deliberately expensive
    Argon2id (libsodium's SENSITIVE ops, 256 MiB), the owner's pages open while
    a guess is still being derived."""
    clock = Clock()
    wallet = make_wallet(tmp_path / "wallet", clock, KDF_OPSLIMIT=4, KDF_MEMLIMIT=256 * 1024 * 1024)
    owner = wallet.test_client()
    token = create_wallet(owner)
    owner.post("/accounts", data={"action": "create", "csrf_token": token})
    attacker = wallet.test_client()
    attacker_token = csrf(attacker, "/unlock")
    answers: list[int] = []

    def one_guess() -> None:
        answer = attacker.post(
            "/unlock", data={"passphrase": "a wrong guess!", "csrf_token": attacker_token}
        )
        answers.append(answer.status_code)

    limit = wallet_context(wallet).vaults.attempts
    guessing = threading.Thread(target=one_guess)
    guessing.start()
    try:
        # the guess is counted before its derivation starts
        while limit.state().failures == 0:
            assert guessing.is_alive(), answers
            threading.Event().wait(0.005)
        for path in ("/credentials", "/accounts", "/history"):
            page = owner.get(path)
            assert page.status_code == 200, path
        assert guessing.is_alive(), "the owner's pages waited for the guess's derivation"
    finally:
        guessing.join(timeout=120)
    assert answers == [403]


def test_wallet_owner_passphrase_checks_in_settings_count_as_tries(tmp_path: Path) -> None:
    """An unlocked browser left alone cannot be used to guess the passphrase
    faster than the unlock page allows (settings and backup check it too)."""
    clock = Clock()
    wallet = make_wallet(tmp_path / "wallet", clock)
    owner = wallet.test_client()
    token = create_wallet(owner)
    change = {"old": "a wrong guess!", "new": "a new passphrase", "confirm": "a new passphrase"}
    for _ in range(3):
        assert owner.post("/settings", data={**change, "csrf_token": token}).status_code == 403
    for _ in range(2):
        wrong = {"passphrase": "a wrong guess!", "csrf_token": token}
        assert owner.post("/backup", data=wrong).status_code == 403
    refused = owner.post("/settings", data={**change, "csrf_token": token})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert "5 failed tries" in refused.get_data(as_text=True)
