"""ssi.w3c against the fixed vectors of ``tests/vectors/w3c`` (see its README).

The keys are the did:key vectors with seeds 0 and 1 (w3c-ccg/did-method-key
@ f5abee8); re-issuing the VC-JWT and VP-JWT gives the same header and
claims (not the same bytes: didkit writes the members of ``@context`` and
``credentialSubject`` in hash-map order), and all four documents verify with
ours and with didkit, at a fixed ``now``.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import didkit
import pytest
from nacl.signing import SigningKey

from ssi.encoding import b64url_decode, b64url_encode
from ssi.errors import ClaimMismatch, InvalidSignature
from ssi.jose import Key
from ssi.status_list import StatusReference
from ssi.w3c import (
    DidSigner,
    build_credential,
    build_presentation,
    issue_credential,
    verify_presentation,
)
from ssi.w3c.spec import FORMAT_JWT_VC_JSON, FORMAT_LDP_VC

FOLDER = Path(__file__).parents[1] / "vectors" / "w3c"
ISSUER_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
HOLDER_DID = "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"
NOW = 1798761600  # 2027-01-01T00:00:00Z, after the LDP proofs were created
NONCE = "n-0S6_WzA2Mj"
CLIENT_ID = "x509_san_dns:verifier.example.org"
FILES = {
    FORMAT_JWT_VC_JSON: ("kyc_age_vc.jwt", "kyc_age_vp.jwt"),
    FORMAT_LDP_VC: ("kyc_age_ldp_vc.json", "kyc_age_ldp_vp.json"),
}


def load(name: str) -> Any:
    text = (FOLDER / name).read_text().strip()
    return text if name.endswith(".jwt") else json.loads(text)


def signer(seed_byte: int) -> DidSigner:
    seed = bytes(31) + bytes([seed_byte])
    public = bytes(SigningKey(seed).verify_key)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public), "d": b64url_encode(seed)}
    return DidSigner.from_key(Key.from_jwk(jwk, private=True))


def test_vector_keys_are_the_did_key_vectors() -> None:
    assert (signer(0).did, signer(1).did) == (ISSUER_DID, HOLDER_DID)


def decoded(token: str) -> tuple[Any, Any]:
    header, payload, _signature = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


def test_vc_jwt_and_vp_jwt_reissued_with_the_same_content() -> None:
    issuer, holder = signer(0), signer(1)
    document = build_credential(
        "KycAgeCredential",
        {"over18": True, "over21": False},
        issuer=issuer.did,
        holder=holder.did,
        issued=1767225600,
        expires=4070908800,
        status=StatusReference(4711, "https://issuer.example/statuslists/1"),
        credential_id="urn:uuid:5b0c1a3e-2f7d-4e8a-9c61-0d2b7e4f9a10",
    )
    credential = issue_credential(document, issuer, FORMAT_JWT_VC_JSON)
    assert isinstance(credential, str)
    assert decoded(credential) == decoded(load("kyc_age_vc.jwt"))
    vp = build_presentation(
        credential, holder, FORMAT_JWT_VC_JSON, nonce=NONCE, client_id=CLIENT_ID
    )
    assert isinstance(vp, str)
    header, claims = decoded(vp)
    vector_header, vector_claims = decoded(load("kyc_age_vp.jwt"))
    for inner in (claims, vector_claims):  # the embedded VC-JWT differs in bytes, not in content
        inner["vp"]["verifiableCredential"] = [
            decoded(c) for c in inner["vp"]["verifiableCredential"]
        ]
    assert (header, claims) == (vector_header, vector_claims)


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_vector_presentation_verifies_with_ours(fmt: str) -> None:
    result = verify_presentation(
        load(FILES[fmt][1]),
        fmt,
        nonce=NONCE,
        client_id=CLIENT_ID,
        trusted_issuers={ISSUER_DID},
        now=NOW,
    )
    assert result.holder == HOLDER_DID
    assert result.credential.claims == {"over18": True, "over21": False}
    assert result.credential.status == StatusReference(4711, "https://issuer.example/statuslists/1")


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_vector_presentation_verifies_with_didkit(fmt: str) -> None:
    vp = load(FILES[fmt][1])
    options = {
        "proofFormat": "jwt" if fmt == FORMAT_JWT_VC_JSON else "ldp",
        "challenge": NONCE,
        "domain": CLIENT_ID,
    }

    async def call() -> str:
        return str(
            await didkit.verify_presentation(
                vp if isinstance(vp, str) else json.dumps(vp), json.dumps(options)
            )
        )

    assert json.loads(asyncio.run(call()))["errors"] == []


@pytest.mark.parametrize("fmt", sorted(FILES))
def test_vector_presentation_for_another_verifier_refused(fmt: str) -> None:
    with pytest.raises(ClaimMismatch):
        verify_presentation(
            load(FILES[fmt][1]),
            fmt,
            nonce=NONCE,
            client_id="x509_san_dns:other.example",
            trusted_issuers={ISSUER_DID},
            now=NOW,
        )


def test_vector_ldp_vc_with_changed_status_index_refused() -> None:
    vp = load("kyc_age_ldp_vp.json")
    vp["verifiableCredential"][0]["credentialStatus"] |= {
        "idx": 1,
        "id": "https://issuer.example/statuslists/1#1",
    }
    with pytest.raises(InvalidSignature, match="credential's proof"):
        verify_presentation(
            vp,
            FORMAT_LDP_VC,
            nonce=NONCE,
            client_id=CLIENT_ID,
            trusted_issuers={ISSUER_DID},
            now=NOW,
        )
