"""The Status List Token (``statuslist+jwt``) and the Referenced Token's ``status`` claim.

Token Status List (draft-ietf-oauth-status-list @ 2fb61cd):

* §5.1: header ``typ`` = ``statuslist+jwt``; claims ``sub`` (the list's URI,
  REQUIRED), ``iat`` (REQUIRED), ``exp`` and ``ttl`` (RECOMMENDED; ``ttl`` a
  positive number), ``status_list`` (REQUIRED);
* §6.2: the Referenced Token's ``status.status_list`` = ``{"idx": non-negative
  integer, "uri": string URI}``;
* §8.3 step 3-4: verify the JWT per RFC 7519 §7.2, then ``sub`` MUST equal the
  referenced ``uri``, ``exp`` MUST be checked if present.

``iss`` is not required (§5.1): the Relying Party decides whose keys may sign
(§11.3). The caller names the Referenced Token's verified issuer
(:class:`~ssi.status_list.ReferencedIssuer`); an ``iss``, when present, must
be that issuer's, and the key comes from an injected resolver given that issuer
(:func:`ssi.status_list.status_list_key` is ours). The clock ``now`` is passed
in; the token's own header keys (``jwk``, ``x5c``, ``jku``) are refused by
:func:`ssi.jose.jws.verify` unless the resolver validates them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from ..encoding import json_loads_object
from ..errors import ClaimMismatch, MalformedInput, TimeInvalid, UntrustedIssuer, WrongType
from ..jose import DEFAULT_SKEW, Key, check_times, jws
from .limits import MAX_DECOMPRESSED_BYTES, payload_bytes, token_bytes
from .signers import ReferencedIssuer
from .status_list import StatusList

__all__ = [
    "STATUS_LIST_TYP",
    "STATUS_LIST_MEDIA_TYPE",
    "KeyResolver",
    "StatusReference",
    "StatusListToken",
    "parse_status_reference",
    "build_status_list_token",
    "verify_status_list_token",
]

STATUS_LIST_TYP = "statuslist+jwt"
"""§5.1: the ``typ`` header of a Status List Token in JWT format."""
STATUS_LIST_MEDIA_TYPE = "application/statuslist+jwt"
"""§8.1 / §8.2: the media type asked for and answered with."""

KeyResolver = Callable[[dict[str, Any], dict[str, Any], ReferencedIssuer], Key]
"""``(header, claims, issuer) -> Key``: the key an (unverified) token must verify
under, given the Referenced Token's verified issuer."""


@dataclass(frozen=True, slots=True)
class StatusReference:
    """§6.2: ``status.status_list`` of a Referenced Token."""

    idx: int
    uri: str

    def to_dict(self) -> dict[str, Any]:
        return {"status_list": {"idx": self.idx, "uri": self.uri}}


def parse_status_reference(claims: dict[str, Any]) -> StatusReference:
    """§6.2 / §8.3 step 1: read ``status.status_list`` {``idx``, ``uri``} strictly."""
    status = claims.get("status")
    if not isinstance(status, dict):
        raise MalformedInput("the token has no 'status' object")
    reference = status.get("status_list")
    if not isinstance(reference, dict):
        raise MalformedInput("'status' has no 'status_list' object")
    idx, uri = reference.get("idx"), reference.get("uri")
    if isinstance(idx, bool) or not isinstance(idx, int) or idx < 0:
        raise MalformedInput("'status_list.idx' must be a non-negative integer")
    if not isinstance(uri, str) or not uri:
        raise MalformedInput("'status_list.uri' must be a string")
    parts = urlsplit(uri)
    if not parts.scheme or not (parts.netloc or parts.path):
        raise MalformedInput("'status_list.uri' must be an absolute URI (RFC 3986)")
    return StatusReference(idx, uri)


@dataclass(frozen=True, slots=True)
class StatusListToken:
    """A verified Status List Token."""

    sub: str
    iat: float
    exp: float | None
    ttl: float | None
    status_list: StatusList
    claims: dict[str, Any]


