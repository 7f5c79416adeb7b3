"""The checks didkit does not make, shared by credentials and presentations.

* dates (VC DM 1.1 §4.6 ``issuanceDate``, §4.7 ``expirationDate``): didkit's
  LDP verification ignores both (LIBRARIES.md), so they are checked here
  against an injected ``now`` with a ``skew``;
* JWS headers of VC-JWTs and VP-JWTs: the ``kid`` names a method of the
  expected did:key / did:jwk, the ``alg`` is that key's pinned algorithm, and
  ``none``, HMAC, ``crit``, ``jku``/``x5u``/``jwk``/``x5c`` are refused
  (:func:`ssi.jose.jws.check_header`) before didkit sees the token;
* the DID of a Data Integrity proof's ``verificationMethod``.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from ..did import Resolver
from ..encoding import json_dumps
from ..errors import AlgorithmNotAllowed, ClaimMismatch, MalformedInput, TimeInvalid
from ..jose import Key, jws
from . import spec
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


def check_context(document: dict[str, Any], required_type: str) -> None:
    """VC DM 1.1 §4.1, §4.3: ``@context`` starts with 1.1's, ``type`` has ``required_type``."""
    contexts = document.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != spec.VC_CONTEXT_V1:
        raise MalformedInput(f"'@context' must start with {spec.VC_CONTEXT_V1!r} (VC DM 1.1 §4.1)")
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
    if proof.get("proofPurpose") != purpose:
        raise ClaimMismatch(f"the proof's 'proofPurpose' must be {purpose!r}")
    method = proof.get("verificationMethod")
    if not isinstance(method, str) or require_supported_did(method, "signing") != did:
        raise ClaimMismatch(f"the proof's 'verificationMethod' is not a method of {did}")
    _resolve_key(method, did, purpose)
    return proof
