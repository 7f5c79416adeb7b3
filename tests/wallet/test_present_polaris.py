"""The wallet presents to an independent OpenID4VP 1.0 + HAIP verifier,
polaris-oid4vp (x509_hash client id, request_uri_method=post, direct_post.jwt,
ES256), over real HTTP on 127.0.0.1; and the wallet's refusals of SECURITY.md
(untrusted x509_hash, redirect on request_uri, mismatching response_uri,
unknown transaction data type, CSRF on the consent form, hostile metadata)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask
from flask.testing import FlaskClient
from polaris_oid4vp.serve import serve as polaris_serve
from polaris_oid4vp.verifier import Verifier as PolarisVerifier

from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from ssi.x509 import issue_leaf, make_ca
from tests.servers import free_port
from tests.support import RunningIssuer, start_issuer
from tests.wallet.test_receive_e2e import PASS, create_wallet, csrf, make_wallet, receive

VCT = "urn:kyc-wallet:vct:kyc:1"
DCQL = json.dumps(
    {
        "credentials": [
            {
                "id": "kyc",
                "format": "dc+sd-jwt",
                "meta": {"vct_values": [VCT]},
                "claims": [{"path": ["kyc_level"]}],
            }
        ]
    }
)


@dataclass
class Polaris:
    verifier: PolarisVerifier
    verdicts: list[tuple[int, Any, Any]] = field(default_factory=list)

    def link(self, transaction_data: Any = None) -> str:
        session, _ = self.verifier.new_request(transaction_data=transaction_data)
        params = self.verifier.authorization_request_params(session)
        return "openid4vp://?" + urlencode(params)


@pytest.fixture(scope="module")
def ca(tmp_path_factory: pytest.TempPathFactory) -> tuple[Key, Any, Path]:
    key, cert = make_ca("Test Verifier Root", now=time.time())
    path = tmp_path_factory.mktemp("ca") / "roots.pem"
    path.write_bytes(cert.public_bytes(Encoding.PEM))
    return key, cert, path


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", Fetcher(FetchPolicy(allow_http_loopback=True)))


def start_polaris(
    issuer: RunningIssuer, ca: tuple[Key, Any, Path], claims: Any
) -> Iterator[Polaris]:
    ca_key, ca_cert, _ = ca
    leaf_key = Key.generate("ES256")
    leaf = issue_leaf(ca_key, ca_cert, leaf_key, ["localhost"], now=time.time())
    port = free_port()
    base = f"http://localhost:{port}"
    issuer_jwk = issuer.fetch.get(issuer.url + "/.well-known/jwt-vc-issuer").json()["jwks"]["keys"][
        0
    ]
    verifier = PolarisVerifier(
        client_cert_pem=leaf.public_bytes(Encoding.PEM),
        client_key_pem=leaf_key.private_pem(),
        request_uri=f"{base}/request.jwt",
        response_uri=f"{base}/response",
        issuer_jwks=[issuer_jwk],
        vct_values=(VCT,),
        claims=claims,
    )
    polaris = Polaris(verifier)
    lock = threading.Lock()

    def on_verdict(status: int, body: Any, verdict: Any) -> None:
        with lock:
            polaris.verdicts.append((status, body, verdict))

    httpd = polaris_serve(verifier, host="127.0.0.1", port=port, on_verdict=on_verdict)
    try:
        yield polaris
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def polaris(issuer: RunningIssuer, ca: tuple[Key, Any, Path]) -> Iterator[Polaris]:
    claims = (
        {"path": ["age_equal_or_over", "18"], "values": [True]},
        "kyc_level",
        ["address", "country"],
    )
    yield from start_polaris(issuer, ca, claims)


@pytest.fixture
def holder(
    tmp_path: Path, issuer: RunningIssuer, ca: tuple[Key, Any, Path]
) -> tuple[Flask, FlaskClient, str]:
    wallet = make_wallet(tmp_path / "wallet", issuer.clock, TRUSTED_X509_ROOTS=str(ca[2]))
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    return wallet, client, token


def consent_page(client: FlaskClient, token: str, link: str) -> Any:
    return client.post("/present", data={"link": link, "csrf_token": token})


def test_polaris_accepts_the_wallets_presentation(
    polaris: Polaris, holder: tuple[Flask, FlaskClient, str]
) -> None:
    _, client, token = holder
    page = consent_page(client, token, polaris.link())
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "Certificate checked against your trusted list" in text
    assert 'data-testid="verifier-host">localhost<' in text
    assert "18 or older" in text and "KYC level" in text and "Country of residence" in text
    # the consent screen says what stays hidden
    hidden = re.search(r"Stays hidden: ([^<]+)", text)
    assert hidden and "Date of birth" in hidden.group(1) and "Given name" in hidden.group(1)
    request_id = re.search(r"/present/([^/]+)/consent", text)
    assert request_id
    response = client.post(
        f"/present/{request_id.group(1)}/consent",
        data={"csrf_token": token, **_choices(text)},
    )
    # the wallet's own landing page (form-action 'self'), which continues to the
    # verifier's redirect_uri
    assert response.status_code == 303, response.get_data(as_text=True)
    landing = response.headers["Location"]
    assert landing == f"/present/{request_id.group(1)}/done"
    done = client.get(landing).get_data(as_text=True)
    assert "Shared with the platform" in done  # its certificate names no organisation
    onward = re.search(r'id="continue" href="([^"]+)"', done)
    assert onward and onward.group(1).endswith("/done")  # polaris' redirect_uri
    ((status, _body, verdict),) = polaris.verdicts
    assert status == 200 and verdict.authentic
    assert verdict.claims["age_equal_or_over"] == {"18": True}
    assert verdict.claims["kyc_level"] == 2
    assert "birthdate" not in verdict.claims and "given_name" not in verdict.claims
    history = client.get("/history").get_data(as_text=True)
    # issue 20 item 2: the history lists claims by their labels, never by claim paths
    assert "18 or older" in history and "KYC level" in history
    assert "age_equal_or_over" not in history and "kyc_level" not in history


def _choices(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(credential_[^"]+)" value="([^"]+)"', page)[:1])


def test_the_same_device_authorize_route_opens_the_consent_screen(
    polaris: Polaris, holder: tuple[Flask, FlaskClient, str]
) -> None:
    """ARCHITECTURE.md "Links": ``/authorize`` takes the request link's query."""
    _, client, _ = holder
    query = polaris.link().split("?", 1)[1]
    page = client.get(f"/authorize?{query}")
    assert page.status_code == 200, page.get_data(as_text=True)
    assert "asks for your KYC credential" in page.get_data(as_text=True)


