"""did:key (did-method-key v0.9) against the W3C CCG vectors, and its refusals.

Vectors: tests/vectors/did-key (w3c-ccg/did-method-key @ f5abee8). The vector
documents use older verification-method types; we compare key bytes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from hypothesis import given
from hypothesis import strategies as st

from ssi.did import Resolver, did_key_from_key, resolve_did_key, resolve_verification_key
from ssi.did._multibase import (
    b58_decode,
    b58_encode,
    multibase_encode,
    varint_decode,
    varint_encode,
)
from ssi.encoding import b64url_decode
from ssi.errors import HeaderKeyRefused, MalformedInput, ResolutionError
from ssi.jose import Key

VECTORS = Path(__file__).parents[1] / "vectors" / "did-key"


def _load(*names: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        out.update(json.loads((VECTORS / name).read_text()))
    return out


ALL = _load("ed25519-x25519.json", "nist-curves.json", "secp256k1.json")
P521 = {did: v for did, v in ALL.items() if did.startswith("did:key:z2J9")}
SUPPORTED = {did: v for did, v in ALL.items() if did not in P521}
ED25519 = _load("ed25519-x25519.json")


def _vector_key_bytes(method: dict[str, Any]) -> bytes:
    """Raw Ed25519 / X25519 bytes or the compressed EC point of a vector's method."""
    if "publicKeyBase58" in method:
        return b58_decode(method["publicKeyBase58"])
    jwk = method["publicKeyJwk"]
    if jwk["crv"] == "X25519":
        return b64url_decode(jwk["x"])
    return Key.from_jwk(jwk).public_bytes


def _method(document: dict[str, Any], relationship: str) -> dict[str, Any]:
    method_id = document[relationship][0]
    return next(m for m in document["verificationMethod"] if m["id"] == method_id)


def _vector_private_key(vector: dict[str, Any]) -> Key:
    pair = vector.get("verificationKeyPair") or vector["verificationMethod"]
    if "privateKeyJwk" in pair:
        return Key.from_jwk(pair["privateKeyJwk"], private=True)
    did_document = vector["didDocument"]
    if "seed" in vector and did_document["id"].startswith("did:key:z6Mk"):
        private = ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["seed"]))
        return Key.from_public_key(private.public_key())
    scalar = bytes.fromhex(vector["seed"]) if "seed" in vector else None
    if scalar is None:
        scalar = b58_decode(pair["privateKeyBase58"])
    curve: ec.EllipticCurve = ec.SECP256K1() if "zQ3s" in did_document["id"] else ec.SECP256R1()
    return Key.from_public_key(
        ec.derive_private_key(int.from_bytes(scalar, "big"), curve).public_key()
    )


@pytest.mark.parametrize("did", SUPPORTED, ids=list(SUPPORTED))
def test_vector_resolves_to_the_published_signing_key(did: str) -> None:
    """v0.9 §3.1.1: the method's key is the one the multibase value encodes."""
    document = resolve_did_key(did)
    expected = _method(SUPPORTED[did]["didDocument"], "assertionMethod")
    ours = document.method(expected["id"])
    assert ours.key is not None
    assert ours.key.public_bytes == _vector_key_bytes(expected)
    assert document.relationships["assertionMethod"] == (ours.id,)
    assert document.relationships["authentication"] == (ours.id,)
    assert "keyAgreement" not in document.relationships  # derivation is off by default


@pytest.mark.parametrize("did", ED25519, ids=list(ED25519))
def test_vector_x25519_key_agreement_derivation(did: str) -> None:
    """v0.9 §3.1.1 step 7 (enableEncryptionKeyDerivation): X25519 derived from Ed25519."""
    document = resolve_did_key(did, enable_encryption_key_derivation=True)
    expected = _method(ED25519[did]["didDocument"], "keyAgreement")
    ours = document.method(expected["id"])
    assert ours.key is None
    assert ours.x25519 == _vector_key_bytes(expected)
    assert document.relationships["keyAgreement"] == (ours.id,)


@pytest.mark.parametrize("did", SUPPORTED, ids=list(SUPPORTED))
def test_vector_key_builds_the_same_did(did: str) -> None:
    assert did_key_from_key(_vector_private_key(SUPPORTED[did])) == did


