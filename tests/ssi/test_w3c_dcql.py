"""DCQL over W3C credentials (OpenID4VP 1.0 §6, Appendix B.1), through :mod:`ssi.dcql`.

B.1.1: ``meta.type_values`` holds fully expanded type IRIs; B.1.2: claims
paths start at the credential's root. The wallet matches what it holds with
:func:`ssi.dcql.match`; the verifier re-checks what it received with
:func:`ssi.dcql.check_presentation`.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from ssi.dcql import DcqlQuery, QueryNotSatisfied, check_presentation, match
from ssi.errors import MalformedInput
from ssi.jose import Key
from ssi.w3c import (
    DidSigner,
    build_credential,
    build_presentation,
    candidate,
    credential_document,
    credential_query,
    expanded_types,
    issue_credential,
    predicate_subjects,
    type_values,
    verify_presentation,
    vp_formats_supported,
)
from ssi.w3c.spec import FORMAT_JWT_VC_JSON, FORMAT_LDP_VC, FORMATS

NOW = int(time.time())

pytestmark = pytest.mark.usefixtures("fresh_now")


NONCE = "n-dcql-1"
CLIENT_ID = "redirect_uri:https://platform.example/cb"
ALL_FORMATS = sorted(FORMATS)
VC = "https://www.w3.org/2018/credentials#VerifiableCredential"
KYC = {"age_equal_or_over": {"18": True}, "kyc_level": 2, "address": {"country": "AT"}}


@pytest.fixture(scope="module")
def issuer() -> DidSigner:
    return DidSigner.from_key(Key.generate("EdDSA"))


@pytest.fixture(scope="module")
def holder() -> DidSigner:
    return DidSigner.from_key(Key.generate("ES256"), "jwk")


def held(issuer: DidSigner, holder: DidSigner, fmt: str) -> list[Any]:
    """The wallet's predicate credentials of one format."""
    return [
        issue_credential(
            build_credential(
                t,
                m,
                issuer=issuer.did,
                holder=holder.did,
                issued=NOW,
                expires=NOW + 3600,
                status=None,
            ),
            issuer,
            fmt,
        )
        for t, m in predicate_subjects(KYC).items()
    ]


def query(fmt: str, group: str, claims: list[dict[str, Any]]) -> DcqlQuery:
    return DcqlQuery.from_dict(
        {
            "credentials": [
                {
                    "id": "q",
                    "format": fmt,
                    "meta": {"type_values": type_values(group)},
                    "claims": claims,
                }
            ]
        }
    )


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_wallet_matches_the_requested_predicate_credential(
    fmt: str, issuer: DidSigner, holder: DidSigner
) -> None:
    candidates = [
        candidate(credential_document(c, fmt), fmt, holder_binding=True, ref=i)
        for i, c in enumerate(held(issuer, holder, fmt))
    ]
    wanted = query(
        fmt, "KycLevelCredential", [{"path": ["credentialSubject", "kycLevel"], "values": [2, 3]}]
    )
    (chosen,) = match(wanted, candidates).selection()["q"]
    assert chosen.candidate.claims["credentialSubject"]["kycLevel"] == 2
    assert chosen.disclose == (("credentialSubject", "kycLevel"),)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_wallet_finds_nothing_for_an_unmet_value(
    fmt: str, issuer: DidSigner, holder: DidSigner
) -> None:
    candidates = [
        candidate(credential_document(c, fmt), fmt, holder_binding=True)
        for c in held(issuer, holder, fmt)
    ]
    wanted = query(
        fmt, "KycLevelCredential", [{"path": ["credentialSubject", "kycLevel"], "values": [3]}]
    )
    assert not match(wanted, candidates).satisfied


def test_other_format_does_not_match(issuer: DidSigner, holder: DidSigner) -> None:
    candidates = [
        candidate(credential_document(c, FORMAT_LDP_VC), FORMAT_LDP_VC, holder_binding=True)
        for c in held(issuer, holder, FORMAT_LDP_VC)
    ]
    wanted = query(
        FORMAT_JWT_VC_JSON, "KycAgeCredential", [{"path": ["credentialSubject", "over18"]}]
    )
    assert not match(wanted, candidates).satisfied


