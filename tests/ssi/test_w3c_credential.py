"""ssi.w3c credentials: issue and verify VC DM 1.1 as VC-JWT and LDP, cross-checked with didkit.

didkit 0.3.3 is called directly (``asyncio.run``) to show that our credentials
verify in it and that credentials it makes verify in ours. Times: a VC-JWT's
``exp``/``nbf`` are also checked by didkit against the real clock, so
credentials here are valid now and our injected ``now`` moves instead.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import didkit
import pytest

from ssi.encoding import b64url_decode, b64url_encode, json_dumps
from ssi.errors import (
    AlgorithmNotAllowed,
    ClaimMismatch,
    DuplicateMember,
    HeaderKeyRefused,
    InvalidSignature,
    MalformedInput,
    TimeInvalid,
    UnsupportedCritical,
    UnsupportedDIDMethod,
    UntrustedIssuer,
)
from ssi.jose import Key, jws
from ssi.status_list import StatusReference
from ssi.w3c import (
    CONTEXT,
    DidSigner,
    build_credential,
    context_digest,
    issue_credential,
    parse_status_entry,
    predicate_subjects,
    verify_credential,
)
from ssi.w3c.spec import FORMAT_JWT_VC_JSON, FORMAT_LDP_VC, FORMATS, PROOF_ED25519_2020

NOW = int(time.time())

pytestmark = pytest.mark.usefixtures("fresh_now")


DAY = 86_400
STATUS = StatusReference(7, "https://issuer.example/status/1")
KYC_CLAIMS = {
    "given_name": "Erika",
    "birthdate": "1990-01-01",
    "age_equal_or_over": {"18": True, "21": True},
    "kyc_level": 2,
    "kyc_method": "eid",
    "sanctions_screening_result": "clear",
    "sanctions_screening_date": "2026-01-02",
    "investor_classification": "professional",
    "investor_jurisdiction": "DE",
    "address": {"street_address": "Heidestraße 17", "country": "DE"},
}
ALL_FORMATS = sorted(FORMATS)


def run_didkit(function: Any, *args: str) -> Any:
    async def call() -> Any:
        return await function(*args)

    return asyncio.run(call())


@pytest.fixture(
    scope="module",
    params=[("EdDSA", "key"), ("ES256", "jwk")],
    ids=["ed25519-did-key", "p256-did-jwk"],
)
def issuer(request: pytest.FixtureRequest) -> DidSigner:
    alg, method = request.param
    return DidSigner.from_key(Key.generate(alg), method)


@pytest.fixture(scope="module")
def holder() -> DidSigner:
    return DidSigner.from_key(Key.generate("EdDSA"))


def age_document(issuer: DidSigner, holder: DidSigner, **overrides: Any) -> dict[str, Any]:
    times = {"issued": NOW - 60, "expires": NOW + DAY} | overrides
    return build_credential(
        "KycAgeCredential",
        {"over18": True, "over21": False},
        issuer=issuer.did,
        holder=holder.did,
        issued=times["issued"],
        expires=times["expires"],
        status=STATUS,
        credential_id="urn:uuid:8f1a8b0e-6d0e-4a53-9c7e-3f6c2f1d9a11",
    )


def verify(credential: Any, fmt: str, issuer: DidSigner, **kwargs: Any) -> Any:
    return verify_credential(
        credential, fmt, trusted_issuers={issuer.did}, now=kwargs.pop("now", NOW), **kwargs
    )


# --- the predicate design ---------------------------------------------------------


def test_predicate_subjects_carry_no_identity_data() -> None:
    subjects = predicate_subjects(KYC_CLAIMS)
    assert subjects == {
        "KycAgeCredential": {"over18": True, "over21": True},
        "KycLevelCredential": {"kycLevel": 2, "kycMethod": "eid"},
        "KycSanctionsCredential": {"sanctionsClear": True, "sanctionsScreeningDate": "2026-01-02"},
        "KycInvestorCredential": {
            "investorClassification": "professional",
            "investorJurisdiction": "DE",
        },
        "KycResidenceCredential": {"residenceCountry": "DE"},
    }
    flat = json.dumps(subjects)
    for secret in ("Erika", "1990-01-01", "Heidestraße"):
        assert secret not in flat


def test_predicate_group_without_its_claim_is_not_issued() -> None:
    subjects = predicate_subjects({"kyc_level": 3, "sanctions_screening_result": "hit"})
    assert subjects == {
        "KycLevelCredential": {"kycLevel": 3},
        "KycSanctionsCredential": {"sanctionsClear": False},
    }


def test_predicate_malformed_claim_refused() -> None:
    with pytest.raises(MalformedInput, match="kyc_level"):
        predicate_subjects({"kyc_level": "2"})


def test_build_credential_refuses_did_web_issuer(holder: DidSigner) -> None:
    with pytest.raises(UnsupportedDIDMethod, match="did:web"):
        build_credential(
            "KycAgeCredential",
            {"over18": True},
            issuer="did:web:issuer.example",
            holder=holder.did,
            issued=NOW,
            expires=NOW + DAY,
            status=None,
        )


# --- issue and verify ---------------------------------------------------------------


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_issued_credential_verifies_with_ours(
    fmt: str, issuer: DidSigner, holder: DidSigner
) -> None:
    credential = issue_credential(age_document(issuer, holder), issuer, fmt)
    verified = verify(credential, fmt, issuer)
    assert verified.issuer == issuer.did
    assert verified.subject == holder.did
    assert verified.claims == {"over18": True, "over21": False}
    assert verified.status == STATUS
    assert verified.document["type"] == ["VerifiableCredential", "KycAgeCredential"]


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_issued_credential_verifies_with_didkit(
    fmt: str, issuer: DidSigner, holder: DidSigner
) -> None:
    credential = issue_credential(age_document(issuer, holder), issuer, fmt)
    encoded = credential if isinstance(credential, str) else json.dumps(credential)
    options = json.dumps({"proofFormat": "jwt" if fmt == FORMAT_JWT_VC_JSON else "ldp"})
    result = json.loads(run_didkit(didkit.verify_credential, encoded, options))
    assert result["errors"] == []


def test_ldp_credential_uses_ed25519_signature_2020(holder: DidSigner) -> None:
    issuer = DidSigner.from_key(Key.generate("EdDSA"))
    credential = issue_credential(age_document(issuer, holder), issuer, FORMAT_LDP_VC)
    assert isinstance(credential, dict)
    assert credential["proof"]["type"] == PROOF_ED25519_2020
    assert credential["proof"]["verificationMethod"] == issuer.verification_method


def test_jwt_credential_registered_claims_mirror_the_credential(
    issuer: DidSigner, holder: DidSigner
) -> None:
    """VC DM 1.1 §6.3.1: iss, sub, jti, nbf, exp carry issuer, subject id, id and the dates."""
    token = issue_credential(age_document(issuer, holder), issuer, FORMAT_JWT_VC_JSON)
    assert isinstance(token, str)
    header = json.loads(b64url_decode(token.split(".")[0]))
    claims = json.loads(b64url_decode(token.split(".")[1]))
    assert header["alg"] == issuer.key.alg and header["kid"] == issuer.verification_method
    assert claims["iss"] == issuer.did and claims["sub"] == holder.did
    assert claims["jti"] == "urn:uuid:8f1a8b0e-6d0e-4a53-9c7e-3f6c2f1d9a11"
    assert claims["exp"] == NOW + DAY and claims["nbf"] == NOW - 60


def test_status_entry_points_into_the_token_status_list(
    issuer: DidSigner, holder: DidSigner
) -> None:
    document = age_document(issuer, holder)
    assert document["credentialStatus"] == {
        "id": "https://issuer.example/status/1#7",
        "type": "TokenStatusListEntry",
        "idx": 7,
        "uri": "https://issuer.example/status/1",
    }
    assert parse_status_entry(document) == STATUS


def test_status_entry_with_wrong_id_refused() -> None:
    entry = {
        "id": "https://x.example/s#1",
        "type": "TokenStatusListEntry",
        "idx": 2,
        "uri": "https://x.example/s",
    }
    with pytest.raises(MalformedInput, match="<uri>#<idx>"):
        parse_status_entry({"credentialStatus": entry})


def test_status_entry_bitstring_type_refused() -> None:
    entry = {
        "id": "https://x.example/s#1",
        "type": "BitstringStatusListEntry",
        "idx": 1,
        "uri": "https://x.example/s",
    }
    with pytest.raises(MalformedInput, match="TokenStatusListEntry"):
        parse_status_entry({"credentialStatus": entry})


# --- credentials made by didkit directly ----------------------------------------------


def didkit_credential(fmt: str, context: list[Any], subject: dict[str, Any]) -> tuple[Any, str]:
    """A credential made with didkit alone (its default proof suite, its own JWT encoding)."""
    jwk = didkit.generate_ed25519_key()
    did = didkit.key_to_did("key", jwk)
    method = run_didkit(didkit.key_to_verification_method, "key", jwk)
    document = {
        "@context": context,
        "type": ["VerifiableCredential", "KycAgeCredential"],
        "issuer": did,
        "issuanceDate": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - 10)),
        "expirationDate": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW + DAY)),
        "credentialSubject": subject,
    }
    options = {"proofPurpose": "assertionMethod", "verificationMethod": method}
    options["proofFormat"] = "jwt" if fmt == FORMAT_JWT_VC_JSON else "ldp"
    output = run_didkit(didkit.issue_credential, json.dumps(document), json.dumps(options), jwk)
    return (output if fmt == FORMAT_JWT_VC_JSON else json.loads(output)), did


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_didkit_made_credential_with_our_context_verifies(fmt: str, holder: DidSigner) -> None:
    credential, did = didkit_credential(fmt, CONTEXT, {"id": holder.did, "over18": True})
    verified = verify_credential(credential, fmt, trusted_issuers={did}, now=NOW)
    assert verified.claims == {"over18": True}
    assert verified.status is None


VOCAB_CONTEXT = [
    "https://www.w3.org/2018/credentials/v1",
    {"@vocab": "https://other.example/terms#"},
]


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_didkit_made_credential_with_vocab_context_listed_by_hash_verifies(
    fmt: str, holder: DidSigner
) -> None:
    """Another issuer's context is accepted when the trust list names its digest."""
    credential, did = didkit_credential(fmt, VOCAB_CONTEXT, {"id": holder.did, "accredited": True})
    contexts = {did: {context_digest(VOCAB_CONTEXT)}}
    verified = verify_credential(
        credential, fmt, trusted_issuers={did}, now=NOW, issuer_contexts=contexts
    )
    assert verified.claims == {"accredited": True}


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_context_not_listed_for_this_issuer_refused(fmt: str, holder: DidSigner) -> None:
    """VC Data Integrity "Validating Contexts": an unknown context is an error; a digest
    listed for another issuer DID does not count for this one."""
    credential, did = didkit_credential(fmt, VOCAB_CONTEXT, {"id": holder.did, "accredited": True})
    for contexts in ({}, {"did:key:z6MkOther": {context_digest(VOCAB_CONTEXT)}}):
        with pytest.raises(MalformedInput, match="not the context this project publishes"):
            verify_credential(
                credential, fmt, trusted_issuers={did}, now=NOW, issuer_contexts=contexts
            )


