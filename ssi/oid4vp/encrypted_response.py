"""Encrypted responses, response mode ``direct_post.jwt`` (OpenID4VP 1.0 §8.3, §8.3.1).

The payload (the response parameters as top-level JSON members, plus our
``address_proof``) is an unsigned, encrypted JWT: compact JWE with ``alg``
``ECDH-ES`` to the verifier's P-256 key from ``client_metadata.jwks`` and an
``enc`` the verifier offered in ``encrypted_response_enc_values_supported``
(HAIP 1.0 §5: ``A128GCM`` and ``A256GCM``; the wallet prefers ``A256GCM``).
The ``kid`` of the chosen key goes in the JWE header (§8.3).

Before jwcrypto sees a token, the verifier's side refuses: more than
:data:`MAX_JWE_BYTES`; anything but five parts; a header that is not strict
JSON; any ``alg`` but ``ECDH-ES`` (so no PBES2, RSA, ``dir``, key wrapping);
an ``enc`` not offered; ``zip`` (jwcrypto CVE-2024-28102: a compressed bomb);
``crit``; header keys (``jku``, ``jwk``, ``x5u``, ``x5c``); an ``epk`` that is
not a P-256 public key; a ``kid`` that is not ours; a non-empty encrypted key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jwcrypto import jwe as _jwe
from jwcrypto import jwk as _jwk

from ..encoding import b64url_decode, json_dumps, json_loads_object
from ..errors import InvalidRequest, MalformedInput, VerificationError, library_errors
from ..jose import Key
from . import spec
from .client_metadata import ClientMetadata
from .request_uri import Form
from .response import AuthorizationErrorResponse, AuthorizationResponse, form_params

__all__ = [
    "MAX_JWE_BYTES",
    "InvalidEncryptedResponse",
    "DecryptionFailed",
    "choose_enc",
    "encrypt_response",
    "decrypt_response",
    "parse_direct_post_jwt",
]

MAX_JWE_BYTES = 1_000_000
_REFUSED_HEADERS = ("zip", "crit", "jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "p2s", "p2c")


class InvalidEncryptedResponse(InvalidRequest):
    """A ``response`` JWE that is malformed or uses something we do not accept."""


class DecryptionFailed(VerificationError):
    """The JWE does not decrypt with our key (wrong key, tampered ciphertext or tag)."""


def choose_enc(offered: Sequence[str]) -> str:
    """HAIP 1.0 §5: ``A256GCM`` if offered, else ``A128GCM``; anything else is refused."""
    for enc in (spec.ENC_A256GCM, spec.ENC_A128GCM):
        if enc in offered:
            return enc
    raise InvalidRequest(f"none of the offered enc values {list(offered)} is supported")


def encrypt_response(response: AuthorizationResponse, metadata: ClientMetadata) -> str:
    """The wallet's ``response`` parameter for ``direct_post.jwt``."""
    public = metadata.encryption_jwk()
    header = {
        "alg": spec.JWE_ALG_ECDH_ES,
        "enc": choose_enc(metadata.enc_values),
        "kid": public["kid"],
    }
    with library_errors("response encryption", InvalidRequest):
        recipient = _jwk.JWK(**{k: public[k] for k in ("kty", "crv", "x", "y")})
        token = _jwe.JWE(
            json_dumps(response.to_payload()).encode("utf-8"), protected=json_dumps(header)
        )
        token.add_recipient(recipient)
        serialized: str = token.serialize(compact=True)
    return serialized


