"""The checks didkit does not make, shared by credentials and presentations.

* dates (VC DM 1.1 §4.6 ``issuanceDate``, §4.7 ``expirationDate``): didkit's
  LDP verification ignores both (LIBRARIES.md), so they are checked here
  against an injected ``now`` with a ``skew``;
* JWS headers of VC-JWTs and VP-JWTs: the ``kid`` names a method of the
  expected did:key / did:jwk, the ``alg`` is that key's pinned algorithm, and
  ``none``, HMAC, ``crit``, ``jku``/``x5u``/``jwk``/``x5c`` are refused
  (:func:`ssi.jose.jws.check_header`) before didkit sees the token;
* the DID of a Data Integrity proof's ``verificationMethod``, and the proof's
  own ``@context`` and members, pinned per suite (:data:`.spec.PROOF_CONTEXTS`);
* the whole ``@context``, pinned (:func:`.context.pinned_context`), and every
  member expanding under it (:mod:`.jsonld_safe`): the proof signs the graph,
  we read the JSON, so both must mean the same.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from functools import lru_cache
from typing import Any

from ..did import Resolver
from ..encoding import json_dumps
from ..errors import AlgorithmNotAllowed, ClaimMismatch, MalformedInput, TimeInvalid
from ..jose import Key, jws
from . import spec
from .context import pinned_context
from .jsonld_safe import check_members
from .signer import require_supported_did

__all__ = [
    "MAX_LDP_BYTES",
    "check_context",
    "check_ldp_size",
    "check_dates",
    "check_jws_header",
    "check_proof_method",
    "parse_datetime",
]

MAX_LDP_BYTES = 64_000
"""An LDP credential or presentation larger than this never reaches didkit's URDNA2015."""

_RESOLVER = Resolver()  # no fetcher: did:key and did:jwk only, computed offline


@lru_cache(maxsize=1024)
def _resolve_key(method: str, did: str, relationship: str) -> Key:
    """did:key / did:jwk resolution is a pure computation: cache it (half our check time)."""
    return _RESOLVER.resolve_key(method, did, relationship)


_NOT_WALKED = {
    spec.TYPE_VERIFIABLE_CREDENTIAL: frozenset({"proof"}),
    spec.TYPE_VERIFIABLE_PRESENTATION: frozenset({"proof", "verifiableCredential"}),
}
"""Checked elsewhere: the proof by :func:`check_proof_method`, each credential on its own."""


def check_context(
    document: dict[str, Any], required_type: str, digests: Collection[str] = ()
) -> None:
    """VC DM 1.1 §4.1, §4.3: the pinned ``@context``, every member expands, ``type`` has
    ``required_type`` (a ``VerifiableCredential`` or ``VerifiablePresentation``)."""
    active = pinned_context(document, required_type, digests)
    check_members(document, active, skip=_NOT_WALKED[required_type])
    types = document.get("type")
    if not (types == required_type or (isinstance(types, list) and required_type in types)):
        raise MalformedInput(f"'type' must include {required_type!r} (VC DM 1.1 §4.3)")


def check_ldp_size(document: dict[str, Any], what: str) -> None:
    """Bound the JSON-LD canonicalization didkit will run (its cost grows with the graph)."""
    if len(json_dumps(document)) > MAX_LDP_BYTES:
        raise MalformedInput(f"the {what} is larger than {MAX_LDP_BYTES} bytes")


def parse_datetime(value: Any, name: str) -> float:
    """An XML Schema ``dateTime`` with a time zone (VC DM 1.1 §4.6) as a POSIX time."""
    if not isinstance(value, str) or "T" not in value:
        raise MalformedInput(f"{name!r} must be a dateTime string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise MalformedInput(f"{name!r} is not a valid dateTime: {value[:40]!r}") from None
    if parsed.tzinfo is None:
        raise MalformedInput(f"{name!r} must carry a time zone ('Z' or an offset)")
    return parsed.timestamp()


def check_dates(
    credential: dict[str, Any], now: float, skew: float, *, require_expiration: bool
) -> tuple[float, float | None]:
    """``issuanceDate`` not after ``now + skew``; ``expirationDate`` not before ``now - skew``."""
    if "issuanceDate" not in credential:
        raise MalformedInput("the credential has no 'issuanceDate' (VC DM 1.1 §4.6)")
    issued = parse_datetime(credential["issuanceDate"], "issuanceDate")
    if issued > now + skew:
        raise TimeInvalid("the credential's 'issuanceDate' is in the future")
    expires: float | None = None
    if "expirationDate" in credential:
        expires = parse_datetime(credential["expirationDate"], "expirationDate")
        if now - skew >= expires:
            raise TimeInvalid("the credential has expired ('expirationDate')")
    elif require_expiration:
        raise TimeInvalid("the credential has no 'expirationDate'")
    return issued, expires


def check_jws_header(
    token: jws.CompactJWS, did: str, relationship: str, alg_values: frozenset[str]
) -> None:
    """The VC-JWT / VP-JWT header: ``kid`` of ``did`` for ``relationship``, pinned ``alg``."""
    kid = token.header.get("kid")
    if not isinstance(kid, str):
        raise MalformedInput("the JWT header has no 'kid'")
    require_supported_did(kid, "signing")
    key = _resolve_key(kid, did, relationship)
    jws.check_header(token.header, key.alg, None)
    if key.alg not in alg_values:
        raise AlgorithmNotAllowed(f"alg {key.alg!r} is not one of {sorted(alg_values)}")


def check_proof_method(
    proof: Any, did: str, purpose: str, proof_types: frozenset[str]
) -> dict[str, Any]:
    """One Data Integrity proof by a method of ``did`` for ``purpose``; returned as a dict."""
    if not isinstance(proof, dict):
        raise MalformedInput("'proof' must be one proof object")
    if proof.get("type") not in proof_types:
        raise MalformedInput(
            f"proof type {proof.get('type')!r} is not one of {sorted(proof_types)}"
        )
    check_proof_context(proof)
    if proof.get("proofPurpose") != purpose:
        raise ClaimMismatch(f"the proof's 'proofPurpose' must be {purpose!r}")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or require_supported_did(method, "signing") != did:
        raise ClaimMismatch(f"the proof's 'verificationMethod' is not a method of {did}")
    _resolve_key(method, did, purpose)
    return proof


def check_proof_context(proof: dict[str, Any]) -> None:
    """The proof's ``@context`` is its suite's (:data:`.spec.PROOF_CONTEXTS`), exactly,
    and it has only members that context defines, each a string (JSON-LD safe mode)."""
    expected = spec.PROOF_CONTEXTS.get(proof.get("type"))  # type: ignore[arg-type]
    if proof.get("@context") != expected or ("@context" in proof) != (expected is not None):
        raise MalformedInput(
            f"the proof's '@context' must be {expected!r} for a {proof.get('type')!r} proof"
        )
    extra = set(proof) - spec.PROOF_MEMBERS
    if extra:
        raise MalformedInput(
            f"the proof has members its suite does not define: {sorted(extra)[:5]}"
            " (JSON-LD safe mode: DATA_LOSS_DETECTION_ERROR)"
        )
    if not all(isinstance(v, str) for k, v in proof.items() if k != "@context"):
        raise MalformedInput("every proof member must be a string")