# --- refusals ------------------------------------------------------------------------


def tamper_jwt(token: str, change: Any) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    change(claims)
    return f"{header}.{b64url_encode(json_dumps(claims).encode())}.{signature}"


def test_tampered_ldp_credential_refused(issuer: DidSigner, holder: DidSigner) -> None:
    credential = issue_credential(age_document(issuer, holder), issuer, FORMAT_LDP_VC)
    assert isinstance(credential, dict)
    credential["credentialSubject"]["over21"] = True
    with pytest.raises(InvalidSignature, match="does not verify"):
        verify(credential, FORMAT_LDP_VC, issuer)


def test_tampered_jwt_credential_refused(issuer: DidSigner, holder: DidSigner) -> None:
    token = issue_credential(age_document(issuer, holder), issuer, FORMAT_JWT_VC_JSON)
    assert isinstance(token, str)
    forged = tamper_jwt(token, lambda c: c["vc"]["credentialSubject"].update(over21=True))
    with pytest.raises(InvalidSignature, match="does not verify"):
        verify(forged, FORMAT_JWT_VC_JSON, issuer)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_untrusted_issuer_refused(fmt: str, issuer: DidSigner, holder: DidSigner) -> None:
    credential = issue_credential(age_document(issuer, holder), issuer, fmt)
    other = DidSigner.from_key(Key.generate("EdDSA"))
    with pytest.raises(UntrustedIssuer, match="not a trusted issuer"):
        verify_credential(credential, fmt, trusted_issuers={other.did}, now=NOW)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_expired_credential_refused_by_our_date_check(
    fmt: str, issuer: DidSigner, holder: DidSigner
) -> None:
    credential = issue_credential(age_document(issuer, holder), issuer, fmt)
    with pytest.raises(TimeInvalid, match="expired"):
        verify(credential, fmt, issuer, now=NOW + DAY + 61)