@pytest.mark.parametrize("did", P521, ids=list(P521))
def test_p521_vector_refused_as_unsupported_key_type(did: str) -> None:
    with pytest.raises(ResolutionError, match="0x1202 is not a supported public key type"):
        resolve_did_key(did)


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "ES384", "ES256K"])
def test_round_trip_generated_key(alg: str) -> None:
    key = Key.generate(alg)
    did = did_key_from_key(key)
    assert resolve_verification_key(did, Resolver(), did) == key.public()
    assert resolve_verification_key(f"{did}#{did[8:]}", Resolver(), did) == key.public()


# --- refusals -----------------------------------------------------------------------


def _did(codec: int, raw: bytes) -> str:
    return "did:key:" + multibase_encode(varint_encode(codec) + raw)


def test_x25519_did_key_is_key_agreement_only() -> None:
    did = _did(0xEC, bytes(range(32)))
    document = resolve_did_key(did)
    assert set(document.relationships) == {"keyAgreement"}
    with pytest.raises(HeaderKeyRefused, match="not an assertionMethod"):
        resolve_verification_key(f"{did}#{did[8:]}", Resolver(), did)
    with pytest.raises(ResolutionError, match="has 0 assertionMethod keys"):
        resolve_verification_key(did, Resolver(), did)


def test_not_base58btc_multibase_refused() -> None:
    with pytest.raises(ResolutionError, match="base58btc"):
        resolve_did_key("did:key:f" + (varint_encode(0xED) + bytes(32)).hex())


@pytest.mark.parametrize("char", ["0", "O", "I", "l"])
def test_character_outside_base58_alphabet_refused(char: str) -> None:
    valid = did_key_from_key(Key.generate("EdDSA"))
    with pytest.raises(ResolutionError, match="not base58btc"):
        resolve_did_key(valid[:20] + char + valid[21:])


def test_unknown_multicodec_refused() -> None:
    with pytest.raises(ResolutionError, match="multicodec 0x1300 is not a supported"):
        resolve_did_key(_did(0x1300, bytes(32)))


def test_non_minimal_varint_refused() -> None:
    raw = Key.generate("EdDSA").public_bytes
    did = "did:key:" + multibase_encode(bytes([0xED, 0x81, 0x00]) + raw)
    with pytest.raises(ResolutionError, match="not minimally encoded"):
        resolve_did_key(did)


def test_truncated_key_refused() -> None:
    with pytest.raises(ResolutionError, match="ed25519-pub key must be 32 bytes, got 31"):
        resolve_did_key(_did(0xED, bytes(31)))


def test_uncompressed_point_refused() -> None:
    key = Key.generate("ES256")
    jwk = key.public_jwk()
    point = b"\x04" + b64url_decode(jwk["x"]) + b64url_decode(jwk["y"])
    with pytest.raises(ResolutionError, match="p256-pub key must be 33 bytes, got 65"):
        resolve_did_key(_did(0x1200, point))


def test_compressed_prefix_other_than_02_03_refused() -> None:
    raw = Key.generate("ES256").public_bytes
    with pytest.raises(ResolutionError, match="compressed point"):
        resolve_did_key(_did(0x1200, b"\x05" + raw[1:]))


def test_point_not_on_the_curve_refused() -> None:
    # x = 1 has no square root of x^3 - 3x + b on P-256
    with pytest.raises(ResolutionError, match="p256-pub key"):
        resolve_did_key(_did(0x1200, b"\x02" + (1).to_bytes(32, "big")))


@pytest.mark.parametrize("did", ["did:key:", "did:key:z", "did:key:z6Mk/x", "did:web:z6Mk"])
def test_malformed_did_key_refused(did: str) -> None:
    with pytest.raises(ResolutionError):
        resolve_did_key(did)


# --- base58btc and varint ------------------------------------------------------------


def test_base58_leading_zero_bytes_are_ones() -> None:
    assert b58_encode(b"\0\0\x01") == "112"
    assert b58_decode("112") == b"\0\0\x01"


def test_base58_decode_refuses_oversize_input() -> None:
    with pytest.raises(MalformedInput, match="longer than"):
        b58_decode("2" * 5000)


@given(st.binary(max_size=80))
def test_base58_round_trip(data: bytes) -> None:
    encoded = b58_encode(data)
    if data:
        assert b58_decode(encoded) == data
    else:
        assert encoded == ""  # b58_decode refuses the empty string


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_varint_round_trip_is_minimal(value: int) -> None:
    encoded = varint_encode(value)
    assert varint_decode(encoded + b"\xff") == (value, len(encoded))


def test_varint_longer_than_nine_bytes_refused() -> None:
    with pytest.raises(MalformedInput, match="truncated or longer than 9 bytes"):
        varint_decode(b"\x80" * 9 + b"\x01")
