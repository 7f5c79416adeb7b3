"""Verifiable Presentations for OpenID4VP 1.0 (Appendix B.1.3.1.5 / B.1.3.2.5).

* ``jwt_vc_json``: a VP-JWT signed by the holder's DID key, ``iss`` = the
  holder, ``nonce`` = the request's ``nonce``, ``aud`` = the full Client
  Identifier; ``vp.verifiableCredential`` holds VC-JWTs.
* ``ldp_vc``: a VP with a Data Integrity proof by the holder's DID key
  (``proofPurpose`` ``authentication``), ``challenge`` = ``nonce``,
  ``domain`` = the Client Identifier; it holds LDP VCs.

One presentation carries exactly one credential (one per DCQL credential
query match; several credentials answer with several presentations, §8.1).

Wallet::

    vp = build_presentation(held_vc, holder_signer, FORMAT_LDP_VC, nonce=nonce, client_id=cid)

Verifier::

    result = verify_presentation(vp, FORMAT_LDP_VC, nonce=nonce, client_id=cid,
                                 trusted_issuers={ISSUER_DID}, now=now)
    result.credential.claims     # then: status list, DCQL check (result.candidate())
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ..dcql import CandidateCredential
from ..errors import ClaimMismatch, MalformedInput
from ..jose import DEFAULT_SKEW, check_audience, check_times, jws
from . import spec
from .checks import check_jws_header, check_proof_method, parse_datetime
from .credential import VerifiedCredential, verify_credential
from .dcql_support import candidate
from .proofs import sign_presentation, verify_presentation_proof
from .signer import DidSigner, require_supported_did

__all__ = ["VerifiedPresentation", "build_presentation", "verify_presentation"]


def _credential_kind(credential: Any, fmt: str) -> None:
    expected = str if fmt == spec.FORMAT_JWT_VC_JSON else dict
    if not isinstance(credential, expected):
        raise MalformedInput(f"a {fmt} presentation carries {expected.__name__} credentials")


def build_presentation(
    credential: str | dict[str, Any],
    signer: DidSigner,
    fmt: str,
    *,
    nonce: str,
    client_id: str,
) -> str | dict[str, Any]:
    """The holder's presentation of one held credential, bound to ``nonce`` and ``client_id``."""
    if fmt not in spec.FORMATS:
        raise MalformedInput(f"{fmt!r} is not a W3C credential format")
    _credential_kind(credential, fmt)
    if not nonce or not client_id:
        raise MalformedInput("a presentation needs the request's nonce and client_id")
    document = {
        "@context": [spec.VC_CONTEXT_V1],
        "type": [spec.TYPE_VERIFIABLE_PRESENTATION],
        "holder": signer.did,
        "verifiableCredential": [credential],
    }
    return sign_presentation(document, signer, fmt, challenge=nonce, domain=client_id)


@dataclass(frozen=True)
class VerifiedPresentation:
    """A presentation whose proof, binding and credential were all checked."""

    format: str
    holder: str
    credential: VerifiedCredential

    def candidate(self) -> CandidateCredential:
        """What :func:`ssi.dcql.check_presentation` needs (holder binding proven)."""
        return candidate(self.credential.document, self.format, holder_binding=True)


def _presentation_document(
    presentation: str | dict[str, Any],
    fmt: str,
    nonce: str,
    client_id: str,
    now: float,
    skew: float,
) -> tuple[dict[str, Any], str]:
    """The presentation's ``vp`` object and holder, its binding to the request checked."""
    if fmt == spec.FORMAT_JWT_VC_JSON:
        if not isinstance(presentation, str):
            raise MalformedInput("a jwt_vc_json presentation is a VP-JWT string")
        parsed = jws.parse(presentation)
        claims = parsed.claims()
        document = claims.get("vp")
        holder = claims.get("iss")
        if not isinstance(document, dict) or not isinstance(holder, str):
            raise MalformedInput("the VP-JWT needs 'iss' and a 'vp' object")
        holder = require_supported_did(holder, "holder")
        check_jws_header(parsed, holder, spec.PURPOSE_AUTHENTICATION)
        if claims.get("nonce") != nonce:
            raise ClaimMismatch("the VP-JWT's 'nonce' is not the request's nonce")
        check_audience(claims, client_id)
        check_times(claims, now, skew=skew)
        if document.get("holder", holder) != holder:
            raise ClaimMismatch("'vp.holder' is not the VP-JWT's 'iss'")
        return document, holder
    if fmt != spec.FORMAT_LDP_VC:
        raise MalformedInput(f"{fmt!r} is not a W3C credential format")
    if not isinstance(presentation, dict):
        raise MalformedInput("an ldp_vc presentation is a JSON object")
    holder = presentation.get("holder")
    if not isinstance(holder, str):
        raise MalformedInput("the presentation has no 'holder'")
    holder = require_supported_did(holder, "holder")
    proof = check_proof_method(
        presentation.get("proof"), holder, spec.PURPOSE_AUTHENTICATION, spec.PROOF_TYPES
    )
    if proof.get("challenge") != nonce:
        raise ClaimMismatch("the proof's 'challenge' is not the request's nonce")
    if proof.get("domain") != client_id:
        raise ClaimMismatch("the proof's 'domain' is not the Client Identifier")
    if "created" in proof and parse_datetime(proof["created"], "created") > now + skew:
        raise ClaimMismatch("the proof was created in the future")
    return presentation, holder


def verify_presentation(
    presentation: str | dict[str, Any],
    fmt: str,
    *,
    nonce: str,
    client_id: str,
    trusted_issuers: Collection[str],
    now: float,
    skew: float = DEFAULT_SKEW,
) -> VerifiedPresentation:
    """Verify a presentation and its one credential; raise on any failure.

    Checks, in order: the binding (``nonce``/``challenge``, ``aud``/``domain``,
    the signer is the ``holder``, header algorithms), the credential (as
    :func:`~.credential.verify_credential`: issuer trust, dates, proof), that
    the holder is the credential's subject, then the presentation's proof
    with didkit. Raises ``ClaimMismatch``, ``AlgorithmNotAllowed``,
    ``UntrustedIssuer``, ``TimeInvalid``, ``InvalidSignature``, ``MalformedInput``.
    """
    document, holder = _presentation_document(presentation, fmt, nonce, client_id, now, skew)
    types = document.get("type")
    if not isinstance(types, list) or spec.TYPE_VERIFIABLE_PRESENTATION not in types:
        raise MalformedInput("'type' must include 'VerifiablePresentation'")
    credentials = document.get("verifiableCredential")
    if not isinstance(credentials, list) or len(credentials) != 1:
        raise MalformedInput("a presentation carries exactly one credential")
    _credential_kind(credentials[0], fmt)
    verified = verify_credential(
        credentials[0], fmt, trusted_issuers=trusted_issuers, now=now, skew=skew
    )
    if verified.subject != holder:
        raise ClaimMismatch("the presentation's holder is not the credential's subject")
    verify_presentation_proof(presentation, fmt, challenge=nonce, domain=client_id)
    return VerifiedPresentation(fmt, holder, verified)