def test_really_expired_ldp_credential_passes_didkit_but_not_ours(
    issuer: DidSigner, holder: DidSigner
) -> None:
    """LIBRARIES.md: didkit's LDP verification ignores expirationDate; ours does not."""
    document = age_document(issuer, holder, issued=NOW - 2 * DAY, expires=NOW - DAY)
    credential = issue_credential(document, issuer, FORMAT_LDP_VC)
    result = json.loads(
        run_didkit(
            didkit.verify_credential, json.dumps(credential), json.dumps({"proofFormat": "ldp"})
        )
    )
    assert result["errors"] == []
    with pytest.raises(TimeInvalid, match="expired"):
        verify(credential, FORMAT_LDP_VC, issuer)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_future_issuance_date_refused(fmt: str, issuer: DidSigner, holder: DidSigner) -> None:
    document = age_document(issuer, holder, issued=NOW + 3600, expires=NOW + DAY)
    credential = issue_credential(document, issuer, fmt)
    # a VC-JWT's 'nbf' (= issuanceDate) is checked first, with the same clock and skew
    with pytest.raises(TimeInvalid, match="future|not yet valid"):
        verify(credential, fmt, issuer)


def test_future_issuance_within_skew_accepted(issuer: DidSigner, holder: DidSigner) -> None:
    document = age_document(issuer, holder, issued=NOW + 30, expires=NOW + DAY)
    credential = issue_credential(document, issuer, FORMAT_LDP_VC)
    assert verify(credential, FORMAT_LDP_VC, issuer).issued == NOW + 30


