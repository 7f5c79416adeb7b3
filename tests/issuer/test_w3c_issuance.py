"""W3C predicate credentials from the issuer over real HTTP (issue 12;
docs/specs/w3c-vc.md): a wallet obtains a ``jwt_vc_json`` and an ``ldp_vc``
credential with the same access token as the SD-JWT VC, both verify with
``ssi.w3c``, and revoking one flips its bit in the served status list."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ssi import w3c
from ssi.errors import MalformedInput
from ssi.fetch import Fetcher, FetchResponse
from ssi.jose import Key
from ssi.oid4vci import CredentialResponse, TokenRequest, build_proof, parse_offer_link
from ssi.status_list import CredentialRevoked, ReferencedIssuer, StatusChecker
from tests.support import RunningIssuer, issuer_rows, start_issuer

OFFERED = ["kyc_age_jwt_vc_json", "kyc_level_ldp_vc"]


@pytest.fixture
def w3c_issuer(tmp_path: Path, fetcher: Fetcher) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=OFFERED)


def _token(issuer: RunningIssuer) -> tuple[str, dict[str, Any]]:
    offer = issuer.create_offer()
    link = parse_offer_link(offer["link"])
    assert link.offer_uri is not None
    body = issuer.fetch.get(link.offer_uri).json()
    grant = body["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    response = issuer.fetch.post(
        issuer.url + "/token",
        data=TokenRequest(grant["pre-authorized_code"], offer["tx_code"]).to_form_body().encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    token: str = response.json()["access_token"]
    return token, body


def _request(
    issuer: RunningIssuer, token: str, cid: str, key: Key, kid: str | None = None
) -> FetchResponse:
    nonce = issuer.fetch.post(issuer.url + "/nonce").json()["c_nonce"]
    proof = build_proof(key, issuer.url, nonce, now=int(issuer.clock.now), kid=kid)
    return issuer.fetch.post(
        issuer.url + "/credential",
        json={"credential_configuration_id": cid, "proofs": {"jwt": [proof]}},
        headers={"Authorization": f"Bearer {token}"},
        raise_for_status=False,
    )


def _one(response: FetchResponse) -> Any:
    assert response.status == 200, response.text()
    (value,) = CredentialResponse.from_dict(response.json()).credential_values
    return value


def _did(issuer: RunningIssuer) -> str:
    did: str = issuer.app.extensions["issuer"].w3c.did
    return did


def _checker(issuer: RunningIssuer) -> StatusChecker:
    jwks = issuer.fetch.get(issuer.url + "/.well-known/jwt-vc-issuer").json()["jwks"]["keys"]

    def resolve(header: dict[str, Any], claims: dict[str, Any], _: ReferencedIssuer) -> Key:
        (jwk,) = [k for k in jwks if k["kid"] == header["kid"]]
        return Key.from_jwk({k: v for k, v in jwk.items() if k != "kid"})

    return StatusChecker(lambda url, **kw: issuer.fetch.get(url, **kw), resolve, issuer.clock)


def test_metadata_lists_the_ten_w3c_configurations(w3c_issuer: RunningIssuer) -> None:
    meta = w3c_issuer.fetch.get(w3c_issuer.url + "/.well-known/openid-credential-issuer").json()
    configurations = meta["credential_configurations_supported"]
    w3c_ids = {c for c, v in configurations.items() if v["format"] in ("jwt_vc_json", "ldp_vc")}
    assert len(w3c_ids) == 10 and set(OFFERED) <= w3c_ids
    age = configurations["kyc_age_jwt_vc_json"]
    assert age["credential_definition"]["type"] == ["VerifiableCredential", "KycAgeCredential"]
    assert age["credential_signing_alg_values_supported"] == ["EdDSA"]
    assert configurations["kyc_level_ldp_vc"]["credential_signing_alg_values_supported"] == [
        "Ed25519Signature2020"
    ]


def test_offer_lists_the_sd_jwt_vc_and_the_configured_w3c_ids(w3c_issuer: RunningIssuer) -> None:
    _, offer = _token(w3c_issuer)
    assert offer["credential_configuration_ids"] == ["kyc_sd_jwt_vc", *OFFERED]


def test_w3c_key_is_a_did_key_kept_0600_across_restarts(tmp_path: Path, fetcher: Fetcher) -> None:
    dids = []
    for _ in range(2):
        running = start_issuer(tmp_path / "issuer", fetcher)
        issuer = next(running)
        dids.append(_did(issuer))
        for _ in running:  # run the fixture generator to its end: the server stops
            pass
    assert dids[0] == dids[1] and dids[0].startswith("did:key:z6Mk")
    mode = os.stat(tmp_path / "issuer" / "w3c_issuer_key.pem").st_mode
    assert stat.S_IMODE(mode) == 0o600


def test_jwt_vc_json_bound_to_the_did_key_of_the_proof(w3c_issuer: RunningIssuer) -> None:
    token, _ = _token(w3c_issuer)
    holder = w3c.DidSigner.from_key(Key.generate("EdDSA"), "key")
    vc = _one(
        _request(w3c_issuer, token, "kyc_age_jwt_vc_json", holder.key, holder.verification_method)
    )
    assert isinstance(vc, str)
    verified = w3c.verify_credential(
        vc, "jwt_vc_json", trusted_issuers={_did(w3c_issuer)}, now=w3c_issuer.clock.now
    )
    assert verified.subject == holder.did
    assert verified.claims == {"over18": True, "over21": True}
    assert verified.status is not None
    assert verified.status.uri.startswith(w3c_issuer.url + "/statuslists/")


def test_ldp_vc_bound_to_the_did_jwk_of_the_proof_key(w3c_issuer: RunningIssuer) -> None:
    token, _ = _token(w3c_issuer)
    key = Key.generate("ES256")
    vc = _one(_request(w3c_issuer, token, "kyc_level_ldp_vc", key))
    assert isinstance(vc, dict)
    verified = w3c.verify_credential(
        vc, "ldp_vc", trusted_issuers={_did(w3c_issuer)}, now=w3c_issuer.clock.now
    )
    assert verified.subject == w3c.DidSigner.from_key(key, "jwk").did
    assert verified.claims == {"kycLevel": 2, "kycMethod": "video_ident"}


def test_revoking_a_w3c_credential_flips_its_status_bit(w3c_issuer: RunningIssuer) -> None:
    token, _ = _token(w3c_issuer)
    vc = _one(_request(w3c_issuer, token, "kyc_level_ldp_vc", Key.generate("EdDSA")))
    reference = w3c.parse_status_entry(vc)
    assert reference is not None
    _checker(w3c_issuer).assert_valid(reference, issuer=ReferencedIssuer(w3c_issuer.url))
    (row,) = w3c_issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert row["vct"] == "KycLevelCredential" and row["format"] == "ldp_vc"
    assert row["status_list"]["idx"] == reference.idx
    assert w3c_issuer.api("POST", f"/api/v1/credentials/{row['id']}/revoke").status == 200
    with pytest.raises(CredentialRevoked):
        _checker(w3c_issuer).assert_valid(reference, issuer=ReferencedIssuer(w3c_issuer.url))


def test_one_token_serves_each_offered_configuration_once(w3c_issuer: RunningIssuer) -> None:
    token, _ = _token(w3c_issuer)
    for cid in ("kyc_sd_jwt_vc", "kyc_age_jwt_vc_json", "kyc_level_ldp_vc"):
        _one(_request(w3c_issuer, token, cid, Key.generate("EdDSA")))
    listing = w3c_issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert sorted(c["format"] for c in listing) == ["dc+sd-jwt", "jwt_vc_json", "ldp_vc"]
    assert len({(c["status_list"]["id"], c["status_list"]["idx"]) for c in listing}) == 3


def test_same_w3c_configuration_twice_with_one_token_refused(w3c_issuer: RunningIssuer) -> None:
    token, _ = _token(w3c_issuer)
    _one(_request(w3c_issuer, token, "kyc_age_jwt_vc_json", Key.generate("EdDSA")))
    again = _request(w3c_issuer, token, "kyc_age_jwt_vc_json", Key.generate("EdDSA"))
    assert again.status == 401 and again.json()["error"] == "invalid_token"
    assert "already used" in again.json()["error_description"]


def test_token_fully_used_after_every_configuration_refused(w3c_issuer: RunningIssuer) -> None:
    token, _ = _token(w3c_issuer)
    for cid in ("kyc_sd_jwt_vc", *OFFERED):
        _one(_request(w3c_issuer, token, cid, Key.generate("EdDSA")))
    again = _request(w3c_issuer, token, "kyc_sd_jwt_vc", Key.generate("EdDSA"))
    assert again.status == 401 and again.json()["error"] == "invalid_token"


def test_configuration_not_in_the_offer_refused(w3c_issuer: RunningIssuer) -> None:
    token, _ = _token(w3c_issuer)
    response = _request(w3c_issuer, token, "kyc_sanctions_ldp_vc", Key.generate("EdDSA"))
    assert response.status == 400
    assert response.json()["error"] == "unknown_credential_configuration"
    assert "does not include" in response.json()["error_description"]


def test_record_kept_until_the_last_offered_configuration(w3c_issuer: RunningIssuer) -> None:
    token, _ = _token(w3c_issuer)
    _one(_request(w3c_issuer, token, "kyc_sd_jwt_vc", Key.generate("EdDSA")))
    _one(_request(w3c_issuer, token, "kyc_age_jwt_vc_json", Key.generate("EdDSA")))
    assert issuer_rows(w3c_issuer.app, "SELECT record FROM applicants")[0]["record"] is not None
    _one(_request(w3c_issuer, token, "kyc_level_ldp_vc", Key.generate("EdDSA")))
    (row,) = issuer_rows(w3c_issuer.app, "SELECT state, record FROM applicants")
    assert row["state"] == "erased" and row["record"] is None


def test_es384_proof_for_a_w3c_configuration_refused(w3c_issuer: RunningIssuer) -> None:
    token, _ = _token(w3c_issuer)
    response = _request(w3c_issuer, token, "kyc_age_jwt_vc_json", Key.generate("ES384"))
    assert response.status == 400 and response.json()["error"] == "invalid_proof"


def test_did_web_kid_in_a_w3c_proof_refused(w3c_issuer: RunningIssuer) -> None:
    token, _ = _token(w3c_issuer)
    response = _request(
        w3c_issuer, token, "kyc_age_jwt_vc_json", Key.generate("EdDSA"), "did:web:example.com#0"
    )
    assert response.status == 400 and response.json()["error"] == "invalid_proof"


def test_unknown_w3c_offer_id_refused_at_start(tmp_path: Path, fetcher: Fetcher) -> None:
    with pytest.raises(MalformedInput, match="unknown configuration ids"):
        next(start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=["kyc_age_mdoc"]))


def test_concurrent_requests_for_one_configuration_issue_once(w3c_issuer: RunningIssuer) -> None:
    """The per-configuration use of the token is taken in the issuing transaction."""
    token, _ = _token(w3c_issuer)
    racers = 12
    with ThreadPoolExecutor(racers) as pool:
        answers = list(
            pool.map(
                lambda _: (
                    _request(w3c_issuer, token, "kyc_age_jwt_vc_json", Key.generate("EdDSA")).status
                ),
                range(racers),
            )
        )
    assert sorted(answers) == [200] + [401] * (racers - 1)
    listing = w3c_issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert [c["format"] for c in listing] == ["jwt_vc_json"]
    # the other configurations of the offer are still served
    assert _request(w3c_issuer, token, "kyc_level_ldp_vc", Key.generate("EdDSA")).status == 200


def test_w3c_offer_given_as_a_string_refused_at_start(tmp_path: Path, fetcher: Fetcher) -> None:
    with pytest.raises(MalformedInput, match="W3C_OFFER must be a list, not a string"):
        next(start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER="kyc_age_ldp_vc"))
