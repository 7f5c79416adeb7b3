"""ssi.w3c.issuance: OpenID4VCI configurations and holder binding of the predicate credentials.

From a verified OpenID4VCI ``jwt`` key proof (Appendix F) to the holder DID
in ``credentialSubject.id``, to a presentation the verifier accepts.
"""

from __future__ import annotations

import time

import pytest

from ssi.did import Resolver
from ssi.errors import InvalidProof
from ssi.jose import Key, jws
from ssi.oid4vci.issuer_metadata import CredentialConfiguration
from ssi.oid4vci.proof import build_proof, verify_proof
from ssi.status_list import StatusReference
from ssi.w3c import (
    DidSigner,
    build_presentation,
    configuration_id,
    credential_configurations,
    holder_did,
    issue_predicate_credentials,
    verify_presentation,
)
from ssi.w3c.spec import FORMAT_JWT_VC_JSON, FORMAT_LDP_VC, FORMATS

NOW = int(time.time())

pytestmark = pytest.mark.usefixtures("fresh_now")


ISSUER_URL = "https://issuer.example"
NONCE = "n-vp-1"
CLIENT_ID = "x509_san_dns:platform.example"
KYC = {"age_equal_or_over": {"18": True, "21": False}, "kyc_level": 3, "address": {"country": "FR"}}


@pytest.fixture(scope="module")
def issuer() -> DidSigner:
    return DidSigner.from_key(Key.generate("EdDSA"))


def test_configurations_cover_every_group_in_both_formats(issuer: DidSigner) -> None:
    configurations = credential_configurations(issuer)
    assert len(configurations) == 10
    ldp = configurations["kyc_age_ldp_vc"].to_dict()
    assert ldp["credential_definition"]["type"] == ["VerifiableCredential", "KycAgeCredential"]
    assert ldp["credential_definition"]["@context"][0] == "https://www.w3.org/2018/credentials/v1"
    assert ldp["credential_signing_alg_values_supported"] == ["Ed25519Signature2020"]
    assert ldp["cryptographic_binding_methods_supported"] == ["did:jwk", "did:key"]
    jwt = configurations["kyc_age_jwt_vc_json"].to_dict()
    assert "@context" not in jwt["credential_definition"]  # A.1.1: type only
    assert jwt["credential_signing_alg_values_supported"] == ["EdDSA"]
    assert jwt["credential_metadata"]["claims"] == [
        {"path": ["credentialSubject", "over18"]},
        {"path": ["credentialSubject", "over21"]},
    ]


def test_configurations_read_back_with_our_metadata_parser(issuer: DidSigner) -> None:
    for configuration in credential_configurations(issuer).values():
        assert CredentialConfiguration.from_dict(configuration.to_dict()) == configuration


def test_configuration_id_names() -> None:
    assert configuration_id("KycSanctionsCredential", FORMAT_LDP_VC) == "kyc_sanctions_ldp_vc"


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_jwk_proof_to_presentation(fmt: str, issuer: DidSigner) -> None:
    """A wallet that proves with a header jwk is bound as the did:jwk of that key."""
    wallet_key = Key.generate("ES256")
    proof = build_proof(wallet_key, ISSUER_URL, "c-nonce", now=NOW)
    key = verify_proof(proof, audience=ISSUER_URL, now=NOW, nonce="c-nonce")
    subject = holder_did(jws.parse(proof).header, key)
    assert subject.startswith("did:jwk:")
    issued = issue_predicate_credentials(
        KYC,
        issuer,
        fmt,
        holder=subject,
        issued=NOW,
        expires=NOW + 3600,
        status=StatusReference(1, ISSUER_URL + "/s/1"),
    )
    assert sorted(issued) == ["KycAgeCredential", "KycLevelCredential", "KycResidenceCredential"]
    wallet = DidSigner.from_key(wallet_key, "jwk")
    vp = build_presentation(
        issued["KycLevelCredential"], wallet, fmt, nonce=NONCE, client_id=CLIENT_ID
    )
    result = verify_presentation(
        vp, fmt, nonce=NONCE, client_id=CLIENT_ID, trusted_issuers={issuer.did}, now=NOW
    )
    assert result.credential.claims == {"kycLevel": 3}


def test_kid_proof_binds_the_named_did_key(issuer: DidSigner) -> None:
    wallet = DidSigner.from_key(Key.generate("EdDSA"))
    proof = build_proof(wallet.key, ISSUER_URL, None, now=NOW, kid=wallet.verification_method)
    resolver = Resolver()
    key = verify_proof(
        proof,
        audience=ISSUER_URL,
        now=NOW,
        nonce=None,
        key_resolver=lambda kid: resolver.resolve_key(kid, kid.split("#")[0]),
    )
    assert holder_did(jws.parse(proof).header, key) == wallet.did
    issued = issue_predicate_credentials(
        KYC,
        issuer,
        FORMAT_JWT_VC_JSON,
        holder=wallet.did,
        issued=NOW,
        expires=NOW + 60,
        status=None,
    )
    vp = build_presentation(
        issued["KycAgeCredential"], wallet, FORMAT_JWT_VC_JSON, nonce=NONCE, client_id=CLIENT_ID
    )
    verify_presentation(
        vp,
        FORMAT_JWT_VC_JSON,
        nonce=NONCE,
        client_id=CLIENT_ID,
        trusted_issuers={issuer.did},
        now=NOW,
    )


def test_secp256k1_proof_key_refused() -> None:
    with pytest.raises(InvalidProof, match="EdDSA or ES256"):
        holder_did({"jwk": {}}, Key.generate("ES256K"))


def test_did_web_kid_refused() -> None:
    with pytest.raises(InvalidProof, match="did:key or did:jwk"):
        holder_did({"kid": "did:web:wallet.example#key-1"}, Key.generate("ES256"))