def test_compact_type_name_does_not_match_an_expanded_type(
    issuer: DidSigner, holder: DidSigner
) -> None:
    """B.1.1: type_values are expanded IRIs; our term expands, so its bare name must not match."""
    candidates = [
        candidate(credential_document(c, FORMAT_LDP_VC), FORMAT_LDP_VC, holder_binding=True)
        for c in held(issuer, holder, FORMAT_LDP_VC)
    ]
    wanted = DcqlQuery.from_dict(
        {
            "credentials": [
                {
                    "id": "q",
                    "format": FORMAT_LDP_VC,
                    "meta": {"type_values": [["KycAgeCredential"]]},
                }
            ]
        }
    )
    assert not match(wanted, candidates).satisfied


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_verifier_checks_the_presentation_against_its_query(
    fmt: str, issuer: DidSigner, holder: DidSigner
) -> None:
    age = held(issuer, holder, fmt)[0]
    vp = build_presentation(age, holder, fmt, nonce=NONCE, client_id=CLIENT_ID)
    result = verify_presentation(
        vp, fmt, nonce=NONCE, client_id=CLIENT_ID, trusted_issuers={issuer.did}, now=NOW
    )
    over18 = query(
        fmt, "KycAgeCredential", [{"path": ["credentialSubject", "over18"], "values": [True]}]
    )
    check_presentation(over18.credentials[0], result.candidate())
    level = query(fmt, "KycLevelCredential", [{"path": ["credentialSubject", "kycLevel"]}])
    with pytest.raises(QueryNotSatisfied, match="credential type"):
        check_presentation(level.credentials[0], result.candidate())


def test_expanded_types_of_our_credential(issuer: DidSigner, holder: DidSigner) -> None:
    document = build_credential(
        "KycResidenceCredential",
        {"residenceCountry": "AT"},
        issuer=issuer.did,
        holder=holder.did,
        issued=NOW,
        expires=NOW + 60,
        status=None,
    )
    assert expanded_types(document) == (VC, "urn:kyc-wallet:vocab#KycResidenceCredential")


def test_expanded_types_with_vocab_and_undefined_names() -> None:
    """B.1.1: a type no context defines stays a relative IRI; @vocab expands the rest."""
    v1 = "https://www.w3.org/2018/credentials/v1"
    assert expanded_types(
        {"@context": [v1], "type": ["VerifiableCredential", "IdentityCredential"]}
    ) == (
        VC,
        "IdentityCredential",
    )
    vocab = {
        "@context": [v1, {"@vocab": "https://ex.example/v#"}],
        "type": ["VerifiableCredential", "Degree"],
    }
    assert expanded_types(vocab) == (VC, "https://ex.example/v#Degree")
    prefixed = {
        "@context": [v1, {"ex": "https://ex.example/v#", "Degree": "ex:Degree"}],
        "type": "Degree",
    }
    assert expanded_types(prefixed) == ("https://ex.example/v#Degree",)


def test_expanded_types_refuses_a_context_it_would_have_to_fetch() -> None:
    document = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://www.w3.org/2018/credentials/examples/v1",
        ],
        "type": ["VerifiableCredential", "UniversityDegreeCredential"],
    }
    with pytest.raises(MalformedInput, match="offline"):
        expanded_types(document)


def test_type_values_of_an_unknown_group_refused() -> None:
    with pytest.raises(KeyError):
        type_values("PassportCredential")


def test_credential_query_helper_matches_and_constrains(
    issuer: DidSigner, holder: DidSigner
) -> None:
    candidates = [
        candidate(credential_document(c, FORMAT_LDP_VC), FORMAT_LDP_VC, holder_binding=True)
        for c in held(issuer, holder, FORMAT_LDP_VC)
    ]
    data = credential_query("age", "KycAgeCredential", FORMAT_LDP_VC, values={"over18": [True]})
    assert data["claims"] == [{"path": ["credentialSubject", "over18"], "values": [True]}]
    assert match(DcqlQuery.from_dict({"credentials": [data]}), candidates).satisfied
    older = credential_query("age", "KycAgeCredential", FORMAT_LDP_VC, values={"over21": [True]})
    assert not match(DcqlQuery.from_dict({"credentials": [older]}), candidates).satisfied


def test_credential_query_unknown_member_refused() -> None:
    with pytest.raises(MalformedInput, match="no members"):
        credential_query(
            "age", "KycAgeCredential", FORMAT_LDP_VC, values={"birthdate": ["1990-01-01"]}
        )


def test_vp_formats_supported_names_what_we_verify() -> None:
    assert vp_formats_supported() == {
        "jwt_vc_json": {"alg_values": ["ES256", "EdDSA"]},
        "ldp_vc": {
            "proof_type_values": [
                "EcdsaSecp256r1Signature2019",
                "Ed25519Signature2018",
                "Ed25519Signature2020",
                "JsonWebSignature2020",
            ]
        },
    }


def test_signer_for_a_held_credential_subject(holder: DidSigner) -> None:
    assert DidSigner.for_did(holder.key, holder.did) == holder
    with pytest.raises(ValueError, match="not the key of this DID"):
        DidSigner.for_did(Key.generate("ES256"), holder.did)