def test_a_second_presentation_uses_a_copy_not_yet_shown(
    polaris: Polaris, holder: tuple[Flask, FlaskClient, str]
) -> None:
    wallet, client, token = holder
    used = []
    for _ in range(2):
        text = consent_page(client, token, polaris.link()).get_data(as_text=True)
        choice = _choices(text)
        used.append(next(iter(choice.values())))
        request_id = re.search(r"/present/([^/]+)/consent", text)
        assert request_id
        client.post(f"/present/{request_id.group(1)}/consent", data={"csrf_token": token, **choice})
    assert used[0] != used[1]
    assert [v[2].authentic for v in polaris.verdicts] == [True, True]


def test_untrusted_x509_hash_is_refused(
    tmp_path: Path, issuer: RunningIssuer, polaris: Polaris
) -> None:
    other_root = make_ca("Someone else", now=time.time())[1]
    roots = tmp_path / "other.pem"
    roots.write_bytes(other_root.public_bytes(Encoding.PEM))
    wallet = make_wallet(tmp_path / "w2", issuer.clock, TRUSTED_X509_ROOTS=str(roots))
    client = wallet.test_client()
    token = create_wallet(client)
    page = consent_page(client, token, polaris.link())
    assert page.status_code == 400
    assert "does not verify to a trusted root" in page.get_data(as_text=True)
    assert polaris.verdicts == []


def test_consent_without_csrf_token_is_refused(
    polaris: Polaris, holder: tuple[Flask, FlaskClient, str]
) -> None:
    _, client, token = holder
    text = consent_page(client, token, polaris.link()).get_data(as_text=True)
    request_id = re.search(r"/present/([^/]+)/consent", text)
    assert request_id
    response = client.post(f"/present/{request_id.group(1)}/consent", data=_choices(text))
    assert response.status_code == 400 and "CSRF" in response.get_data(as_text=True)
    assert polaris.verdicts == []


def test_pending_request_cannot_be_answered_by_another_session(
    polaris: Polaris, holder: tuple[Flask, FlaskClient, str]
) -> None:
    """Issue 18: a request belongs to the browser session that opened it, even
    against the owner's own second browser, unlocked on its own."""
    wallet, client, token = holder
    text = consent_page(client, token, polaris.link()).get_data(as_text=True)
    request_id = re.search(r"/present/([^/]+)/consent", text)
    assert request_id
    other = wallet.test_client()
    unlock_token = csrf(other, "/unlock")
    unlocked = other.post("/unlock", data={"passphrase": PASS, "csrf_token": unlock_token})
    assert unlocked.status_code == 302
    other_token = csrf(other, "/present")
    taken = other.post(
        f"/present/{request_id.group(1)}/consent",
        data={"csrf_token": other_token, **_choices(text)},
    )
    assert taken.status_code == 400 and "no longer open here" in taken.get_data(as_text=True)
    assert polaris.verdicts == []
    answered = client.post(
        f"/present/{request_id.group(1)}/consent", data={"csrf_token": token, **_choices(text)}
    )
    assert answered.status_code == 303, answered.get_data(as_text=True)
    assert [v[2].authentic for v in polaris.verdicts] == [True]


