"""ssi.w3c presentations for OpenID4VP 1.0 Appendix B.1 (VP-JWT and LDP VP), with didkit.

B.1.3.1.5: the VP-JWT's ``nonce`` is the request's nonce and ``aud`` the
Client Identifier; B.1.3.2.5: the LDP proof's ``challenge`` is the nonce and
``domain`` the Client Identifier. Each refusal is its own test.
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
    HeaderKeyRefused,
    InvalidSignature,
    MalformedInput,
    TimeInvalid,
    UntrustedIssuer,
)
from ssi.jose import Key
from ssi.status_list import StatusReference
from ssi.w3c import (
    DidSigner,
    build_credential,
    build_presentation,
    issue_credential,
    verify_presentation,
)
from ssi.w3c.spec import FORMAT_JWT_VC_JSON, FORMAT_LDP_VC, FORMATS

NOW = int(time.time())

pytestmark = pytest.mark.usefixtures("fresh_now")


DAY = 86_400
NONCE = "n-0S6_WzA2Mj"
CLIENT_ID = "x509_san_dns:verifier.example.org"
ALL_FORMATS = sorted(FORMATS)
DIDKIT_FORMAT = {FORMAT_JWT_VC_JSON: "jwt", FORMAT_LDP_VC: "ldp"}


def run_didkit(function: Any, *args: str) -> Any:
    async def call() -> Any:
        return await function(*args)

    return asyncio.run(call())


@pytest.fixture(scope="module")
def issuer() -> DidSigner:
    return DidSigner.from_key(Key.generate("EdDSA"))


@pytest.fixture(
    scope="module",
    params=[("EdDSA", "key"), ("ES256", "jwk")],
    ids=["holder-ed25519", "holder-p256"],
)
def holder(request: pytest.FixtureRequest) -> DidSigner:
    alg, method = request.param
    return DidSigner.from_key(Key.generate(alg), method)


def credential_for(issuer: DidSigner, holder: DidSigner, fmt: str, **times: int) -> Any:
    document = build_credential(
        "KycLevelCredential",
        {"kycLevel": 2},
        issuer=issuer.did,
        holder=holder.did,
        issued=times.get("issued", NOW - 60),
        expires=times.get("expires", NOW + DAY),
        status=StatusReference(3, "https://issuer.example/status/1"),
    )
    return issue_credential(document, issuer, fmt)


def present(issuer: DidSigner, holder: DidSigner, fmt: str, **kwargs: Any) -> Any:
    return build_presentation(
        credential_for(issuer, holder, fmt),
        holder,
        fmt,
        nonce=kwargs.get("nonce", NONCE),
        client_id=kwargs.get("client_id", CLIENT_ID),
    )


def verify(presentation: Any, fmt: str, issuer: DidSigner, **kwargs: Any) -> Any:
    options: dict[str, Any] = {"nonce": NONCE, "client_id": CLIENT_ID, "now": NOW} | kwargs
    return verify_presentation(presentation, fmt, trusted_issuers={issuer.did}, **options)


def jwt_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _signature = token.split(".")
    return json.loads(b64url_decode(header)), json.loads(b64url_decode(payload))


# --- accepted --------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_presentation_verifies_with_ours(fmt: str, issuer: DidSigner, holder: DidSigner) -> None:
    result = verify(present(issuer, holder, fmt), fmt, issuer)
    assert result.holder == holder.did
    assert result.credential.claims == {"kycLevel": 2}
    assert result.credential.subject == holder.did


def test_vp_jwt_carries_nonce_and_audience(issuer: DidSigner, holder: DidSigner) -> None:
    """B.1.3.1.5: nonce = the request's nonce, aud = the Client Identifier, iss = the holder."""
    header, claims = jwt_parts(present(issuer, holder, FORMAT_JWT_VC_JSON))
    assert header["kid"] == holder.verification_method
    assert (claims["nonce"], claims["aud"], claims["iss"]) == (NONCE, CLIENT_ID, holder.did)
    assert isinstance(claims["vp"]["verifiableCredential"][0], str)


