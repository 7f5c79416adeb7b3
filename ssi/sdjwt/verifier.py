"""Verifying SD-JWTs and SD-JWT+KBs (RFC 9901 §7.1 and §7.3), in the RFC's order.

1. Key binding required by policy but no KB-JWT: refuse (§7.3 steps 1-3).
2. Split; parse the Issuer-signed JWT; resolve the Issuer's key through the
   caller's resolver ``(header, payload) -> Key``; verify alg, ``typ`` and
   signature with :mod:`ssi.jose.jws` (§7.1 step 2.1-2.3).
3. ``_sd_alg`` known (step 2.5); parse each disclosure once, hash it,
   process (steps 3-5, :mod:`ssi.sdjwt.processing`).
4. ``exp`` / ``nbf`` / ``iat`` of the processed payload against ``now`` (step 6).
5. The KB-JWT with the key in ``cnf.jwk`` (§7.3 step 5, :mod:`ssi.sdjwt.kb_jwt`).

The clock is injected; nothing is fetched here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..errors import HeaderKeyRefused
from ..jose import Key, check_times, jws
from ..jose.jwt import DEFAULT_SKEW
from .disclosure import Disclosure, hash_function
from .errors import KeyBindingMissing, KeyBindingUnexpected
from .kb_jwt import KeyBinding, verify_kb_jwt
from .processing import ClaimPath, index_disclosures, process
from .serialization import SDJWTParts, split
from .spec import DEFAULT_SD_ALG, SD_ALG_KEY

__all__ = ["IssuerKeyResolver", "OpenedSDJWT", "VerifiedSDJWT", "open_sd_jwt", "verify"]

IssuerKeyResolver = Callable[[dict[str, Any], dict[str, Any]], Key]
"""``(header, payload) -> Key``: the Issuer's key, from the caller's trust sources."""


@dataclass(frozen=True, slots=True)
class OpenedSDJWT:
    """An SD-JWT whose signature and disclosures passed RFC 9901 §7.1 steps 1-5."""

    parts: SDJWTParts
    header: dict[str, Any]
    issuer_payload: dict[str, Any]
    claims: dict[str, Any]
    disclosures: tuple[Disclosure, ...]
    paths: dict[str, ClaimPath]
    sd_alg: str


@dataclass(frozen=True, slots=True)
class VerifiedSDJWT:
    """What the Verifier learns: the processed payload and the KB-JWT claims."""

    header: dict[str, Any]
    claims: dict[str, Any]
    """The Processed SD-JWT Payload (no ``_sd``, ``_sd_alg`` or ``...``)."""
    kb_claims: dict[str, Any] | None
    """The verified KB-JWT claims, or ``None`` when key binding was not required and absent."""
    disclosures: tuple[Disclosure, ...]
    issuer_payload: dict[str, Any]
    """The Issuer-signed payload as signed (digests included)."""


def open_sd_jwt(
    parts: SDJWTParts,
    issuer_key: IssuerKeyResolver,
    *,
    typ: str,
    allow_header_keys: frozenset[str] = frozenset(),
    track_paths: bool = False,
) -> OpenedSDJWT:
    """RFC 9901 §7.1 steps 2-5 (the time checks of step 6 are the caller's)."""
    token = jws.parse(parts.issuer_jwt)
    issuer_payload = token.claims()
    key = issuer_key(token.header, issuer_payload)
    jws.verify(token, key, typ, allow_header_keys=allow_header_keys)
    return process_parts(parts, token.header, issuer_payload, track_paths=track_paths)


def process_parts(
    parts: SDJWTParts,
    header: dict[str, Any],
    issuer_payload: dict[str, Any],
    *,
    track_paths: bool = False,
) -> OpenedSDJWT:
    """RFC 9901 §7.1 steps 2.5-5, for an Issuer-signed JWT whose signature was checked."""
    sd_alg = issuer_payload.get(SD_ALG_KEY, DEFAULT_SD_ALG)
    hash_function(sd_alg)
    disclosures = tuple(Disclosure.parse(raw, sd_alg) for raw in parts.disclosures)
    claims, paths = process(issuer_payload, index_disclosures(disclosures), track_paths=track_paths)
    return OpenedSDJWT(parts, header, issuer_payload, claims, disclosures, paths, sd_alg)


@lru_cache(maxsize=1024)
def _ec_or_okp_key(kty: str, crv: str, x: str, y: str | None) -> Key:
    jwk = {"kty": kty, "crv": crv, "x": x}
    if y is not None:
        jwk["y"] = y
    return Key.from_jwk(jwk)


def holder_key(claims: dict[str, Any]) -> Key:
    """The key in ``cnf.jwk`` (RFC 9901 §4.1.2, RFC 7800 §3.2); other methods are refused."""
    cnf = claims.get("cnf")
    if cnf is None:
        raise KeyBindingUnexpected("a KB-JWT was presented but the SD-JWT has no 'cnf'")
    jwk = cnf.get("jwk") if isinstance(cnf, dict) else None
    if not isinstance(jwk, dict):
        raise HeaderKeyRefused("only 'cnf' with a 'jwk' member is supported for key binding")
    kty, crv, x, y = jwk.get("kty"), jwk.get("crv"), jwk.get("x"), jwk.get("y")
    plain = jwk.keys() <= {"kty", "crv", "x", "y"} and (y is None or isinstance(y, str))
    if plain and isinstance(kty, str) and isinstance(crv, str) and isinstance(x, str):
        return _ec_or_okp_key(kty, crv, x, y)  # parsed once per distinct public key
    return Key.from_jwk(jwk)


def verify(
    presentation: str | SDJWTParts,
    issuer_key: IssuerKeyResolver,
    *,
    typ: str,
    now: float,
    key_binding: KeyBinding | None,
    skew: float = DEFAULT_SKEW,
    require_exp: bool = False,
    allow_header_keys: frozenset[str] = frozenset(),
) -> VerifiedSDJWT:
    """Verify a presentation (RFC 9901 §7.3); raise an ``SSIError`` on any failure.

    ``key_binding=None`` means the policy expects no KB-JWT; a presented one is
    then refused rather than ignored.
    """
    parts = split(presentation) if isinstance(presentation, str) else presentation
    if parts.kb_jwt is None and key_binding is not None and key_binding.required:
        raise KeyBindingMissing("key binding is required and the presentation has no KB-JWT")
    if parts.kb_jwt is not None and key_binding is None:
        raise KeyBindingUnexpected("a KB-JWT was presented where none is expected")
    opened = open_sd_jwt(parts, issuer_key, typ=typ, allow_header_keys=allow_header_keys)
    check_times(opened.claims, now, skew=skew, require_exp=require_exp)
    kb_claims = None
    if parts.kb_jwt is not None:
        assert key_binding is not None
        kb_claims = verify_kb_jwt(
            parts.kb_jwt,
            parts.sd_jwt,
            holder_key(opened.claims),
            key_binding,
            now=now,
            sd_alg=opened.sd_alg,
            skew=skew,
        )
    return VerifiedSDJWT(
        opened.header, opened.claims, kb_claims, opened.disclosures, opened.issuer_payload
    )