def test_credential_without_expiration_refused(holder: DidSigner) -> None:
    credential, did = didkit_credential(FORMAT_LDP_VC, CONTEXT, {"id": holder.did, "over18": True})
    del credential["expirationDate"]  # also breaks the proof: the date check comes first
    with pytest.raises(TimeInvalid, match="no 'expirationDate'"):
        verify_credential(credential, FORMAT_LDP_VC, trusted_issuers={did}, now=NOW)


def test_jwt_credential_alg_none_refused(issuer: DidSigner, holder: DidSigner) -> None:
    token = issue_credential(age_document(issuer, holder), issuer, FORMAT_JWT_VC_JSON)
    assert isinstance(token, str)
    header = {"alg": "none", "kid": issuer.verification_method}
    unsigned = f"{b64url_encode(json_dumps(header).encode())}.{token.split('.')[1]}."
    with pytest.raises(AlgorithmNotAllowed, match="none"):
        verify(unsigned, FORMAT_JWT_VC_JSON, issuer)


def test_jwt_credential_kid_of_another_did_refused(issuer: DidSigner, holder: DidSigner) -> None:
    """The kid must name a key of the issuer: a key of someone else is refused before didkit."""
    other = DidSigner.from_key(Key.generate(issuer.key.alg))
    document = age_document(issuer, holder)
    token = issue_credential(document | {"issuer": other.did}, other, FORMAT_JWT_VC_JSON)
    assert isinstance(token, str)
    forged = tamper_jwt(
        token, lambda c: c.update(iss=issuer.did) or c["vc"].update(issuer=issuer.did)
    )
    with pytest.raises(HeaderKeyRefused, match="kid names a key of"):
        verify(forged, FORMAT_JWT_VC_JSON, issuer)


