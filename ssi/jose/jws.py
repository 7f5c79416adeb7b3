"""Compact JWS (RFC 7515 §7.1) signed and verified under RFC 8725's rules.

:func:`parse` splits and decodes a compact JWS without trusting anything in it;
:func:`verify` then checks it against a key the caller resolved on its own:

* the ``alg`` header must equal the key's pinned algorithm; ``none`` and HMAC
  are refused outright (RFC 8725 §3.1, §3.2);
* ``typ`` must be the one expected (RFC 8725 §3.11), compared as a media type
  (case-insensitive, optional ``application/`` prefix, RFC 7515 §4.1.9);
* ``crit`` is refused: we understand no extension (RFC 7515 §4.1.11);
* keys named by the token are refused: ``jku`` and ``x5u`` always, ``jwk`` and
  ``x5c`` unless the caller says this token type carries them (RFC 8725 §3.10);
* ``zip`` and ``b64`` are refused; five parts (a JWE) are refused as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..encoding import b64url_decode, b64url_encode, json_dumps, json_loads_object
from ..errors import (
    AlgorithmNotAllowed,
    HeaderKeyRefused,
    MalformedInput,
    NotAJWS,
    UnsupportedCritical,
    WrongType,
)
from .keys import ALGORITHMS, Key

__all__ = ["MAX_JWS_BYTES", "CompactJWS", "parse", "sign", "verify", "typ_matches"]

MAX_JWS_BYTES = 256_000
"""Tokens longer than this are refused before any parsing."""

_ALWAYS_REFUSED_KEY_HEADERS = ("jku", "x5u")
_OPTIONAL_KEY_HEADERS = ("jwk", "x5c")


@dataclass(frozen=True, slots=True)
class CompactJWS:
    """A decoded, not yet verified, compact JWS."""

    header: dict[str, Any]
    payload: bytes
    signing_input: bytes
    signature: bytes
    raw: str

    def claims(self) -> dict[str, Any]:
        """The payload as a strict JSON object (a JWT Claims Set)."""
        return json_loads_object(self.payload, "JWT payload")


def parse(token: str, max_bytes: int = MAX_JWS_BYTES) -> CompactJWS:
    """Split and decode a compact JWS; refuse size, shape and encoding errors."""
    if not isinstance(token, str):
        raise MalformedInput("a JWS must be a string")
    if len(token) > max_bytes:
        raise MalformedInput(f"JWS is longer than {max_bytes} characters")
    parts = token.split(".")
    if len(parts) == 5:
        raise NotAJWS("a JWE was given where a JWS is expected")
    if len(parts) != 3:
        raise NotAJWS("a compact JWS has exactly three parts")
    header_b64, payload_b64, signature_b64 = parts
    if len(header_b64) <= _CACHED_HEADER_CHARS:
        header = _flat_header(header_b64)
        header = _decode_header(header_b64) if header is None else header.copy()
    else:
        header = _decode_header(header_b64)
    payload = b64url_decode(payload_b64, "JWS payload")
    signature = b64url_decode(signature_b64, "JWS signature")
    signing_input = token[: len(header_b64) + 1 + len(payload_b64)].encode("ascii")
    return CompactJWS(header, payload, signing_input, signature, token)


_CACHED_HEADER_CHARS = 1024


def _decode_header(header_b64: str) -> dict[str, Any]:
    header = json_loads_object(b64url_decode(header_b64, "JWS header"), "JWS header")
    if "enc" in header:
        raise NotAJWS("a JWE header was given where a JWS is expected")
    return header


@lru_cache(maxsize=256)
def _flat_header(header_b64: str) -> dict[str, Any] | None:
    """The decoded header when all its values are strings, numbers, booleans or
    null, else ``None``. Cached: an issuer signs every credential with the same
    header, every wallet its KB-JWTs with ``{"alg":"ES256","typ":"kb+jwt"}``. The
    caller gets a copy (so nothing can change the cached one), a refusal is never
    cached, and headers with nested values (``x5c``, ``jwk``) are decoded each time."""
    header = _decode_header(header_b64)
    if any(isinstance(value, dict | list) for value in header.values()):
        return None
    return header


def typ_matches(actual: object, expected: str) -> bool:
    """RFC 7515 §4.1.9: media types compare case-insensitively, ``application/`` optional."""
    if not isinstance(actual, str):
        return False
    actual = actual.lower()
    expected = expected.lower()
    return actual == expected or actual == "application/" + expected


def check_header(
    header: dict[str, Any],
    key_alg: str,
    typ: str | None,
    allow_header_keys: frozenset[str] = frozenset(),
) -> None:
    """The header rules of this module's docstring, for a key whose alg is ``key_alg``."""
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise AlgorithmNotAllowed("the JWS header has no 'alg'")
    if alg.lower() == "none":
        raise AlgorithmNotAllowed("alg 'none' is refused")
    if alg.upper().startswith("HS"):
        raise AlgorithmNotAllowed(f"HMAC alg {alg!r} is refused")
    if alg not in ALGORITHMS or alg != key_alg:
        raise AlgorithmNotAllowed(f"alg {alg!r} is not the key's algorithm {key_alg!r}")
    if "crit" in header:
        raise UnsupportedCritical("the JWS has critical header parameters ('crit')")
    for name in _ALWAYS_REFUSED_KEY_HEADERS:
        if name in header:
            raise HeaderKeyRefused(f"header parameter {name!r} is refused")
    for name in _OPTIONAL_KEY_HEADERS:
        if name in header and name not in allow_header_keys:
            raise HeaderKeyRefused(f"header parameter {name!r} is not accepted for this token")
    if "zip" in header or "b64" in header:
        raise MalformedInput("'zip' and 'b64' are not accepted in a JWS header")
    if typ is not None and not typ_matches(header.get("typ"), typ):
        raise WrongType(f"typ must be {typ!r}, got {header.get('typ')!r}")


def verify(
    token: str | CompactJWS,
    key: Key,
    typ: str | None,
    *,
    allow_header_keys: frozenset[str] = frozenset(),
) -> CompactJWS:
    """Verify a compact JWS with ``key``; return it decoded. Raises on any failure.

    ``typ=None`` skips the ``typ`` check; only callers whose spec defines no
    ``typ`` may pass it.
    """
    jws = parse(token) if isinstance(token, str) else token
    check_header(jws.header, key.alg, typ, allow_header_keys)
    key.verify(jws.signing_input, jws.signature)
    return jws


def sign(
    payload: dict[str, Any] | bytes,
    key: Key,
    *,
    typ: str | None,
    header: dict[str, Any] | None = None,
) -> str:
    """Sign ``payload`` (a claims object or raw bytes) as a compact JWS."""
    protected: dict[str, Any] = {"alg": key.alg}
    if typ is not None:
        protected["typ"] = typ
    for name, value in (header or {}).items():
        if name == "alg" and value != key.alg:
            raise AlgorithmNotAllowed(f"alg {value!r} is not the key's algorithm {key.alg!r}")
        protected[name] = value
    body = payload if isinstance(payload, bytes) else json_dumps(payload).encode("utf-8")
    signing_input = b64url_encode(json_dumps(protected).encode("utf-8")) + "." + b64url_encode(body)
    signature = key.sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url_encode(signature)
