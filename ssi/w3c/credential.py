"""Issuing and verifying W3C VC Data Model 1.1 credentials (``jwt_vc_json``, ``ldp_vc``).

Issuer::

    signer = DidSigner.from_key(issuer_key)                      # did:key (or "jwk")
    for vc_type, members in predicate_subjects(kyc_claims).items():
        doc = build_credential(vc_type, members, issuer=signer.did, holder=holder_did,
                               issued=now, expires=now + ttl, status=StatusReference(idx, uri))
        vc = issue_credential(doc, signer, FORMAT_JWT_VC_JSON)   # str; LDP: dict

Verifier (a credential alone; in a presentation see :mod:`.presentation`)::

    verified = verify_credential(vc, FORMAT_LDP_VC, trusted_issuers={ISSUER_DID}, now=now)
    verified.claims, verified.subject, verified.status   # then check the status list

:func:`verify_credential`: structure, issuer trust and dates are checked
here (didkit ignores LDP dates); the proof by didkit. A VC-JWT is decoded per
VC DM 1.1 §6.3.1 (:func:`_decode_jwt`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..errors import ClaimMismatch, MalformedInput, UntrustedIssuer
from ..jose import DEFAULT_SKEW, check_times, jws
from ..jose.jwt import numeric_date
from ..status_list import StatusReference
from . import spec
from .checks import (
    check_context,
    check_dates,
    check_jws_header,
    check_ldp_size,
    check_proof_method,
    parse_datetime,
)
from .context import CONTEXT
from .proofs import sign_credential, verify_credential_proof
from .signer import DidSigner, require_supported_did
from .status import parse_status_entry, status_entry

__all__ = ["VerifiedCredential", "build_credential", "issue_credential", "verify_credential"]


def _date(seconds: float) -> str:
    """An XML Schema dateTime in UTC, with a fraction only when there is one."""
    moment = datetime.fromtimestamp(seconds, UTC)
    if seconds == int(seconds):
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.isoformat().replace("+00:00", "Z")


def build_credential(
    vc_type: str,
    members: dict[str, Any],
    *,
    issuer: str,
    holder: str,
    issued: int,
    expires: int,
    status: StatusReference | None,
    credential_id: str | None = None,
) -> dict[str, Any]:
    """An unsigned VC DM 1.1 credential of ``vc_type`` about ``holder`` (docs/specs/w3c-vc.md)."""
    require_supported_did(issuer, "issuer")
    require_supported_did(holder, "holder")
    if expires <= issued:
        raise MalformedInput("'expirationDate' must come after 'issuanceDate'")
    document: dict[str, Any] = {"@context": CONTEXT}
    if credential_id is not None:
        document["id"] = credential_id
    document |= {
        "type": [spec.TYPE_VERIFIABLE_CREDENTIAL, vc_type],
        "issuer": issuer,
        "issuanceDate": _date(issued),
        "expirationDate": _date(expires),
        "credentialSubject": {"id": holder, **members},
    }
    if status is not None:
        document["credentialStatus"] = status_entry(status)
    return document


def issue_credential(document: dict[str, Any], signer: DidSigner, fmt: str) -> str | dict[str, Any]:
    """Sign ``document`` as a VC-JWT (a compact string) or an LDP VC (a JSON object)."""
    if fmt not in spec.FORMATS:
        raise MalformedInput(f"{fmt!r} is not a W3C credential format")
    if document.get("issuer") != signer.did:
        raise MalformedInput("the credential's 'issuer' is not the signer's DID")
    return sign_credential(document, signer, fmt)


@dataclass(frozen=True)
class VerifiedCredential:
    """A credential whose proof, issuer, dates and shape were checked."""

    format: str
    issuer: str
    subject: str
    document: dict[str, Any]
    """The credential's root (for a VC-JWT the ``vc`` claim), where DCQL paths start."""
    claims: dict[str, Any]
    """``credentialSubject`` without ``id``."""
    issued: float
    expires: float | None
    status: StatusReference | None
    raw: str | dict[str, Any]


def _issuer_id(credential: dict[str, Any]) -> str:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    if not isinstance(issuer, str):
        raise MalformedInput("the credential has no 'issuer' (VC DM 1.1 §4.5)")
    return require_supported_did(issuer, "issuer")


