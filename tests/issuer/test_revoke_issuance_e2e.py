"""Issue 19 item 5 end to end: revoking an issuance stops every copy at the platform.

The real issuer, the real verifier with its in-process EVM and the real
T-REX contracts, on 127.0.0.1. One offer yields three SD-JWT VC copies (one
per holder key) and a W3C sibling. The investor whitelists address A with
copy 1 and address B with copy 2. The KYC provider revokes through the API,
naming copy 1 (as the operator's button and the API used to revoke that copy
alone). Then the monitor removes both addresses, and every copy, the unused
third one and the W3C credential included, is refused at the verifier. The
worker and the monitor are ticked by hand, as in tests/verifier/test_chain_e2e.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chain.platform import PlatformChain
from ssi import w3c
from ssi.fetch import Fetcher
from ssi.jose import Key
from ssi.oid4vci import CredentialResponse, build_proof
from ssi.oid4vp import AuthorizationResponse
from tests.issuer.test_revoke_issuance import _redeem
from tests.support import RunningIssuer, start_issuer
from tests.verifier.conftest import (
    RunningVerifier,
    StartVerifier,
    start_verifier,
    verifier_database,
)
from tests.verifier.foreign_wallet import INVESTOR, STRANGER, ForeignWallet
from tests.verifier.test_chain_e2e import CHAIN_CONFIG
from tests.verifier.test_refusals_oid4vp import assert_refused

__all__ = ["start_verifier", "verifier_database"]  # the verifier tests' fixture, used here

W3C_ID = "kyc_age_jwt_vc_json"
ADULTS = {
    "format": "jwt_vc_json",
    "credential_type": "KycAgeCredential",
    "rules": ["over18 == true"],
}
COPIES = 3


@pytest.fixture
def issuer(tmp_path: Path, fetcher: Fetcher) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=[W3C_ID])


@pytest.fixture
def platform(start_verifier: StartVerifier, issuer: RunningIssuer) -> RunningVerifier:
    did = issuer.app.extensions["issuer"].w3c.did
    config = json.loads(json.dumps(CHAIN_CONFIG))
    config["POLICIES"]["policies"]["adults"] = ADULTS
    config["TRUST_LIST"] = {
        "issuers": {issuer.url: {"mechanisms": ["metadata"], "w3c_dids": [did]}}
    }
    return start_verifier(**config)


def _take_copies(
    issuer: RunningIssuer,
) -> tuple[list[tuple[str, Key]], tuple[str, w3c.DidSigner]]:
    """The offer redeemed: ``COPIES`` SD-JWT VCs (one per key) and the W3C sibling."""
    offer = issuer.create_offer()
    token = _redeem(issuer, offer).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    def proof(key: Key, kid: str | None = None) -> str:
        nonce = issuer.fetch.post(issuer.url + "/nonce").json()["c_nonce"]
        return build_proof(key, issuer.url, nonce, now=int(issuer.clock.now), kid=kid)

    keys = [Key.generate("ES256") for _ in range(COPIES)]
    response = issuer.fetch.post(
        issuer.url + "/credential",
        json={
            "credential_configuration_id": "kyc_sd_jwt_vc",
            "proofs": {"jwt": [proof(k) for k in keys]},
        },
        headers=auth,
    )
    values = CredentialResponse.from_dict(response.json()).credential_values
    sd_jwts = [(str(v), k) for v, k in zip(values, keys, strict=True)]
    holder = w3c.DidSigner.from_key(Key.generate("EdDSA"), "key")
    response = issuer.fetch.post(
        issuer.url + "/credential",
        json={
            "credential_configuration_id": W3C_ID,
            "proofs": {"jwt": [proof(holder.key, holder.verification_method)]},
        },
        headers=auth,
    )
    (vc,) = CredentialResponse.from_dict(response.json()).credential_values
    assert isinstance(vc, str)
    return sd_jwts, (vc, holder)


def _wallet(verifier: RunningVerifier, copy: tuple[str, Key]) -> ForeignWallet:
    return ForeignWallet(verifier.fetch, verifier.clock, copy[0], copy[1], [verifier.ca])


def _whitelist(verifier: RunningVerifier, copy: tuple[str, Key], account: Any) -> Any:
    """Present ``copy`` to the token's policy with an address proof by ``account``."""
    wallet = _wallet(verifier, copy)
    created = verifier.create("sp7")
    request = wallet.fetch_request(created["link"]).request
    presentation = wallet.present(request, address=account.address)
    response = wallet.response(request, presentation, wallet.proof(request, account))
    return created, wallet.post(request, wallet.form(request, response))


def test_revoke_issuance_refuses_every_copy_and_removes_every_address(
    issuer: RunningIssuer, platform: RunningVerifier
) -> None:
    chain: PlatformChain = platform.app.extensions["chain"]
    sp7 = chain.token("SP7")
    sd_jwts, (vc, holder) = _take_copies(issuer)

    for copy, account in ((sd_jwts[0], INVESTOR), (sd_jwts[1], STRANGER)):
        created, response = _whitelist(platform, copy, account)
        assert response.status == 200, response.text()
        platform.worker.tick_chain()
        result = platform.result(created["id"])
        assert result["status"] == "verified" and result["address"] == account.address
        assert chain.is_verified(account.address, sp7)

    # the KYC provider revokes, naming the copy behind address A
    listing = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert len(listing) == COPIES + 1
    first = next(c for c in listing if c["format"] == "dc+sd-jwt")
    revoked = issuer.api("POST", f"/api/v1/credentials/{first['id']}/revoke")
    assert revoked.status == 200, revoked.text()
    changed = revoked.json()["changed"]
    assert {c["id"] for c in changed} == {c["id"] for c in listing}
    assert {c["status_list"]["idx"] for c in changed} == {c["status_list"]["idx"] for c in listing}

    # the monitor removes both addresses
    report = platform.api("POST", "/api/v1/monitor").json()
    assert sorted(report["removed"]) == sorted([INVESTOR.address, STRANGER.address])
    assert report["failed"] == []
    platform.worker.tick_chain()
    assert not chain.is_verified(INVESTOR.address, sp7)
    assert not chain.is_verified(STRANGER.address, sp7)

    # every copy is refused: the two used ones, the unused third, the W3C sibling
    for copy in sd_jwts:
        created, response = _whitelist(platform, copy, INVESTOR)
        assert_refused(platform, created, response, "CredentialRevoked")
    platform.worker.tick_chain()
    assert not chain.is_verified(INVESTOR.address, sp7)
    created = platform.create("adults")
    wallet = _wallet(platform, sd_jwts[0])
    request = wallet.fetch_request(created["link"]).request
    vp = w3c.build_presentation(
        vc, holder, "jwt_vc_json", nonce=request.nonce, client_id=request.client_id
    )
    form = wallet.form(request, AuthorizationResponse({"kyc": [vp]}, request.state))
    assert_refused(platform, created, wallet.post(request, form), "CredentialRevoked")
