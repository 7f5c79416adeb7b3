"""Encrypted responses, response mode ``direct_post.jwt`` (OpenID4VP 1.0 §8.3, §8.3.1).

The payload (the response parameters as top-level JSON members, plus our
``address_proof``) is an unsigned, encrypted JWT: compact JWE with ``alg``
``ECDH-ES`` to the verifier's P-256 key from ``client_metadata.jwks`` and an
``enc`` the verifier offered in ``encrypted_response_enc_values_supported``
(HAIP 1.0 §5: ``A128GCM`` and ``A256GCM``; the wallet prefers ``A256GCM``).
The ``kid`` of the chosen key goes in the JWE header (§8.3).

Before any key agreement, the verifier's side refuses: more than
:data:`MAX_JWE_BYTES`; anything but five parts; a header that is not strict
JSON; any ``alg`` but ``ECDH-ES`` (so no PBES2, RSA, ``dir``, key wrapping);
an ``enc`` not offered; ``zip`` (jwcrypto CVE-2024-28102: a compressed bomb);
``crit``; header keys (``jku``, ``jwk``, ``x5u``, ``x5c``); an ``epk`` that is
not a P-256 public key; a ``kid`` that is not ours; a non-empty encrypted key.

Decryption (the verifier's hot path) uses ``cryptography`` directly: ECDH-ES
direct key agreement (RFC 7518 §4.6: Concat KDF over SHA-256 with the ``enc``
name, ``apu``, ``apv`` and the key length), then AES-GCM (RFC 7518 §5.3) with
the protected header as additional data (RFC 7516 §5.2). The wallet's side
still encrypts with jwcrypto (an independent implementation checks ours).
:func:`decryption_key` parses a stored private JWK once per process (a small
LRU cache).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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
    "decryption_key",
    "remember_decryption_key",
    "parse_direct_post_jwt",
]

MAX_JWE_BYTES = 1_000_000
_KEY_BITS = {spec.ENC_A128GCM: 128, spec.ENC_A256GCM: 256}
_CACHED_KEYS = 1024
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


def _check_header(
    token: str, kid: str, enc_values: Sequence[str]
) -> tuple[dict[str, Any], list[bytes]]:
    """The checked protected header and the five decoded parts."""
    if not isinstance(token, str):
        raise InvalidEncryptedResponse("the response must be a compact JWE string")
    if len(token) > MAX_JWE_BYTES:
        raise InvalidEncryptedResponse(f"the response is larger than {MAX_JWE_BYTES} bytes")
    parts = token.split(".")
    if len(parts) != 5:
        raise InvalidEncryptedResponse("a compact JWE has exactly five parts")
    try:
        raw = [b64url_decode(part, "JWE part") for part in parts]
        header = json_loads_object(raw[0], "JWE header")
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
    return header, raw


def _coordinate(epk: dict[str, Any], name: str) -> bytes:
    value = epk.get(name)
    try:
        raw = b64url_decode(value, f"epk {name}") if isinstance(value, str) else b""
    except MalformedInput:
        raw = b""
    if len(raw) != 32:
        raise InvalidEncryptedResponse(f"the JWE epk {name!r} is not a P-256 coordinate")
    return raw


def _party_info(header: dict[str, Any], name: str) -> bytes:
    value = header.get(name, "")
    if not isinstance(value, str):
        raise InvalidEncryptedResponse(f"JWE header {name!r} must be a base64url string")
    try:
        return b64url_decode(value, f"JWE {name}") if value else b""
    except MalformedInput as exc:
        raise InvalidEncryptedResponse(str(exc)) from exc


def _length_prefixed(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def _concat_kdf(shared: bytes, enc: str, apu: bytes, apv: bytes) -> bytes:
    """RFC 7518 §4.6.2 (NIST SP 800-56A Concat KDF, SHA-256): the content key for ``enc``."""
    bits = _KEY_BITS[enc]
    other = (
        _length_prefixed(enc.encode("ascii"))
        + _length_prefixed(apu)
        + _length_prefixed(apv)
        + bits.to_bytes(4, "big")
    )
    # one SHA-256 round gives 256 bits: enough for A128GCM and A256GCM
    digest = hashlib.sha256(b"\x00\x00\x00\x01" + shared + other).digest()
    return digest[: bits // 8]


def _private(key: Key | ec.EllipticCurvePrivateKey) -> ec.EllipticCurvePrivateKey:
    private = key.private_key if isinstance(key, Key) else key
    if not isinstance(private, ec.EllipticCurvePrivateKey) or not isinstance(
        private.curve, ec.SECP256R1
    ):
        raise InvalidRequest("the response decryption key must be a P-256 key")
    return private


def _decrypt_payload(
    token: str, key: Key | ec.EllipticCurvePrivateKey, *, kid: str, enc_values: Sequence[str]
) -> Any:
    header, raw = _check_header(token, kid, enc_values)
    private = _private(key)
    enc = header["enc"]
    epk = header["epk"]
    point = b"\x04" + _coordinate(epk, "x") + _coordinate(epk, "y")
    try:
        ephemeral = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError as exc:  # not on the curve
        raise InvalidEncryptedResponse("the JWE epk is not a point of P-256") from exc
    content_key = _concat_kdf(
        private.exchange(ec.ECDH(), ephemeral),
        enc,
        _party_info(header, "apu"),
        _party_info(header, "apv"),
    )
    iv, ciphertext, tag = raw[2], raw[3], raw[4]
    if len(iv) != 12 or len(tag) != 16:
        raise DecryptionFailed("the JWE iv or tag has the wrong length for AES-GCM")
    try:
        plaintext = AESGCM(content_key).decrypt(
            iv, ciphertext + tag, token.split(".", 1)[0].encode("ascii")
        )
    except InvalidTag as exc:
        raise DecryptionFailed("the encrypted response does not decrypt with our key") from exc
    return json_loads_object(plaintext, "encrypted response payload")


_keys: OrderedDict[str, ec.EllipticCurvePrivateKey] = OrderedDict()
_keys_lock = threading.Lock()


def decryption_key(jwk_json: str) -> ec.EllipticCurvePrivateKey:
    """The private P-256 key of a stored JWK (JSON text), parsed once per process
    (the last :data:`_CACHED_KEYS` are kept)."""
    with _keys_lock:
        cached = _keys.get(jwk_json)
        if cached is not None:
            _keys.move_to_end(jwk_json)
            return cached
    private = _private(Key.from_jwk(json.loads(jwk_json), private=True))
    remember_decryption_key(jwk_json, private)
    return private


def remember_decryption_key(jwk_json: str, private: ec.EllipticCurvePrivateKey) -> None:
    """Put a key just generated (stored as ``jwk_json``) in :func:`decryption_key`'s cache."""
    with _keys_lock:
        _keys[jwk_json] = private
        while len(_keys) > _CACHED_KEYS:
            _keys.popitem(last=False)


def decrypt_response(
    token: str, key: Key | ec.EllipticCurvePrivateKey, *, kid: str, enc_values: Sequence[str]
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
    form: Form, key: Key | ec.EllipticCurvePrivateKey, *, kid: str, enc_values: Sequence[str]
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