def _subject(credential: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    subject = credential.get("credentialSubject")
    if not isinstance(subject, dict):
        raise MalformedInput("'credentialSubject' must be one object")
    holder = subject.get("id")
    if not isinstance(holder, str):
        raise MalformedInput("'credentialSubject.id' (the holder's DID) is required")
    claims = {k: v for k, v in subject.items() if k != "id"}
    return require_supported_did(holder, "holder"), claims


def _agree(claims: dict[str, Any], name: str, value: Any, what: str) -> None:
    if name in claims and claims[name] != value:
        raise ClaimMismatch(f"the VC-JWT's {name!r} is not the credential's {what}")


def _from_jwt_claims(claims: dict[str, Any], vc: dict[str, Any]) -> dict[str, Any]:
    """VC DM 1.1 §6.3.1 decoding: members left out of ``vc`` come from the JWT claims."""
    credential = dict(vc)
    if isinstance(claims.get("iss"), str):
        credential.setdefault("issuer", claims["iss"])
    if isinstance(claims.get("jti"), str):
        credential.setdefault("id", claims["jti"])
    subject = credential.get("credentialSubject")
    if isinstance(subject, dict) and "id" not in subject and isinstance(claims.get("sub"), str):
        credential["credentialSubject"] = {"id": claims["sub"], **subject}
    for name, member in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
        seconds = numeric_date(claims, name, required=False)
        if seconds is not None and member not in credential:
            credential[member] = _date(seconds)
    return credential


def _decode_jwt(token: str, now: float, skew: float, alg_values: frozenset[str]) -> dict[str, Any]:
    """VC DM 1.1 §6.3.1: the credential of a VC-JWT, its registered claims checked.

    ``iss``/``sub``/``jti``/``nbf``/``exp`` stand for ``issuer``,
    ``credentialSubject.id``, ``id``, ``issuanceDate``, ``expirationDate``
    where ``vc`` leaves those out (as other issuers do), and must agree with
    them where it does not (as didkit writes both).
    """
    parsed = jws.parse(token)
    claims = parsed.claims()
    vc = claims.get("vc")
    if not isinstance(vc, dict):
        raise MalformedInput("the VC-JWT has no 'vc' object")
    credential = _from_jwt_claims(claims, vc)
    issuer = _issuer_id(credential)
    if claims.get("iss") != issuer:
        raise ClaimMismatch("the VC-JWT's 'iss' is not the credential's issuer")
    _agree(claims, "sub", _subject(credential)[0], "credentialSubject.id")
    _agree(claims, "jti", credential.get("id"), "id")
    for name, member in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
        if name in claims:
            _agree(claims, name, parse_datetime(credential.get(member), member), member)
    check_times(claims, now, skew=skew)
    check_jws_header(parsed, issuer, spec.PURPOSE_ASSERTION, alg_values)
    return credential


def verify_credential(
    credential: str | dict[str, Any],
    fmt: str,
    *,
    trusted_issuers: Collection[str],
    now: float,
    skew: float = DEFAULT_SKEW,
    require_expiration: bool = True,
    proof_types: frozenset[str] = spec.ACCEPTED_PROOF_TYPES,
    alg_values: frozenset[str] = spec.JWT_ALGS,
    issuer_contexts: Mapping[str, Collection[str]] | None = None,
) -> VerifiedCredential:
    """Verify one credential; raise on any failure (never return ``False``).

    The whole ``@context`` must be :data:`~.context.CONTEXT` or, for an
    issuer DID in ``issuer_contexts``, one whose :func:`~.context.context_digest`
    is listed there (the trust list's ``w3c_contexts``); every member must
    expand under it (:mod:`.jsonld_safe`), so the JSON we read is what the
    proof signs. Raises ``MalformedInput`` otherwise.

    Raises :class:`~ssi.errors.UntrustedIssuer` (issuer not in
    ``trusted_issuers``), :class:`~ssi.errors.TimeInvalid` (expired, issued in
    the future), ``InvalidSignature`` (didkit's ``errors``), ``AlgorithmNotAllowed``,
    ``ClaimMismatch``, ``MalformedInput``, ``UnsupportedDIDMethod``.
    ``proof_types`` / ``alg_values``: the verifier's ``vp_formats`` values
    (OpenID4VP 1.0 Appendix B.1.3.2.3 ``proof_type_values``, B.1.3.1.3 ``alg_values``).
    """
    if fmt == spec.FORMAT_JWT_VC_JSON:
        if not isinstance(credential, str):
            raise MalformedInput("a jwt_vc_json credential is a compact JWT string")
        document = _decode_jwt(credential, now, skew, alg_values)
    elif fmt == spec.FORMAT_LDP_VC:
        if not isinstance(credential, dict):
            raise MalformedInput("an ldp_vc credential is a JSON object")
        check_ldp_size(credential, "credential")
        document = {k: v for k, v in credential.items() if k != "proof"}
    else:
        raise MalformedInput(f"{fmt!r} is not a W3C credential format")
    issuer = _issuer_id(document)
    digests = (issuer_contexts or {}).get(issuer, ())
    check_context(document, spec.TYPE_VERIFIABLE_CREDENTIAL, digests)
    if issuer not in trusted_issuers:
        raise UntrustedIssuer(f"{issuer[:80]} is not a trusted issuer")
    subject, claims = _subject(document)
    issued, expires = check_dates(document, now, skew, require_expiration=require_expiration)
    status = parse_status_entry(document)
    if fmt == spec.FORMAT_LDP_VC:
        check_proof_method(
            credential.get("proof") if isinstance(credential, dict) else None,
            issuer,
            spec.PURPOSE_ASSERTION,
            proof_types,
        )
    verify_credential_proof(credential, fmt)
    return VerifiedCredential(
        fmt, issuer, subject, document, claims, issued, expires, status, credential
    )
