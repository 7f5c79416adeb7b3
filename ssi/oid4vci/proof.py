"""The ``jwt`` key proof (OpenID4VCI 1.0 Appendix F.1, checked per Appendix F.4).

Wallet side, :func:`build_proof`: header ``typ: openid4vci-proof+jwt``, the
holder key's pinned ``alg``, and ``jwk`` (the public key) or ``kid`` (a DID
URL); claims ``aud`` (the Credential Issuer Identifier), ``iat``, ``nonce``
(the ``c_nonce``) and ``iss`` (the ``client_id``, omitted for anonymous
pre-authorized access).

Issuer side, :func:`verify_proof` (every check of F.4, SHOULDs as MUSTs):

* ``typ`` is ``openid4vci-proof+jwt``; ``alg`` is the header key's pinned
  algorithm (never ``none`` or an HMAC) and, when given, one of
  ``proof_signing_alg_values_supported``;
* exactly one of ``jwk``, ``kid``, ``x5c`` names the key; ``jwk`` must hold no
  private member; ``kid`` must be a DID URL resolved by the injected resolver;
  ``x5c`` is refused (no configured root for holder certificates). The header
  ``jwk`` is the one header key the project accepts (SECURITY.md exception);
* the signature verifies with that key;
* ``aud`` is exactly the Credential Issuer Identifier (a string), ``iat`` is
  present, not in the future beyond the skew and not older than ``max_age``;
  ``iss`` equals the ``client_id``, or is absent for anonymous access;
* ``nonce`` is present and accepted whenever the issuer has a Nonce Endpoint;
  the nonce is checked only after the signature, so a forged proof cannot burn
  a valid ``c_nonce``.

Failures raise :class:`~ssi.errors.InvalidProof` (``invalid_proof``) with the
underlying error chained, or :class:`~ssi.errors.InvalidNonce`
(``invalid_nonce``) for a wrong, unknown or reused ``c_nonce``.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Collection
from typing import Any

from ..errors import InvalidNonce, InvalidProof, SSIError
from ..jose import DEFAULT_SKEW, Key, check_times, jws
from . import spec

__all__ = ["DEFAULT_MAX_AGE", "NonceCheck", "DidKeyResolver", "build_proof", "verify_proof"]

DEFAULT_MAX_AGE = 300.0
"""How old (seconds, after the skew) a proof's ``iat`` may be."""

NonceCheck = Callable[[str], object]
"""Consumes a ``c_nonce`` atomically; raises ``InvalidNonce`` (or returns ``False``) if unknown."""
DidKeyResolver = Callable[[str], Key]
"""Resolves a ``kid`` DID URL to the holder's public key."""

_KEY_HEADERS = ("jwk", "kid", "x5c")


def build_proof(
    holder_key: Key,
    audience: str,
    c_nonce: str | None,
    *,
    now: int,
    client_id: str | None = None,
    kid: str | None = None,
) -> str:
    """Sign a key proof for ``audience`` (the Credential Issuer Identifier).

    The header carries the public ``jwk`` unless ``kid`` (a DID URL) is given.
    """
    claims: dict[str, Any] = {"aud": audience, "iat": now}
    if c_nonce is not None:
        claims["nonce"] = c_nonce
    if client_id is not None:
        claims["iss"] = client_id
    header: dict[str, Any] = {"kid": kid} if kid is not None else {"jwk": holder_key.public_jwk()}
    return jws.sign(claims, holder_key, typ=spec.PROOF_JWT_TYP, header=header)


def verify_proof(
    token: str,
    *,
    audience: str,
    now: float,
    nonce: str | NonceCheck | None,
    max_age: float = DEFAULT_MAX_AGE,
    skew: float = DEFAULT_SKEW,
    client_id: str | None = None,
    key_resolver: DidKeyResolver | None = None,
    allowed_algs: Collection[str | int] | None = None,
) -> Key:
    """Verify one ``jwt`` key proof and return the holder's public key to bind.

    ``nonce``: the expected ``c_nonce``, or a callable that consumes it, or
    ``None`` when the issuer has no Nonce Endpoint. ``client_id``: the client
    that obtained the access token, ``None`` for anonymous access.
    """
    try:
        parsed = jws.parse(token)
        header = parsed.header
        if not jws.typ_matches(header.get("typ"), spec.PROOF_JWT_TYP):
            raise InvalidProof(f"typ must be {spec.PROOF_JWT_TYP!r}, got {header.get('typ')!r}")
        key = _header_key(header, key_resolver)
        if allowed_algs is not None and header.get("alg") not in allowed_algs:
            raise InvalidProof(f"alg {header.get('alg')!r} is not in the issuer's supported algs")
        jws.verify(parsed, key, spec.PROOF_JWT_TYP, allow_header_keys=frozenset({"jwk"}))
        claims = parsed.claims()
        aud = claims.get("aud")
        if aud != audience or not isinstance(aud, str):
            raise InvalidProof(f"'aud' must be the Credential Issuer Identifier {audience!r}")
        check_times(claims, now, skew=skew, require_iat=True, max_age=max_age)
        _check_iss(claims, client_id)
    except (InvalidProof, InvalidNonce):
        raise
    except SSIError as exc:
        raise InvalidProof(f"proof JWT: {exc.description}") from exc
    _check_nonce(claims, nonce)
    return key.public()


def _header_key(header: dict[str, Any], key_resolver: DidKeyResolver | None) -> Key:
    """Appendix F.1: the key named by exactly one of ``jwk``, ``kid``, ``x5c``."""
    present = [name for name in _KEY_HEADERS if name in header]
    if len(present) != 1:
        raise InvalidProof(
            "the proof header must name its key by exactly one of 'jwk', 'kid', 'x5c'"
            f" (found {present or 'none'})"
        )
    if "jwk" in header:
        jwk = header["jwk"]
        if not isinstance(jwk, dict):
            raise InvalidProof("the header 'jwk' must be a JSON object")
        if "d" in jwk:
            raise InvalidProof("the header 'jwk' contains a private key ('d'): refused")
        return Key.from_jwk(jwk)
    if "x5c" in header:
        raise InvalidProof("'x5c' proofs are not accepted: no root is configured for holder keys")
    kid = header["kid"]
    if not isinstance(kid, str) or not kid.startswith("did:"):
        raise InvalidProof("the header 'kid' must be a DID URL")
    if key_resolver is None:
        raise InvalidProof("'kid' proofs are not accepted: no DID resolver is configured")
    return key_resolver(kid)


def _check_iss(claims: dict[str, Any], client_id: str | None) -> None:
    """Appendix F.1: ``iss`` is the ``client_id``; omitted for anonymous access."""
    if "iss" not in claims:
        return
    if client_id is None:
        raise InvalidProof("'iss' must be omitted after anonymous pre-authorized access")
    if claims["iss"] != client_id:
        raise InvalidProof(f"'iss' must be the client_id {client_id!r}")


def _check_nonce(claims: dict[str, Any], nonce: str | NonceCheck | None) -> None:
    """§8.2: ``nonce`` MUST be present when the issuer has a Nonce Endpoint."""
    if nonce is None:
        return
    value = claims.get("nonce")
    if value is None:
        raise InvalidProof("the proof has no 'nonce' (a c_nonce is required)")
    if not isinstance(value, str):
        raise InvalidProof("'nonce' must be a string")
    if isinstance(nonce, str):
        if not hmac.compare_digest(value.encode(), nonce.encode()):
            raise InvalidNonce("the proof's 'nonce' is not the c_nonce issued")
        return
    if nonce(value) is False:
        raise InvalidNonce("the proof's 'nonce' is unknown, expired or already used")