def test_ldp_vp_carries_challenge_and_domain(issuer: DidSigner, holder: DidSigner) -> None:
    """B.1.3.2.5: challenge = the request's nonce, domain = the Client Identifier."""
    presentation = present(issuer, holder, FORMAT_LDP_VC)
    proof = presentation["proof"]
    assert (proof["challenge"], proof["domain"]) == (NONCE, CLIENT_ID)
    assert proof["proofPurpose"] == "authentication"
    assert proof["verificationMethod"] == holder.verification_method


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_our_presentation_verifies_with_didkit(
    fmt: str, issuer: DidSigner, holder: DidSigner
) -> None:
    presentation = present(issuer, holder, fmt)
    encoded = presentation if isinstance(presentation, str) else json.dumps(presentation)
    options = {"proofFormat": DIDKIT_FORMAT[fmt], "challenge": NONCE, "domain": CLIENT_ID}
    result = json.loads(run_didkit(didkit.verify_presentation, encoded, json.dumps(options)))
    assert result["errors"] == []


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_didkit_made_presentation_verifies_with_ours(
    fmt: str, issuer: DidSigner, holder: DidSigner
) -> None:
    """A wallet on didkit alone: its VP over our credential passes our verifier."""
    document = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [credential_for(issuer, holder, fmt)],
    }
    options = {
        "proofPurpose": "authentication",
        "verificationMethod": holder.verification_method,
        "proofFormat": DIDKIT_FORMAT[fmt],
        "challenge": NONCE,
        "domain": CLIENT_ID,
    }
    output = run_didkit(
        didkit.issue_presentation,
        json.dumps(document),
        json.dumps(options),
        holder.private_jwk_json(),
    )
    presentation = output if fmt == FORMAT_JWT_VC_JSON else json.loads(output)
    assert verify(presentation, fmt, issuer).holder == holder.did


# --- refused ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_wrong_nonce_refused(fmt: str, issuer: DidSigner, holder: DidSigner) -> None:
    presentation = present(issuer, holder, fmt, nonce="an-older-nonce")
    with pytest.raises(ClaimMismatch, match="nonce"):
        verify(presentation, fmt, issuer)


def test_wrong_audience_refused(issuer: DidSigner, holder: DidSigner) -> None:
    presentation = present(
        issuer, holder, FORMAT_JWT_VC_JSON, client_id="x509_san_dns:other.example"
    )
    with pytest.raises(ClaimMismatch, match="'aud'"):
        verify(presentation, FORMAT_JWT_VC_JSON, issuer)


def test_audience_without_client_id_prefix_refused(issuer: DidSigner, holder: DidSigner) -> None:
    """aud is the full Client Identifier, prefix included (OpenID4VP 1.0 §5.9.1)."""
    presentation = present(issuer, holder, FORMAT_JWT_VC_JSON, client_id="verifier.example.org")
    with pytest.raises(ClaimMismatch, match="'aud'"):
        verify(presentation, FORMAT_JWT_VC_JSON, issuer)


def test_wrong_domain_refused(issuer: DidSigner, holder: DidSigner) -> None:
    presentation = present(issuer, holder, FORMAT_LDP_VC, client_id="x509_san_dns:other.example")
    with pytest.raises(ClaimMismatch, match="'domain'"):
        verify(presentation, FORMAT_LDP_VC, issuer)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_holder_not_the_subject_refused(fmt: str, issuer: DidSigner, holder: DidSigner) -> None:
    """Someone else's credential, presented under the presenter's own key."""
    thief = DidSigner.from_key(Key.generate("EdDSA"))
    stolen = credential_for(issuer, holder, fmt)
    presentation = build_presentation(stolen, thief, fmt, nonce=NONCE, client_id=CLIENT_ID)
    with pytest.raises(ClaimMismatch, match="not the credential's subject"):
        verify(presentation, fmt, issuer)


def test_vp_jwt_alg_none_refused(issuer: DidSigner, holder: DidSigner) -> None:
    token = present(issuer, holder, FORMAT_JWT_VC_JSON)
    header = {"alg": "none", "kid": holder.verification_method}
    unsigned = f"{b64url_encode(json_dumps(header).encode())}.{token.split('.')[1]}."
    with pytest.raises(AlgorithmNotAllowed, match="none"):
        verify(unsigned, FORMAT_JWT_VC_JSON, issuer)


def test_tampered_vp_jwt_refused(issuer: DidSigner, holder: DidSigner) -> None:
    token = present(issuer, holder, FORMAT_JWT_VC_JSON)
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["jti"] = "urn:uuid:added-after-signing"
    forged = f"{header}.{b64url_encode(json_dumps(claims).encode())}.{signature}"
    with pytest.raises(InvalidSignature, match="presentation's proof does not verify"):
        verify(forged, FORMAT_JWT_VC_JSON, issuer)


def test_tampered_ldp_vp_refused(issuer: DidSigner, holder: DidSigner) -> None:
    presentation = present(issuer, holder, FORMAT_LDP_VC)
    presentation["id"] = "urn:uuid:added-after-signing"
    with pytest.raises(InvalidSignature, match="presentation's proof does not verify"):
        verify(presentation, FORMAT_LDP_VC, issuer)


