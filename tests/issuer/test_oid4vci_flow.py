"""The pre-authorized code flow over real HTTP, as a foreign wallet runs it:
only the offer link and the spec's endpoints, discovered from metadata
(OpenID4VCI 1.0 §4-§8, §12), and the negative cases of SECURITY.md
"OpenID4VCI 1.0" with the spec's error codes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ssi.fetch import Fetcher, FetchResponse
from ssi.jose import Key, jws
from ssi.oid4vci import (
    CredentialIssuerMetadata,
    CredentialResponse,
    TokenRequest,
    build_proof,
    credential_issuer_metadata_url,
    parse_offer_link,
)
from ssi.sdjwt import verify
from ssi.status_list import INVALID, SUSPENDED, VALID, ReferencedIssuer, verify_status_list_token
from tests.support import APPLICANT, RunningIssuer, start_issuer


@pytest.fixture
def issuer(tmp_path: Path, fetcher: Fetcher, database_url: str) -> Iterator[RunningIssuer]:
    """The protocol tests run on SQLite and on PostgreSQL (``-k postgres``)."""
    yield from start_issuer(tmp_path / "issuer", fetcher, DATABASE_URL=database_url)


@dataclass
class Wallet:
    """The minimal foreign wallet of this test: the spec's messages over HTTP."""

    issuer: RunningIssuer

    def discover(self, offer: dict[str, Any]) -> tuple[dict[str, Any], CredentialIssuerMetadata]:
        link = parse_offer_link(offer["link"])
        assert link.offer_uri is not None
        body = self.issuer.fetch.get(link.offer_uri).json()
        meta_url = credential_issuer_metadata_url(body["credential_issuer"])
        metadata = CredentialIssuerMetadata.from_dict(
            self.issuer.fetch.get(meta_url).json(), fetched_for=body["credential_issuer"]
        )
        return body, metadata

    def token(self, code: str, tx_code: str | None) -> FetchResponse:
        as_meta = self.issuer.fetch.get(
            self.issuer.url + "/.well-known/oauth-authorization-server"
        ).json()
        body = TokenRequest(code, tx_code).to_form_body().encode()
        return self.issuer.fetch.post(
            as_meta["token_endpoint"],
            data=body,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            raise_for_status=False,
        )

    def nonce(self, metadata: CredentialIssuerMetadata) -> str:
        assert metadata.nonce_endpoint is not None
        nonce: str = self.issuer.fetch.post(metadata.nonce_endpoint).json()["c_nonce"]
        return nonce

    def credential(
        self, metadata: CredentialIssuerMetadata, access_token: str, body: dict[str, Any]
    ) -> FetchResponse:
        return self.issuer.fetch.post(
            metadata.credential_endpoint,
            json=body,
            headers={"Authorization": f"Bearer {access_token}"},
            raise_for_status=False,
        )