def test_jwt_credential_iss_differs_from_issuer_refused(
    issuer: DidSigner, holder: DidSigner
) -> None:
    token = issue_credential(age_document(issuer, holder), issuer, FORMAT_JWT_VC_JSON)
    assert isinstance(token, str)
    forged = tamper_jwt(token, lambda c: c.update(iss=holder.did))
    with pytest.raises(ClaimMismatch, match="'iss'"):
        verify(forged, FORMAT_JWT_VC_JSON, issuer)


def test_ldp_proof_by_another_did_refused(issuer: DidSigner, holder: DidSigner) -> None:
    credential = issue_credential(age_document(issuer, holder), issuer, FORMAT_LDP_VC)
    assert isinstance(credential, dict)
    credential["proof"]["verificationMethod"] = holder.verification_method
    with pytest.raises(ClaimMismatch, match="verificationMethod"):
        verify(credential, FORMAT_LDP_VC, issuer)


def test_ldp_proof_type_not_accepted_refused(issuer: DidSigner, holder: DidSigner) -> None:
    credential = issue_credential(age_document(issuer, holder), issuer, FORMAT_LDP_VC)
    with pytest.raises(MalformedInput, match="proof type"):
        verify(credential, FORMAT_LDP_VC, issuer, proof_types=frozenset({"JsonWebSignature2020"}))


def test_jwt_alg_not_in_alg_values_refused(issuer: DidSigner, holder: DidSigner) -> None:
    credential = issue_credential(age_document(issuer, holder), issuer, FORMAT_JWT_VC_JSON)
    other_alg = ({"EdDSA", "ES256"} - {issuer.key.alg}).pop()
    with pytest.raises(AlgorithmNotAllowed, match="is not one of"):
        verify(credential, FORMAT_JWT_VC_JSON, issuer, alg_values=frozenset({other_alg}))


def test_undefined_term_fails_expansion_at_issuance(issuer: DidSigner, holder: DidSigner) -> None:
    """Our context defines every term: a claim it does not name cannot be signed (LDP)."""
    document = age_document(issuer, holder)
    document["credentialSubject"]["birthdate"] = "1990-01-01"
    with pytest.raises(MalformedInput, match="Expansion failed"):
        issue_credential(document, issuer, FORMAT_LDP_VC)


def test_did_web_issuer_refused_before_didkit(issuer: DidSigner, holder: DidSigner) -> None:
    credential = issue_credential(age_document(issuer, holder), issuer, FORMAT_LDP_VC)
    assert isinstance(credential, dict)
    credential["issuer"] = "did:web:issuer.example"
    with pytest.raises(UnsupportedDIDMethod, match="did:web"):
        verify_credential(
            credential, FORMAT_LDP_VC, trusted_issuers={"did:web:issuer.example"}, now=NOW
        )


def test_wrong_format_shape_refused(issuer: DidSigner, holder: DidSigner) -> None:
    credential = issue_credential(age_document(issuer, holder), issuer, FORMAT_LDP_VC)
    with pytest.raises(MalformedInput, match="compact JWT"):
        verify(credential, FORMAT_JWT_VC_JSON, issuer)


# --- SECURITY.md, JOSE ----------------------------------------------------------------


def p256_token(holder: DidSigner) -> tuple[DidSigner, str]:
    issuer = DidSigner.from_key(Key.generate("ES256"), "jwk")
    token = issue_credential(age_document(issuer, holder), issuer, FORMAT_JWT_VC_JSON)
    assert isinstance(token, str)
    return issuer, token


def test_es256_zero_signature_refused(holder: DidSigner) -> None:
    """r = s = 0 (CVE-2022-21449 class): didkit must not accept it."""
    issuer, token = p256_token(holder)
    header, payload, _signature = token.split(".")
    forged = f"{header}.{payload}.{b64url_encode(bytes(64))}"
    with pytest.raises(InvalidSignature, match="does not verify"):
        verify(forged, FORMAT_JWT_VC_JSON, issuer)