def build_status_list_token(
    status_list: StatusList,
    uri: str,
    key: Key,
    *,
    now: int,
    exp: int | None,
    ttl: int | None,
    issuer: str | None = None,
    header: dict[str, Any] | None = None,
) -> str:
    """Sign a Status List Token (§5.1) for the list published at ``uri``."""
    if ttl is not None and (isinstance(ttl, bool) or ttl <= 0):
        raise MalformedInput("'ttl' must be a positive number")
    claims: dict[str, Any] = {"sub": uri, "iat": now, "status_list": status_list.to_json()}
    if issuer is not None:
        claims["iss"] = issuer
    if exp is not None:
        claims["exp"] = exp
    if ttl is not None:
        claims["ttl"] = ttl
    return jws.sign(claims, key, typ=STATUS_LIST_TYP, header=header)


def verify_status_list_token(
    token: str,
    key_resolver: KeyResolver,
    *,
    uri: str,
    issuer: ReferencedIssuer,
    now: float,
    skew: float = DEFAULT_SKEW,
    max_bytes: int = MAX_DECOMPRESSED_BYTES,
    allow_header_keys: frozenset[str] = frozenset(),
) -> StatusListToken:
    """§8.3 steps 3-5: verify ``token`` as the Status List Token published at ``uri``.

    Raises :class:`~ssi.errors.WrongType` (``typ``), :class:`~ssi.errors.UntrustedIssuer`
    (``iss`` not ``issuer.iss``, or a signer the resolver does not admit),
    ``AlgorithmNotAllowed``, ``InvalidSignature``, :class:`~ssi.errors.ClaimMismatch`
    (``sub`` ≠ ``uri``), :class:`~ssi.errors.TimeInvalid` (``iat`` missing,
    expired), ``MalformedInput``.

    ``allow_header_keys``: header parameters the resolver validates itself
    (``{"x5c"}`` when it checks chains against configured roots, as
    ``IssuerTrust.header_keys``); any other header key is refused.

    ``max_bytes`` caps the decompressed list; the token and its claims are capped
    at what such a list needs (:func:`~ssi.status_list.limits.token_bytes`).
    """
    parsed = jws.parse(token, max_bytes=token_bytes(max_bytes))
    # typ first, so a token of another kind is named as such before any key lookup
    if not jws.typ_matches(parsed.header.get("typ"), STATUS_LIST_TYP):
        raise WrongType(f"typ must be {STATUS_LIST_TYP!r}, got {parsed.header.get('typ')!r}")
    unverified = json_loads_object(
        parsed.payload, "Status List Token payload", max_bytes=payload_bytes(max_bytes)
    )
    iss = unverified.get("iss", issuer.iss)
    if iss != issuer.iss:  # optional (§5.1), but never another issuer's
        raise UntrustedIssuer(
            f"the Status List Token's iss {iss!r} is not the Referenced Token's {issuer.iss!r}"
        )
    key = key_resolver(parsed.header, unverified, issuer)
    jws.verify(parsed, key, STATUS_LIST_TYP, allow_header_keys=allow_header_keys)
    claims = unverified
    sub = claims.get("sub")
    if not isinstance(sub, str):
        raise ClaimMismatch("the Status List Token has no 'sub' (§5.1)")
    if sub != uri:
        raise ClaimMismatch(
            f"the Status List Token's 'sub' {sub!r} is not the referenced uri {uri!r} (§8.3)"
        )
    if "iat" not in claims:
        raise TimeInvalid("the Status List Token has no 'iat' (§5.1)")
    check_times(claims, now, skew=skew, require_iat=True)
    ttl = claims.get("ttl")
    if ttl is not None and (
        isinstance(ttl, bool) or not isinstance(ttl, int | float) or not math.isfinite(ttl)
    ):
        raise MalformedInput("'ttl' must be a JSON number (§5.1)")
    if ttl is not None and ttl <= 0:
        raise MalformedInput("'ttl' must be positive (§5.1)")
    if "status_list" not in claims:
        raise MalformedInput("the Status List Token has no 'status_list' (§5.1)")
    status_list = StatusList.from_json(claims["status_list"], max_bytes)
    exp = claims.get("exp")
    return StatusListToken(
        sub=sub,
        iat=float(claims["iat"]),
        exp=None if exp is None else float(exp),
        ttl=None if ttl is None else float(ttl),
        status_list=status_list,
        claims=claims,
    )