def test_tampered_credential_inside_ldp_vp_refused(issuer: DidSigner, holder: DidSigner) -> None:
    credential = credential_for(issuer, holder, FORMAT_LDP_VC)
    credential["credentialSubject"]["kycLevel"] = 3
    presentation = build_presentation(
        credential, holder, FORMAT_LDP_VC, nonce=NONCE, client_id=CLIENT_ID
    )
    with pytest.raises(InvalidSignature, match="credential's proof does not verify"):
        verify(presentation, FORMAT_LDP_VC, issuer)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_presentation_of_untrusted_issuer_refused(
    fmt: str, issuer: DidSigner, holder: DidSigner
) -> None:
    presentation = present(issuer, holder, fmt)
    other = DidSigner.from_key(Key.generate("EdDSA"))
    with pytest.raises(UntrustedIssuer):
        verify(presentation, fmt, other)


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_presentation_of_expired_credential_refused(
    fmt: str, issuer: DidSigner, holder: DidSigner
) -> None:
    presentation = present(issuer, holder, fmt)
    with pytest.raises(TimeInvalid, match="expired"):
        verify(presentation, fmt, issuer, now=NOW + 2 * DAY)


def test_ldp_vp_signed_by_another_key_than_holder_refused(
    issuer: DidSigner, holder: DidSigner
) -> None:
    presentation = present(issuer, holder, FORMAT_LDP_VC)
    presentation["holder"] = DidSigner.from_key(Key.generate("EdDSA")).did
    with pytest.raises(ClaimMismatch, match="verificationMethod"):
        verify(presentation, FORMAT_LDP_VC, issuer)


def test_ldp_vp_without_challenge_refused(issuer: DidSigner, holder: DidSigner) -> None:
    """didkit accepts an LDP VP without challenge when none is asked; we always ask."""
    presentation = present(issuer, holder, FORMAT_LDP_VC)
    del presentation["proof"]["challenge"]
    with pytest.raises(ClaimMismatch, match="'challenge'"):
        verify(presentation, FORMAT_LDP_VC, issuer)


def test_presentation_with_two_credentials_refused(issuer: DidSigner, holder: DidSigner) -> None:
    """Refused before didkit sees it: URDNA2015 over two identical credentials took didkit
    from 2 s to several minutes here (a canonicalization cost an attacker could impose)."""
    presentation = present(issuer, holder, FORMAT_LDP_VC)
    presentation["verifiableCredential"] *= 2
    with pytest.raises(MalformedInput, match="exactly one credential"):
        verify(presentation, FORMAT_LDP_VC, issuer)


def test_ldp_credential_in_vp_jwt_refused(issuer: DidSigner, holder: DidSigner) -> None:
    """jwt_vc_json presentations carry VC-JWTs; an LDP VC inside one is another format."""
    credential = credential_for(issuer, holder, FORMAT_LDP_VC)
    with pytest.raises(MalformedInput, match="carries str credentials"):
        build_presentation(credential, holder, FORMAT_JWT_VC_JSON, nonce=NONCE, client_id=CLIENT_ID)


def test_vp_jwt_audience_array_with_extra_entry_refused(
    issuer: DidSigner, holder: DidSigner
) -> None:
    """SECURITY.md: an 'aud' array with extra entries is not our audience."""
    token = present(issuer, holder, FORMAT_JWT_VC_JSON)
    header, payload, signature = token.split(".")
    claims = json.loads(b64url_decode(payload))
    claims["aud"] = [CLIENT_ID, "x509_san_dns:other.example"]
    forged = f"{header}.{b64url_encode(json_dumps(claims).encode())}.{signature}"
    with pytest.raises(ClaimMismatch, match="'aud'"):
        verify(forged, FORMAT_JWT_VC_JSON, issuer)


def test_vp_jwt_signed_with_a_key_of_another_did_refused(
    issuer: DidSigner, holder: DidSigner
) -> None:
    """The VP-JWT's kid must name an authentication key of its 'iss' (the holder)."""
    other = DidSigner.from_key(Key.generate("EdDSA"))
    token = present(issuer, holder, FORMAT_JWT_VC_JSON)
    header, payload, signature = token.split(".")
    changed = json.loads(b64url_decode(header)) | {"kid": other.verification_method}
    forged = f"{b64url_encode(json_dumps(changed).encode())}.{payload}.{signature}"
    with pytest.raises(HeaderKeyRefused, match="kid names a key of"):
        verify(forged, FORMAT_JWT_VC_JSON, issuer)


def test_ldp_vp_with_vc_2_0_context_refused(issuer: DidSigner, holder: DidSigner) -> None:
    """VC DM 2.0 is out of didkit 0.3.3's reach: refused by name, before didkit."""
    presentation = present(issuer, holder, FORMAT_LDP_VC)
    presentation["@context"] = ["https://www.w3.org/ns/credentials/v2"]
    with pytest.raises(MalformedInput, match="must start with"):
        verify(presentation, FORMAT_LDP_VC, issuer)