def test_es256_truncated_signature_refused(holder: DidSigner) -> None:
    issuer, token = p256_token(holder)
    header, payload, signature = token.split(".")
    forged = f"{header}.{payload}.{b64url_encode(b64url_decode(signature)[:63])}"
    with pytest.raises(InvalidSignature, match="does not verify"):
        verify(forged, FORMAT_JWT_VC_JSON, issuer)


def test_jwt_credential_duplicate_member_refused(issuer: DidSigner, holder: DidSigner) -> None:
    """A duplicate member name is refused by our parser before didkit reads the payload."""
    token = issue_credential(age_document(issuer, holder), issuer, FORMAT_JWT_VC_JSON)
    assert isinstance(token, str)
    header, payload, signature = token.split(".")
    text = b64url_decode(payload).decode()
    doubled = text.replace('"iss":', f'"iss":"{holder.did}","iss":', 1)
    forged = f"{header}.{b64url_encode(doubled.encode())}.{signature}"
    with pytest.raises(DuplicateMember):
        verify(forged, FORMAT_JWT_VC_JSON, issuer)


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ({"jwk": {"kty": "OKP"}}, HeaderKeyRefused),
        ({"jku": "https://a.example/k"}, HeaderKeyRefused),
        ({"crit": ["b64"]}, UnsupportedCritical),
    ],
    ids=["jwk", "jku", "crit"],
)
def test_jwt_credential_header_keys_and_crit_refused(
    extra: dict[str, Any], error: type[Exception], issuer: DidSigner, holder: DidSigner
) -> None:
    token = issue_credential(age_document(issuer, holder), issuer, FORMAT_JWT_VC_JSON)
    assert isinstance(token, str)
    header, payload, signature = token.split(".")
    changed = json.loads(b64url_decode(header)) | extra
    forged = f"{b64url_encode(json_dumps(changed).encode())}.{payload}.{signature}"
    with pytest.raises(error):
        verify(forged, FORMAT_JWT_VC_JSON, issuer)


# --- VC DM 1.1 §6.3.1 decoding: members given only as JWT claims --------------------------


def short_vc_jwt(issuer: DidSigner, holder: DidSigner, **claims: Any) -> str:
    """A VC-JWT as other issuers write it: issuer, subject id, id and dates only as JWT claims."""
    payload = {
        "iss": issuer.did,
        "sub": holder.did,
        "jti": "urn:uuid:0b8e",
        "nbf": NOW - 60,
        "exp": NOW + DAY,
        "vc": {
            "@context": CONTEXT,
            "type": ["VerifiableCredential", "KycAgeCredential"],
            "credentialSubject": {"over18": True},
        },
    } | claims
    return jws.sign(payload, issuer.key, typ="JWT", header={"kid": issuer.verification_method})


def test_short_form_vc_jwt_is_decoded_and_verified(issuer: DidSigner, holder: DidSigner) -> None:
    verified = verify(short_vc_jwt(issuer, holder), FORMAT_JWT_VC_JSON, issuer)
    assert (verified.issuer, verified.subject) == (issuer.did, holder.did)
    assert verified.document["issuanceDate"] == time.strftime(
        "%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW - 60)
    )
    assert verified.document["id"] == "urn:uuid:0b8e"
    assert verified.expires == NOW + DAY


def test_short_form_vc_jwt_expired_refused(issuer: DidSigner, holder: DidSigner) -> None:
    token = short_vc_jwt(issuer, holder)
    with pytest.raises(TimeInvalid, match="expired"):
        verify(token, FORMAT_JWT_VC_JSON, issuer, now=NOW + 2 * DAY)


def test_vc_jwt_exp_disagreeing_with_expiration_date_refused(
    issuer: DidSigner, holder: DidSigner
) -> None:
    """A signed VC-JWT whose 'exp' extends the credential's own expirationDate."""
    token = short_vc_jwt(issuer, holder, exp=NOW + 10 * DAY)
    payload = json.loads(b64url_decode(token.split(".")[1]))
    payload["vc"]["expirationDate"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(NOW + DAY))
    signed = jws.sign(payload, issuer.key, typ="JWT", header={"kid": issuer.verification_method})
    with pytest.raises(ClaimMismatch, match="'exp'"):
        verify(signed, FORMAT_JWT_VC_JSON, issuer)
