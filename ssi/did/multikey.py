"""Public keys as multicodec-prefixed multibase values (``publicKeyMultibase``).

Used by did:key (did-method-key v0.9 §2 "Format") and by ``Multikey``
verification methods (W3C Controlled Identifiers 1.0 §2.2.2). The value is
``z`` + base58btc(varint(codec) || key bytes). Codes from the multicodec table:

==============  ======  =====================================  =========
name            code    key bytes                              use
==============  ======  =====================================  =========
ed25519-pub     0xed    32-byte Ed25519 public key             EdDSA
x25519-pub      0xec    32-byte X25519 public key              keyAgreement only
secp256k1-pub   0xe7    33-byte compressed SEC1 point          ES256K
p256-pub        0x1200  33-byte compressed SEC1 point          ES256
p384-pub        0x1201  49-byte compressed SEC1 point          ES384
==============  ======  =====================================  =========

Only compressed points are accepted (did-method-key §2.3.1 "compressed
representation"), so each key has exactly one did:key.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from ..errors import MalformedInput, ResolutionError, library_errors
from ..jose import Key
from ._multibase import multibase_decode, multibase_encode, varint_decode, varint_encode

__all__ = [
    "CODECS",
    "ED25519_PUB",
    "X25519_PUB",
    "DecodedMultikey",
    "decode_multikey",
    "encode_multikey",
    "encode_x25519",
]

ED25519_PUB = 0xED
X25519_PUB = 0xEC
SECP256K1_PUB = 0xE7
P256_PUB = 0x1200
P384_PUB = 0x1201

CODECS: dict[int, tuple[str, int]] = {
    ED25519_PUB: ("ed25519-pub", 32),
    X25519_PUB: ("x25519-pub", 32),
    SECP256K1_PUB: ("secp256k1-pub", 33),
    P256_PUB: ("p256-pub", 33),
    P384_PUB: ("p384-pub", 49),
}
"""multicodec code -> (name, length of the key bytes)."""

_EC_CODECS: dict[int, ec.EllipticCurve] = {
    SECP256K1_PUB: ec.SECP256K1(),
    P256_PUB: ec.SECP256R1(),
    P384_PUB: ec.SECP384R1(),
}
_CRV_TO_CODEC = {"Ed25519": ED25519_PUB, "secp256k1": SECP256K1_PUB, "P-256": P256_PUB}
_CRV_TO_CODEC["P-384"] = P384_PUB


@dataclass(frozen=True, slots=True)
class DecodedMultikey:
    """A decoded multikey: a signing :class:`Key`, or raw X25519 bytes (no signing)."""

    codec: int
    raw: bytes
    key: Key | None

    @property
    def codec_name(self) -> str:
        return CODECS[self.codec][0]


def decode_multikey(text: str, what: str = "publicKeyMultibase") -> DecodedMultikey:
    """Decode ``z``-multibase multicodec key bytes; refuse unknown codecs and bad points."""
    try:
        data = multibase_decode(text, what)
        codec, offset = varint_decode(data, f"{what} multicodec prefix")
    except MalformedInput as exc:
        raise ResolutionError(str(exc)) from exc
    if codec not in CODECS:
        raise ResolutionError(f"{what}: multicodec 0x{codec:x} is not a supported public key type")
    name, size = CODECS[codec]
    raw = data[offset:]
    if len(raw) != size:
        raise ResolutionError(f"{what}: a {name} key must be {size} bytes, got {len(raw)}")
    if codec == X25519_PUB:
        return DecodedMultikey(codec, raw, None)
    with library_errors(f"{what}: {name} key", ResolutionError):
        if codec == ED25519_PUB:
            key = Key.from_public_key(ed25519.Ed25519PublicKey.from_public_bytes(raw))
        else:
            if raw[0] not in (2, 3):
                raise ResolutionError(f"{what}: a {name} key must be a compressed point")
            # raises ValueError when the point is not on the curve
            point = ec.EllipticCurvePublicKey.from_encoded_point(_EC_CODECS[codec], raw)
            key = Key.from_public_key(point)
    return DecodedMultikey(codec, raw, key)


def encode_multikey(key: Key) -> str:
    """The ``publicKeyMultibase`` (and did:key method-specific id) of ``key``."""
    return multibase_encode(varint_encode(_CRV_TO_CODEC[key.crv]) + key.public_bytes)


def encode_x25519(raw: bytes) -> str:
    """The ``publicKeyMultibase`` of a raw X25519 public key."""
    if len(raw) != 32:
        raise MalformedInput("an X25519 public key is 32 bytes")
    return multibase_encode(varint_encode(X25519_PUB) + raw)
