"""The verifier decrypts ``direct_post.jwt`` responses with ``cryptography``
directly (issue 22): what jwcrypto (an independent implementation, the wallet's
side) encrypts decrypts, and every refusal of the jwcrypto path still holds."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk

from ssi.encoding import b64url_decode, b64url_encode, json_dumps
from ssi.jose import Key
from ssi.oid4vp import (
    AuthorizationResponse,
    DecryptionFailed,
    InvalidEncryptedResponse,
    decrypt_response,
    decryption_key,
    encrypt_response,
    parse_direct_post_jwt,
    remember_decryption_key,
)
from tests.ssi.test_oid4vp_response import response, verifier_keys

ENCS = ["A128GCM", "A256GCM"]
SENT = response()
PAYLOAD = json_dumps(SENT.to_payload()).encode()


def _jwe(header: dict[str, Any], key: Key, payload: bytes = PAYLOAD) -> str:
    token = jwcrypto_jwe.JWE(payload, protected=json_dumps(header))
    token.add_recipient(jwcrypto_jwk.JWK(**key.public_jwk()))
    return str(token.serialize(compact=True))


def _replace(token: str, index: int, part: bytes) -> str:
    parts = token.split(".")
    parts[index] = b64url_encode(part)
    return ".".join(parts)


@pytest.mark.parametrize("enc", ENCS)
def test_jwe_decrypts_what_jwcrypto_encrypts(enc: str) -> None:
    key, _ = verifier_keys()
    header = {"alg": "ECDH-ES", "enc": enc, "kid": "k1"}
    assert (
        decrypt_response(_jwe(header, key), key, kid="k1", enc_values=ENCS).to_payload()
        == SENT.to_payload()
    )


def test_jwe_party_info_enters_the_key_derivation() -> None:
    key, _ = verifier_keys()
    header = {
        "alg": "ECDH-ES",
        "enc": "A256GCM",
        "kid": "k1",
        "apu": b64url_encode(b"wallet"),
        "apv": b64url_encode(b"verifier-nonce"),
    }
    token = _jwe(header, key)
    assert decrypt_response(token, key, kid="k1", enc_values=ENCS).to_payload() == SENT.to_payload()


def test_jwe_the_wallets_response_round_trips() -> None:
    key, metadata = verifier_keys()
    sent = response()
    token = encrypt_response(sent, metadata)
    got = parse_direct_post_jwt({"response": token}, key, kid="k1", enc_values=ENCS)
    assert isinstance(got, AuthorizationResponse)
    assert got.to_payload() == sent.to_payload()


@pytest.mark.parametrize("index", [2, 3, 4])  # iv, ciphertext, tag
def test_jwe_tampered_part_refused(index: int) -> None:
    key, _ = verifier_keys()
    token = _jwe({"alg": "ECDH-ES", "enc": "A128GCM", "kid": "k1"}, key)
    raw = bytearray(b64url_decode(token.split(".")[index]))
    raw[0] ^= 1
    with pytest.raises(DecryptionFailed):
        decrypt_response(_replace(token, index, bytes(raw)), key, kid="k1", enc_values=ENCS)


def test_jwe_truncated_tag_refused() -> None:
    key, _ = verifier_keys()
    token = _jwe({"alg": "ECDH-ES", "enc": "A128GCM", "kid": "k1"}, key)
    tag = b64url_decode(token.split(".")[4])
    with pytest.raises(DecryptionFailed):
        decrypt_response(_replace(token, 4, tag[:8]), key, kid="k1", enc_values=ENCS)


def test_jwe_header_is_authenticated() -> None:
    """The protected header is the additional data: adding a member breaks the tag."""
    key, _ = verifier_keys()
    token = _jwe({"alg": "ECDH-ES", "enc": "A128GCM", "kid": "k1"}, key)
    header = json.loads(b64url_decode(token.split(".")[0])) | {"x-extra": 1}
    with pytest.raises(DecryptionFailed):
        decrypt_response(
            _replace(token, 0, json_dumps(header).encode()), key, kid="k1", enc_values=ENCS
        )


def test_jwe_another_key_refused() -> None:
    key, _ = verifier_keys()
    token = _jwe({"alg": "ECDH-ES", "enc": "A128GCM", "kid": "k1"}, key)
    other = Key.generate("ES256")
    with pytest.raises(DecryptionFailed):
        decrypt_response(token, other, kid="k1", enc_values=ENCS)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"alg": "ECDH-ES+A128KW"}, "ECDH-ES"),
        ({"alg": "RSA-OAEP-256"}, "RSA-OAEP-256"),
        ({"enc": "A128CBC-HS256"}, "not offered"),
        ({"kid": "other"}, "kid"),
        ({"zip": "DEF"}, "'zip'"),
        ({"crit": ["exp"]}, "'crit'"),
        ({"jwk": {"kty": "EC"}}, "'jwk'"),
    ],
)
def test_jwe_header_refusals_still_hold(change: dict[str, Any], message: str) -> None:
    """The header checks run before any key agreement (the header is re-signed here:
    only the checks can refuse it)."""
    key, _ = verifier_keys()
    token = _jwe({"alg": "ECDH-ES", "enc": "A128GCM", "kid": "k1"}, key, zlib.compress(b"{}"))
    header = json.loads(b64url_decode(token.split(".")[0])) | change
    forged = _replace(token, 0, json_dumps(header).encode())
    with pytest.raises(InvalidEncryptedResponse, match=message):
        decrypt_response(forged, key, kid="k1", enc_values=ENCS)


def test_jwe_epk_off_the_curve_refused() -> None:
    key, _ = verifier_keys()
    token = _jwe({"alg": "ECDH-ES", "enc": "A128GCM", "kid": "k1"}, key)
    header = json.loads(b64url_decode(token.split(".")[0]))
    header["epk"]["y"] = b64url_encode(bytes(31) + b"\x01")
    forged = _replace(token, 0, json_dumps(header).encode())
    with pytest.raises(InvalidEncryptedResponse, match="epk"):
        decrypt_response(forged, key, kid="k1", enc_values=ENCS)


def test_jwe_a_non_p256_decryption_key_refused() -> None:
    key, _ = verifier_keys()
    token = _jwe({"alg": "ECDH-ES", "enc": "A128GCM", "kid": "k1"}, key)
    with pytest.raises(Exception, match="P-256"):
        decrypt_response(token, Key.generate("EdDSA"), kid="k1", enc_values=ENCS)


def test_jwe_decryption_key_is_parsed_once() -> None:
    key = Key.generate("ES256")
    stored = json.dumps(key.private_jwk())
    first = decryption_key(stored)
    assert decryption_key(stored) is first
    assert first.private_numbers() == key.private_key.private_numbers()  # type: ignore[union-attr]
    fresh = Key.generate("ES256")
    fresh_json = json.dumps(fresh.private_jwk())
    remember_decryption_key(fresh_json, fresh.private_key)  # type: ignore[arg-type]
    assert decryption_key(fresh_json) is fresh.private_key