def _check_header(token: str, kid: str, enc_values: Sequence[str]) -> str:
    if not isinstance(token, str):
        raise InvalidEncryptedResponse("the response must be a compact JWE string")
    if len(token) > MAX_JWE_BYTES:
        raise InvalidEncryptedResponse(f"the response is larger than {MAX_JWE_BYTES} bytes")
    parts = token.split(".")
    if len(parts) != 5:
        raise InvalidEncryptedResponse("a compact JWE has exactly five parts")
    try:
        header = json_loads_object(b64url_decode(parts[0], "JWE header"), "JWE header")
        for part in parts[1:]:
            b64url_decode(part, "JWE part")
    except MalformedInput as exc:
        raise InvalidEncryptedResponse(str(exc)) from exc
    alg, enc = header.get("alg"), header.get("enc")
    if alg != spec.JWE_ALG_ECDH_ES:
        raise InvalidEncryptedResponse(f"JWE alg {alg!r} is refused; only ECDH-ES")
    if enc not in enc_values or enc not in spec.SUPPORTED_ENC_VALUES:
        raise InvalidEncryptedResponse(f"JWE enc {enc!r} was not offered")
    for name in _REFUSED_HEADERS:
        if name in header:
            raise InvalidEncryptedResponse(f"JWE header parameter {name!r} is refused")
    if header.get("kid") != kid:
        raise InvalidEncryptedResponse("the JWE kid is not the one of our encryption key")
    epk = header.get("epk")
    if not isinstance(epk, dict) or epk.get("kty") != "EC" or epk.get("crv") != "P-256":
        raise InvalidEncryptedResponse("the JWE epk must be a P-256 public key")
    if set(epk) - {"kty", "crv", "x", "y"}:
        raise InvalidEncryptedResponse("the JWE epk must be a bare public key")
    if parts[1]:
        raise InvalidEncryptedResponse("ECDH-ES (direct key agreement) has no encrypted key")
    assert isinstance(enc, str)
    return enc


def _decrypt_payload(token: str, key: Key, *, kid: str, enc_values: Sequence[str]) -> Any:
    enc = _check_header(token, kid, enc_values)
    if key.crv != "P-256":
        raise InvalidRequest("the response decryption key must be a P-256 key")
    private: dict[str, Any] = key.private_jwk()
    jwe = _jwe.JWE()
    jwe.allowed_algs = [spec.JWE_ALG_ECDH_ES, enc]
    with library_errors("encrypted response", DecryptionFailed):
        jwe.deserialize(token, key=_jwk.JWK(**private))
        plaintext: bytes = jwe.payload
    return json_loads_object(plaintext, "encrypted response payload")


def decrypt_response(
    token: str, key: Key, *, kid: str, enc_values: Sequence[str]
) -> AuthorizationResponse:
    """The verifier's decryption of ``response`` with its per-request private ``key``."""
    payload = _decrypt_payload(token, key, kid=kid, enc_values=enc_values)
    return AuthorizationResponse.from_payload(payload)


def _error_response(params: Any) -> AuthorizationErrorResponse:
    error, description, state = (params.get(n) for n in ("error", "error_description", spec.STATE))
    if not isinstance(error, str) or not all(
        v is None or isinstance(v, str) for v in (description, state)
    ):
        raise InvalidRequest("an error response's members must be strings (§8.5)")
    return AuthorizationErrorResponse(error, description, state)


def parse_direct_post_jwt(
    form: Form, key: Key, *, kid: str, enc_values: Sequence[str]
) -> AuthorizationResponse | AuthorizationErrorResponse:
    """The verifier's parse of a ``direct_post.jwt`` body: ``response=<JWE>`` (whose
    payload may be an error response, §8.5), or an unencrypted error response
    (§8.3 allows one when encryption is impossible)."""
    params = form_params(form)
    if spec.RESPONSE not in params:
        if "error" in params and spec.VP_TOKEN not in params:
            return _error_response(params)
        raise InvalidRequest("direct_post.jwt: the body has no 'response'")
    if spec.VP_TOKEN in params:
        raise InvalidRequest("direct_post.jwt: vp_token must be inside the encrypted response")
    payload = _decrypt_payload(params[spec.RESPONSE], key, kid=kid, enc_values=enc_values)
    if "error" in payload:
        if spec.VP_TOKEN in payload:
            raise InvalidRequest("a response cannot carry both error and vp_token")
        return _error_response(payload)
    return AuthorizationResponse.from_payload(payload)
