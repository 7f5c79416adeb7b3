"""The wallet receives the W3C predicate credentials of an offer with its
SD-JWT VC over real HTTP (docs/wallet.md "W3C credentials"): each bound to
its own did:key, stored encrypted, listed, with its status; and presents one
as a VP signed by that DID over a verifier's nonce and client id."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ssi import w3c
from ssi.encoding import b64url_decode, b64url_encode
from ssi.errors import ClaimMismatch, InvalidRequest, InvalidSignature
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from tests.support import RunningIssuer, assert_no_plaintext, start_issuer
from tests.wallet.test_receive_e2e import create_wallet, make_wallet, owner_vault, receive
from wallet.vault import VaultItem
from wallet.w3c import holder_signer, present, stored_credential

OFFERED = ["kyc_age_jwt_vc_json", "kyc_level_ldp_vc"]


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=OFFERED)


@pytest.fixture
def wallet(tmp_path: Path, issuer: RunningIssuer) -> Flask:
    return make_wallet(tmp_path / "wallet", issuer.clock)


def _w3c_items(wallet: Flask, client: FlaskClient) -> dict[str, VaultItem]:
    vault = owner_vault(wallet, client)
    return {
        i.data["format"]: i
        for i in vault.items("credential")
        if i.data["format"] in ("jwt_vc_json", "ldp_vc")
    }


def _issuer_did(issuer: RunningIssuer) -> str:
    did: str = issuer.app.extensions["issuer"].w3c.did
    return did


def test_offer_page_names_the_w3c_credentials(issuer: RunningIssuer, wallet: Flask) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    page = client.post("/receive", data={"link": offer["link"], "csrf_token": token})
    text = page.get_data(as_text=True)
    listed = re.search(r'data-testid="w3c-offered">(.*?)</ul>', text, re.S)
    assert listed is not None
    # issue 20 item 2: in words, no format identifier on the offer page
    assert "Age (W3C), signed as a JWT" in listed.group(1)
    assert "KYC level (W3C), signed as linked data" in listed.group(1)
    assert "jwt_vc_json" not in text and "ldp_vc" not in text


def test_w3c_credentials_received_bound_to_their_own_did_key(
    issuer: RunningIssuer, wallet: Flask
) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    items = _w3c_items(wallet, client)
    assert set(items) == {"jwt_vc_json", "ldp_vc"}
    dids = {i.data["holder_did"] for i in items.values()}
    assert len(dids) == 2 and all(d.startswith("did:key:z6Mk") for d in dids)
    for fmt, item in items.items():
        verified = w3c.verify_credential(
            item.data["credential"],
            fmt,
            trusted_issuers={_issuer_did(issuer)},
            now=issuer.clock.now,
        )
        assert verified.subject == item.data["holder_did"]
    assert items["jwt_vc_json"].data["claims"]["over18"] is True
    assert items["ldp_vc"].data["claims"]["kycLevel"] == 2
    listing = client.get("/credentials").get_data(as_text=True)
    assert "Age (W3C)" in listing and "KYC level (W3C)" in listing
    # inside the KYC credential's card, not cards of their own (issue 20 item 3)
    assert listing.count('data-testid="credential-card"') == 1
    (companions,) = re.findall(r'data-testid="companions">([^<]*)<', listing)
    assert "Age (W3C)" in companions and "KYC level (W3C)" in companions
    assert "jwt_vc_json" not in listing and "ldp_vc" not in listing
    detail = client.get(f"/credentials/{items['ldp_vc'].id}").get_data(as_text=True)
    assert "KYC level" in detail and 'data-testid="status">Valid<' in detail


def test_database_holds_no_w3c_plaintext(
    tmp_path: Path, issuer: RunningIssuer, wallet: Flask
) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    item = _w3c_items(wallet, client)["ldp_vc"]
    secrets = (item.data["holder_key"]["d"], item.data["holder_did"], "KycLevelCredential")
    assert_no_plaintext(tmp_path / "wallet", secrets)


def test_revoked_w3c_credential_shows_its_status(issuer: RunningIssuer, wallet: Flask) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    listing = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    (row,) = [c for c in listing if c["format"] == "jwt_vc_json"]
    issuer.api("POST", f"/api/v1/credentials/{row['id']}/revoke")
    wallet.extensions.pop("credential_checker", None)  # past the status list's ttl cache
    detail = client.get(f"/credentials/{_w3c_items(wallet, client)['jwt_vc_json'].id}")
    assert "revoked" in detail.get_data(as_text=True)


@pytest.mark.parametrize("fmt", ["jwt_vc_json", "ldp_vc"])
def test_presentation_signed_by_the_holder_did_over_nonce_and_client_id(
    issuer: RunningIssuer, wallet: Flask, fmt: str
) -> None:
    client = wallet.test_client()
    token = create_wallet(client)
    offer = issuer.create_offer()
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302
    item = _w3c_items(wallet, client)[fmt]
    client_id = "x509_hash:abc"
    vp = present(item, nonce="n-123", client_id=client_id)
    checked = w3c.verify_presentation(
        vp,
        fmt,
        nonce="n-123",
        client_id=client_id,
        trusted_issuers={_issuer_did(issuer)},
        now=issuer.clock.now,
    )
    assert checked.holder == item.data["holder_did"]
    with pytest.raises(ClaimMismatch):
        w3c.verify_presentation(
            vp,
            fmt,
            nonce="another nonce",
            client_id=client_id,
            trusted_issuers={_issuer_did(issuer)},
            now=issuer.clock.now,
        )


def _issued_for(holder: str, issuer_signer: w3c.DidSigner, vc_type: str, now: int) -> str:
    document = w3c.build_credential(
        vc_type,
        {"over18": True, "over21": False},
        issuer=issuer_signer.did,
        holder=holder,
        issued=now,
        expires=now + 3600,
        status=None,
    )
    credential = w3c.issue_credential(document, issuer_signer, "jwt_vc_json")
    assert isinstance(credential, str)
    return credential


def test_credential_bound_to_another_did_refused_on_receipt() -> None:
    issuer_signer = w3c.DidSigner.from_key(Key.generate("EdDSA"), "key")
    proved, other = holder_signer(), holder_signer()
    now = int(time.time())
    credential = _issued_for(other.did, issuer_signer, "KycAgeCredential", now)
    with pytest.raises(InvalidRequest, match="not bound to the DID this wallet proved"):
        stored_credential(
            credential, "jwt_vc_json", "KycAgeCredential", proved, issuer_url="x", now=now
        )


def test_credential_of_another_type_refused_on_receipt() -> None:
    issuer_signer = w3c.DidSigner.from_key(Key.generate("EdDSA"), "key")
    proved = holder_signer()
    now = int(time.time())
    credential = _issued_for(proved.did, issuer_signer, "KycAgeCredential", now)
    with pytest.raises(InvalidRequest, match="another credential than a KycLevelCredential"):
        stored_credential(
            credential, "jwt_vc_json", "KycLevelCredential", proved, issuer_url="x", now=now
        )


def test_tampered_credential_refused_on_receipt() -> None:
    issuer_signer = w3c.DidSigner.from_key(Key.generate("EdDSA"), "key")
    proved = holder_signer()
    now = int(time.time())
    header, payload, signature = _issued_for(
        proved.did, issuer_signer, "KycAgeCredential", now
    ).split(".")
    claims = json.loads(b64url_decode(payload, "payload"))
    claims["vc"]["credentialSubject"]["over21"] = True
    tampered = f"{header}.{b64url_encode(json.dumps(claims).encode())}.{signature}"
    with pytest.raises(InvalidSignature):
        stored_credential(
            tampered, "jwt_vc_json", "KycAgeCredential", proved, issuer_url="x", now=now
        )