def test_unknown_transaction_data_type_is_shown_then_reported(
    issuer: RunningIssuer, ca: tuple[Key, Any, Path], holder: tuple[Flask, FlaskClient, str]
) -> None:
    """Issue 18 item 6: an authenticated verifier asks for an unknown transaction data
    type; the wallet shows why, and only on the investor's click sends
    ``invalid_transaction_data`` (OpenID4VP 1.0 §8.5)."""
    _, client, token = holder
    for polaris in start_polaris(issuer, ca, ("kyc_level",)):
        entry = {"type": "org.example.payment", "credential_ids": ["pid"], "amount": "10"}
        try:
            link = polaris.link(transaction_data=[entry])
        except ValueError:
            pytest.skip("polaris refuses to build this transaction data entry")
        page = consent_page(client, token, link)
        text = page.get_data(as_text=True)
        assert page.status_code == 200, text
        assert "unsupported transaction data type" in text
        assert "/consent" not in text and polaris.verdicts == []  # nothing sent on its own
        request_id = re.search(r"/present/([^/]+)/decline", text)
        assert request_id
        told = client.post(f"/present/{request_id.group(1)}/decline", data={"csrf_token": token})
        assert told.status_code == 303
        assert "was told that you declined" in client.get(told.headers["Location"]).get_data(
            as_text=True
        )
        ((status, body, verdict),) = polaris.verdicts
        assert status == 200 and body == {}
        assert verdict.wallet_error["error"] == "invalid_transaction_data"
        assert verdict.wallet_error["error_description"] is None


def test_decline_sends_access_denied_to_an_authenticated_verifier(
    polaris: Polaris, holder: tuple[Flask, FlaskClient, str]
) -> None:
    """Issue 18 item 6: Decline posts the error response ``access_denied`` (§8.5)."""
    _, client, token = holder
    text = consent_page(client, token, polaris.link()).get_data(as_text=True)
    request_id = re.search(r"/present/([^/]+)/decline", text)
    assert request_id and polaris.verdicts == []
    declined = client.post(f"/present/{request_id.group(1)}/decline", data={"csrf_token": token})
    assert declined.status_code == 303
    page = client.get(declined.headers["Location"]).get_data(as_text=True)
    assert "Nothing was shared" in page and "The platform was told that you declined" in page
    assert "You can close this page" in page
    ((status, _body, verdict),) = polaris.verdicts
    assert status == 200 and not verdict.authentic
    assert verdict.wallet_error["error"] == "access_denied"
    assert verdict.wallet_error["error_description"] is None


def test_redirect_on_request_uri_is_not_followed(holder: tuple[Flask, FlaskClient, str]) -> None:
    from flask import Flask as _Flask
    from flask import redirect

    from tests.servers import serve

    hits: list[str] = []
    app = _Flask("redirector")

    @app.route("/request", methods=["GET", "POST"])
    def moved() -> Any:
        return redirect("/elsewhere")

    @app.route("/elsewhere", methods=["GET", "POST"])
    def elsewhere() -> str:
        hits.append("followed")
        return "x"

    _, client, token = holder
    with serve(app) as url:
        link = "openid4vp://?" + urlencode(
            {"client_id": "x509_hash:" + "A" * 43, "request_uri": f"{url}/request"}
        )
        page = consent_page(client, token, link)
    assert page.status_code == 502 and "not followed" in page.get_data(as_text=True)
    assert hits == []


def test_unsigned_request_whose_response_uri_differs_from_its_client_id_is_refused(
    holder: tuple[Flask, FlaskClient, str],
) -> None:
    _, client, token = holder
    params = {
        "client_id": "redirect_uri:http://127.0.0.1:9/response",
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": "http://127.0.0.1:9/elsewhere",
        "nonce": "n0nce123456",
        "state": "st4te",
        "dcql_query": DCQL,
    }
    page = consent_page(client, token, "openid4vp://?" + urlencode(params))
    assert page.status_code == 400
    assert "response_uri" in page.get_data(as_text=True)


def test_hostile_verifier_values_are_rendered_escaped(
    holder: tuple[Flask, FlaskClient, str],
) -> None:
    _, client, token = holder
    hostile = "http://127.0.0.1:9/<img src=x onerror=alert(1)>"
    params = {
        "client_id": f"redirect_uri:{hostile}",
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": hostile,
        "nonce": "n0nce123456",
        "state": "st4te",
        "dcql_query": DCQL,
    }
    page = consent_page(client, token, "openid4vp://?" + urlencode(params))
    text = page.get_data(as_text=True)
    assert "<img src=x onerror=alert(1)>" not in text
    assert page.status_code == 200, text
    assert "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "Not verified" in text
