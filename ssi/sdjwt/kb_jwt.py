"""The Key Binding JWT (RFC 9901 §4.3): created by the Holder, checked by the Verifier.

Header ``typ: kb+jwt``; claims ``iat``, ``aud`` (one string), ``nonce`` (a
string) and ``sd_hash``, the digest over ``<JWT>~<D1>~...~<DN>~`` with the
SD-JWT's ``_sd_alg`` (§4.3.1). Further claims (OpenID4VP
``transaction_data_hashes``, our ``whitelist_address``) ride along and are
returned to the Verifier, who checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ClaimMismatch, MalformedInput
from ..jose import Key, check_audience, check_times, jws
from ..jose.jwt import DEFAULT_SKEW
from .disclosure import digest
from .spec import KB_JWT_TYP

__all__ = ["KeyBinding", "create_kb_jwt", "verify_kb_jwt"]

_REGISTERED = frozenset({"iat", "aud", "nonce", "sd_hash"})


@dataclass(frozen=True, slots=True)
class KeyBinding:
    """The Verifier's key-binding requirements (RFC 9901 §7.3 step 5)."""

    audience: str
    nonce: str
    max_age: float = 300.0
    """How old the KB-JWT's ``iat`` may be, in seconds (plus the skew)."""
    required: bool = True
    """Refuse a presentation without KB-JWT; decided by policy, never by the input (§7.3 step 1)."""


def create_kb_jwt(
    sd_jwt: str,
    holder_key: Key,
    *,
    audience: str,
    nonce: str,
    iat: int,
    sd_alg: str = "sha-256",
    extra_claims: dict[str, Any] | None = None,
) -> str:
    """Sign a KB-JWT over ``sd_jwt`` (which ends with ``~``) with the Holder's key."""
    if not sd_jwt.endswith("~"):
        raise MalformedInput("the SD-JWT to bind must end with '~'")
    claims: dict[str, Any] = {
        "nonce": nonce,
        "aud": audience,
        "iat": iat,
        "sd_hash": digest(sd_jwt, sd_alg),
    }
    for name, value in (extra_claims or {}).items():
        if name in _REGISTERED:
            raise MalformedInput(f"the KB-JWT claim {name!r} cannot be overridden")
        claims[name] = value
    return jws.sign(claims, holder_key, typ=KB_JWT_TYP)


def verify_kb_jwt(
    kb_jwt: str,
    sd_jwt: str,
    holder_key: Key,
    binding: KeyBinding,
    *,
    now: float,
    sd_alg: str,
    skew: float = DEFAULT_SKEW,
) -> dict[str, Any]:
    """RFC 9901 §7.3 step 5.2-5.8: verify the KB-JWT, return its claims."""
    token = jws.verify(kb_jwt, holder_key, KB_JWT_TYP)
    claims = token.claims()
    check_times(claims, now, skew=skew, require_iat=True, max_age=binding.max_age)
    if claims.get("nonce") != binding.nonce or not isinstance(claims.get("nonce"), str):
        raise ClaimMismatch("the KB-JWT 'nonce' is not the expected one")
    if not isinstance(claims.get("aud"), str):
        raise ClaimMismatch("the KB-JWT 'aud' must be a single string")
    check_audience(claims, binding.audience)
    sd_hash = claims.get("sd_hash")
    if not isinstance(sd_hash, str) or sd_hash != digest(sd_jwt, sd_alg):
        raise ClaimMismatch("the KB-JWT 'sd_hash' does not match the presented SD-JWT")
    return claims
