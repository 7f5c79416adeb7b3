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

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..dcql import CandidateCredential
from ..errors import ClaimMismatch, MalformedInput
from ..jose import DEFAULT_SKEW, check_audience, check_times, jws
from . import spec
from .checks import (
    check_context,
    check_jws_header,
    check_ldp_size,
    check_proof_method,
    parse_datetime,
)
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


@dataclass(frozen=True)
class _Expected:
    """What the verifier's request fixes: the binding and what it accepts."""

    nonce: str
    client_id: str
    now: float
    skew: float
    proof_types: frozenset[str]
    alg_values: frozenset[str]


def _jwt_presentation(presentation: Any, expected: _Expected) -> tuple[dict[str, Any], str]:
    """B.1.3.1.5: the VP-JWT's ``vp`` and holder (``iss``); ``nonce`` and ``aud`` checked."""
    if not isinstance(presentation, str):
        raise MalformedInput("a jwt_vc_json presentation is a VP-JWT string")
    parsed = jws.parse(presentation)
    claims = parsed.claims()
    document, holder = claims.get("vp"), claims.get("iss")
    if not isinstance(document, dict) or not isinstance(holder, str):
        raise MalformedInput("the VP-JWT needs 'iss' and a 'vp' object")
    holder = require_supported_did(holder, "holder")
    check_jws_header(parsed, holder, spec.PURPOSE_AUTHENTICATION, expected.alg_values)
    if claims.get("nonce") != expected.nonce:
        raise ClaimMismatch("the VP-JWT's 'nonce' is not the request's nonce")
    check_audience(claims, expected.client_id)
    check_times(claims, expected.now, skew=expected.skew)
    if document.get("holder", holder) != holder:
        raise ClaimMismatch("'vp.holder' is not the VP-JWT's 'iss'")
    return document, holder


def _ldp_presentation(presentation: Any, expected: _Expected) -> tuple[dict[str, Any], str]:
    """B.1.3.2.5: the VP and its holder; the proof's ``challenge`` and ``domain`` checked."""
    if not isinstance(presentation, dict):
        raise MalformedInput("an ldp_vc presentation is a JSON object")
    check_ldp_size(presentation, "presentation")
    holder = presentation.get("holder")
    if not isinstance(holder, str):
        raise MalformedInput("the presentation has no 'holder'")
    holder = require_supported_did(holder, "holder")
    proof = check_proof_method(
        presentation.get("proof"), holder, spec.PURPOSE_AUTHENTICATION, expected.proof_types
    )
    if proof.get("challenge") != expected.nonce:
        raise ClaimMismatch("the proof's 'challenge' is not the request's nonce")
    if proof.get("domain") != expected.client_id:
        raise ClaimMismatch("the proof's 'domain' is not the Client Identifier")
    created = proof.get("created")
    if created is not None and parse_datetime(created, "created") > expected.now + expected.skew:
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
    proof_types: frozenset[str] = spec.ACCEPTED_PROOF_TYPES,
    alg_values: frozenset[str] = spec.JWT_ALGS,
    issuer_contexts: Mapping[str, Collection[str]] | None = None,
) -> VerifiedPresentation:
    """Verify a presentation and its one credential; raise on any failure.

    Checks, in order: the binding (``nonce``/``challenge``, ``aud``/``domain``,
    the signer is the ``holder``, header algorithms), the credential (as
    :func:`~.credential.verify_credential`: issuer trust, dates, proof), that
    the holder is the credential's subject, then the presentation's proof
    with didkit. ``proof_types`` / ``alg_values`` apply to both; the
    presentation's ``@context`` is pinned to :data:`~.context.PRESENTATION_CONTEXT`
    and the credential's as :func:`~.credential.verify_credential` says
    (``issuer_contexts``); every member of both must expand. Raises
    ``ClaimMismatch``, ``AlgorithmNotAllowed``, ``UntrustedIssuer``,
    ``TimeInvalid``, ``InvalidSignature``, ``MalformedInput``.
    """
    expected = _Expected(nonce, client_id, now, skew, proof_types, alg_values)
    if fmt == spec.FORMAT_JWT_VC_JSON:
        document, holder = _jwt_presentation(presentation, expected)
    elif fmt == spec.FORMAT_LDP_VC:
        document, holder = _ldp_presentation(presentation, expected)
    else:
        raise MalformedInput(f"{fmt!r} is not a W3C credential format")
    check_context(document, spec.TYPE_VERIFIABLE_PRESENTATION)
    credentials = document.get("verifiableCredential")
    if not isinstance(credentials, list) or len(credentials) != 1:
        raise MalformedInput("a presentation carries exactly one credential")
    _credential_kind(credentials[0], fmt)
    verified = verify_credential(
        credentials[0],
        fmt,
        trusted_issuers=trusted_issuers,
        now=now,
        skew=skew,
        proof_types=proof_types,
        alg_values=alg_values,
        issuer_contexts=issuer_contexts,
    )
    if verified.subject != holder:
        raise ClaimMismatch("the presentation's holder is not the credential's subject")
    verify_presentation_proof(presentation, fmt, challenge=nonce, domain=client_id)
    return VerifiedPresentation(fmt, holder, verified)