def _code(offer_body: dict[str, Any]) -> str:
    grant = offer_body["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
    code: str = grant["pre-authorized_code"]
    return code


def _issuer_key(issuer: RunningIssuer) -> Any:
    jwks = issuer.fetch.get(issuer.url + "/.well-known/jwt-vc-issuer").json()["jwks"]["keys"]

    def resolve(header: dict[str, Any], payload: dict[str, Any]) -> Key:
        assert payload["iss"] == issuer.url
        (jwk,) = [k for k in jwks if k["kid"] == header["kid"]]
        return Key.from_jwk({k: v for k, v in jwk.items() if k not in ("kid",)})

    return resolve


def _proofs(issuer: RunningIssuer, keys: list[Key], nonce: str) -> dict[str, Any]:
    now = int(issuer.clock.now)
    return {"jwt": [build_proof(k, issuer.url, nonce, now=now) for k in keys]}


def _access_token(wallet: Wallet, offer: dict[str, Any]) -> tuple[str, CredentialIssuerMetadata]:
    body, metadata = wallet.discover(offer)
    response = wallet.token(_code(body), offer["tx_code"])
    assert response.status == 200, response.text()
    assert response.headers["cache-control"] == "no-store"
    token: str = response.json()["access_token"]
    return token, metadata


def test_pre_authorized_flow_issues_a_batch_bound_to_each_key(issuer: RunningIssuer) -> None:
    wallet = Wallet(issuer)
    offer = issuer.create_offer()
    access_token, metadata = _access_token(wallet, offer)
    config = metadata.credential_configurations_supported["kyc_sd_jwt_vc"]
    assert config.format == "dc+sd-jwt"
    holder_keys = [Key.generate("ES256"), Key.generate("EdDSA"), Key.generate("ES256")]
    body = {
        "credential_configuration_id": "kyc_sd_jwt_vc",
        "proofs": _proofs(issuer, holder_keys, wallet.nonce(metadata)),
    }
    response = wallet.credential(metadata, access_token, body)
    assert response.status == 200, response.text()
    credentials = CredentialResponse.from_dict(response.json()).credential_values
    assert len(credentials) == 3
    salts: set[str] = set()
    indices: set[int] = set()
    for compact, holder in zip(credentials, holder_keys, strict=True):
        assert isinstance(compact, str)
        verified = verify(
            compact, _issuer_key(issuer), typ="dc+sd-jwt", now=issuer.clock.now, key_binding=None
        )
        claims = verified.claims
        assert claims["cnf"]["jwk"] == holder.public_jwk()
        assert claims["vct"] == "urn:kyc-wallet:vct:kyc:1"
        assert claims["exp"] > claims["iat"]
        assert claims["age_equal_or_over"] == {"18": True, "21": True}
        assert claims["address"]["country"] == "DE"
        assert claims["given_name"] == APPLICANT["given_name"]
        salts.update(d.salt for d in verified.disclosures)
        indices.add(claims["status"]["status_list"]["idx"])
        # every claim is its own disclosure: nothing personal in the signed payload
        payload = jws.parse(compact.split("~")[0]).claims()
        assert "given_name" not in payload and "birthdate" not in payload
    assert len(indices) == 3
    assert len(salts) == sum(
        len(
            verify(
                c, _issuer_key(issuer), typ="dc+sd-jwt", now=issuer.clock.now, key_binding=None
            ).disclosures
        )
        for c in credentials
        if isinstance(c, str)
    )


def _issue_one(issuer: RunningIssuer) -> tuple[str, dict[str, Any]]:
    wallet = Wallet(issuer)
    offer = issuer.create_offer()
    access_token, metadata = _access_token(wallet, offer)
    body = {
        "credential_configuration_id": "kyc_sd_jwt_vc",
        "proofs": _proofs(issuer, [Key.generate("ES256")], wallet.nonce(metadata)),
    }
    response = wallet.credential(metadata, access_token, body)
    assert response.status == 200, response.text()
    (compact,) = CredentialResponse.from_dict(response.json()).credential_values
    assert isinstance(compact, str)
    claims = verify(
        compact, _issuer_key(issuer), typ="dc+sd-jwt", now=issuer.clock.now, key_binding=None
    ).claims
    return compact, claims


def _status(issuer: RunningIssuer, claims: dict[str, Any]) -> int:
    ref = claims["status"]["status_list"]
    response = issuer.fetch.get(ref["uri"])
    assert response.content_type == "application/statuslist+jwt"
    assert "max-age=" in response.headers["cache-control"]
    token = verify_status_list_token(
        response.text(),
        lambda header, claims, _referenced: _issuer_key(issuer)(header, claims),
        uri=ref["uri"],
        issuer=ReferencedIssuer(issuer.url),
        now=issuer.clock.now,
    )
    assert token.ttl is not None
    status: int = token.status_list.get(ref["idx"])
    return status


def test_revocation_sets_the_status_bit_in_the_served_list(issuer: RunningIssuer) -> None:
    _, claims = _issue_one(issuer)
    assert _status(issuer, claims) == VALID
    listing = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    (credential,) = listing
    assert issuer.api("POST", f"/api/v1/credentials/{credential['id']}/suspend").status == 200
    assert _status(issuer, claims) == SUSPENDED
    assert issuer.api("POST", f"/api/v1/credentials/{credential['id']}/revoke").status == 200
    assert _status(issuer, claims) == INVALID
    again = issuer.api("POST", f"/api/v1/credentials/{credential['id']}/reinstate")
    assert again.status == 409 and again.json()["error"] == "conflict"  # revocation is final
    assert again.json()["issuance"]["status"] == "revoked"
    assert _status(issuer, claims) == INVALID


# --- refusals with the spec's error codes -----------------------------------------------


def _error(response: FetchResponse, status: int, code: str) -> str:
    assert response.status == status, response.text()
    body = response.json()
    assert body["error"] == code, body
    description: str = body.get("error_description", "")
    return description


def test_reused_pre_authorized_code_refused(issuer: RunningIssuer) -> None:
    wallet = Wallet(issuer)
    offer = issuer.create_offer()
    body, _ = wallet.discover(offer)
    assert wallet.token(_code(body), offer["tx_code"]).status == 200
    assert "already used" in _error(
        wallet.token(_code(body), offer["tx_code"]), 400, "invalid_grant"
    )


def test_expired_pre_authorized_code_refused(issuer: RunningIssuer) -> None:
    wallet = Wallet(issuer)
    offer = issuer.create_offer()
    body, _ = wallet.discover(offer)
    issuer.clock.now += issuer.app.config["OFFER_TTL"] + 1
    response = wallet.token(_code(body), offer["tx_code"])
    assert "expired" in _error(response, 400, "invalid_grant")


def test_unknown_pre_authorized_code_refused(issuer: RunningIssuer) -> None:
    response = Wallet(issuer).token("not-a-code", "123456")
    assert "unknown" in _error(response, 400, "invalid_grant")


def test_missing_tx_code_is_invalid_request(issuer: RunningIssuer) -> None:
    """OpenID4VCI 1.0 §6.3: a Transaction Code expected but not provided."""
    wallet = Wallet(issuer)
    offer = issuer.create_offer()
    body, _ = wallet.discover(offer)
    assert "PIN" in _error(wallet.token(_code(body), None), 400, "invalid_request")


def test_sixth_wrong_pin_finds_the_code_burnt(issuer: RunningIssuer) -> None:
    """SECURITY.md: ``tx_code`` attempts limited, the code invalidated after the limit."""
    wallet = Wallet(issuer)
    offer = issuer.create_offer()
    body, _ = wallet.discover(offer)
    wrong = "000000" if offer["tx_code"] != "000000" else "111111"
    for attempt in range(1, 6):
        description = _error(wallet.token(_code(body), wrong), 400, "invalid_grant")
        assert "wrong PIN" in description, attempt
    assert "too many attempts" in description
    # the sixth try, even with the right PIN, finds the code burnt
    response = wallet.token(_code(body), offer["tx_code"])
    assert "no longer valid" in _error(response, 400, "invalid_grant")


def test_unsupported_grant_type_refused(issuer: RunningIssuer) -> None:
    response = issuer.fetch.post(
        issuer.url + "/token",
        data={"grant_type": "authorization_code", "code": "x"},
        raise_for_status=False,
    )
    _error(response, 400, "unsupported_grant_type")


@pytest.fixture
def ready(issuer: RunningIssuer) -> tuple[Wallet, str, CredentialIssuerMetadata]:
    wallet = Wallet(issuer)
    access_token, metadata = _access_token(wallet, issuer.create_offer())
    return wallet, access_token, metadata


def _request(proofs: dict[str, Any]) -> dict[str, Any]:
    return {"credential_configuration_id": "kyc_sd_jwt_vc", "proofs": proofs}


def test_reused_c_nonce_refused(
    issuer: RunningIssuer, ready: tuple[Wallet, str, CredentialIssuerMetadata]
) -> None:
    wallet, access_token, metadata = ready
    nonce = wallet.nonce(metadata)
    first = wallet.credential(
        metadata, access_token, _request(_proofs(issuer, [Key.generate()], nonce))
    )
    assert first.status == 200
    _, access_token2, metadata2 = _ready_again(issuer)
    response = wallet.credential(
        metadata2, access_token2, _request(_proofs(issuer, [Key.generate()], nonce))
    )
    assert "c_nonce" in _error(response, 400, "invalid_nonce")


def _ready_again(issuer: RunningIssuer) -> tuple[Wallet, str, CredentialIssuerMetadata]:
    wallet = Wallet(issuer)
    access_token, metadata = _access_token(wallet, issuer.create_offer())
    return wallet, access_token, metadata


def test_unknown_c_nonce_refused(
    issuer: RunningIssuer, ready: tuple[Wallet, str, CredentialIssuerMetadata]
) -> None:
    wallet, access_token, metadata = ready
    body = _request(_proofs(issuer, [Key.generate()], "made-up-nonce"))
    _error(wallet.credential(metadata, access_token, body), 400, "invalid_nonce")
    # nothing changed: the access token still works with a real nonce
    good = _request(_proofs(issuer, [Key.generate()], wallet.nonce(metadata)))
    assert wallet.credential(metadata, access_token, good).status == 200


def test_proof_with_wrong_aud_refused(
    issuer: RunningIssuer, ready: tuple[Wallet, str, CredentialIssuerMetadata]
) -> None:
    wallet, access_token, metadata = ready
    proof = build_proof(
        Key.generate(),
        "https://other-issuer.example",
        wallet.nonce(metadata),
        now=int(issuer.clock.now),
    )
    response = wallet.credential(metadata, access_token, _request({"jwt": [proof]}))
    assert "aud" in _error(response, 400, "invalid_proof")


def test_proof_with_stale_iat_refused(
    issuer: RunningIssuer, ready: tuple[Wallet, str, CredentialIssuerMetadata]
) -> None:
    wallet, access_token, metadata = ready
    proof = build_proof(
        Key.generate(), issuer.url, wallet.nonce(metadata), now=int(issuer.clock.now) - 3600
    )
    response = wallet.credential(metadata, access_token, _request({"jwt": [proof]}))
    assert "older than" in _error(response, 400, "invalid_proof")


def test_proof_signed_by_another_key_than_its_header_jwk_refused(
    issuer: RunningIssuer, ready: tuple[Wallet, str, CredentialIssuerMetadata]
) -> None:
    wallet, access_token, metadata = ready
    bound, signer = Key.generate(), Key.generate()
    claims = {"aud": issuer.url, "iat": int(issuer.clock.now), "nonce": wallet.nonce(metadata)}
    proof = jws.sign(claims, signer, typ="openid4vci-proof+jwt", header={"jwk": bound.public_jwk()})
    response = wallet.credential(metadata, access_token, _request({"jwt": [proof]}))
    _error(response, 400, "invalid_proof")


def test_same_key_twice_in_a_batch_refused(
    issuer: RunningIssuer, ready: tuple[Wallet, str, CredentialIssuerMetadata]
) -> None:
    wallet, access_token, metadata = ready
    key = Key.generate()
    body = _request(_proofs(issuer, [key, key], wallet.nonce(metadata)))
    assert "different key" in _error(
        wallet.credential(metadata, access_token, body), 400, "invalid_proof"
    )


def test_missing_proofs_refused(
    issuer: RunningIssuer, ready: tuple[Wallet, str, CredentialIssuerMetadata]
) -> None:
    wallet, access_token, metadata = ready
    body = {"credential_configuration_id": "kyc_sd_jwt_vc"}
    _error(wallet.credential(metadata, access_token, body), 400, "invalid_proof")


def test_unknown_credential_configuration_refused(
    issuer: RunningIssuer, ready: tuple[Wallet, str, CredentialIssuerMetadata]
) -> None:
    wallet, access_token, metadata = ready
    body = {
        "credential_configuration_id": "passport",
        "proofs": _proofs(issuer, [Key.generate()], wallet.nonce(metadata)),
    }
    _error(wallet.credential(metadata, access_token, body), 400, "unknown_credential_configuration")


def test_access_token_used_once(
    issuer: RunningIssuer, ready: tuple[Wallet, str, CredentialIssuerMetadata]
) -> None:
    wallet, access_token, metadata = ready
    body = _request(_proofs(issuer, [Key.generate()], wallet.nonce(metadata)))
    assert wallet.credential(metadata, access_token, body).status == 200
    body = _request(_proofs(issuer, [Key.generate()], wallet.nonce(metadata)))
    response = wallet.credential(metadata, access_token, body)
    _error(response, 401, "invalid_token")


def test_missing_access_token_refused(issuer: RunningIssuer) -> None:
    response = issuer.fetch.post(issuer.url + "/credential", json={}, raise_for_status=False)
    _error(response, 401, "invalid_token")


def test_offer_by_reference_gone_after_use(issuer: RunningIssuer) -> None:
    wallet = Wallet(issuer)
    offer = issuer.create_offer()
    body, _ = wallet.discover(offer)
    assert wallet.token(_code(body), offer["tx_code"]).status == 200
    response = issuer.fetch.get(offer["credential_offer_uri"], raise_for_status=False)
    assert response.status == 404
