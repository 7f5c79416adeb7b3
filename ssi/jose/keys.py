"""Signing keys with their algorithm pinned (RFC 7517 JWK, RFC 7518 §3.4, RFC 8037, RFC 8812).

A :class:`Key` knows exactly one JWS algorithm, fixed by its type and curve:

=========  ===========  =======
kty        crv          alg
=========  ===========  =======
OKP        Ed25519      EdDSA
EC         P-256        ES256
EC         P-384        ES384
EC         secp256k1    ES256K
=========  ===========  =======

A token's ``alg`` header is compared with the key's; it never selects the
algorithm (RFC 8725 §3.1; PyJWT CVE-2022-29217). ECDSA signatures are taken in
the JWS form ``r || s`` of the exact length, with ``0 < r, s < n``
(CVE-2022-21449). JWK thumbprints follow RFC 7638.
"""

from __future__ import annotations

import hashlib
import json
from functools import cached_property, lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey

from ..encoding import b64url_decode, b64url_encode, json_dumps
from ..errors import AlgorithmNotAllowed, InvalidSignature, MalformedInput, library_errors

__all__ = ["Key", "ALGORITHMS", "jwk_thumbprint"]

# alg -> (kty, crv, coordinate size, hash)
_EC_CURVES: dict[str, tuple[ec.EllipticCurve, str, int, hashes.HashAlgorithm]] = {
    "P-256": (ec.SECP256R1(), "ES256", 32, hashes.SHA256()),
    "P-384": (ec.SECP384R1(), "ES384", 48, hashes.SHA384()),
    "secp256k1": (ec.SECP256K1(), "ES256K", 32, hashes.SHA256()),
}
_CURVE_ORDERS = {
    "P-256": 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,
    "P-384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
    "secp256k1": 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,
}
# crv -> (coordinate size, group order, the ECDSA verifier): built once, not per signature
_EC_VERIFY = {
    crv: (size, _CURVE_ORDERS[crv], ec.ECDSA(hash_alg))
    for crv, (_curve, _alg, size, hash_alg) in _EC_CURVES.items()
}
_ALG_TO_CURVE = {"EdDSA": "Ed25519", "ES256": "P-256", "ES384": "P-384", "ES256K": "secp256k1"}
ALGORITHMS = frozenset(_ALG_TO_CURVE)
"""The JWS algorithms a key may have. No ``none``, no HMAC, no RSA."""

_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

PrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey


def _coordinate(jwk: dict[str, Any], name: str, size: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise MalformedInput(f"JWK member {name!r} must be a string")
    raw = b64url_decode(value, f"JWK member {name!r}")
    if len(raw) != size:
        raise MalformedInput(f"JWK member {name!r} must be {size} bytes")
    return raw


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 §3: SHA-256 over the required members in lexicographic order."""
    kty = jwk.get("kty")
    if kty == "EC":
        members = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    elif kty == "OKP":
        members = {k: jwk[k] for k in ("crv", "kty", "x")}
    else:
        raise MalformedInput(f"unsupported JWK key type {kty!r}")
    return b64url_encode(hashlib.sha256(json_dumps(members).encode()).digest())


@lru_cache(maxsize=1024)
def _public_from_jwk_json(text: str) -> Key:
    jwk = json.loads(text)
    return Key._from_jwk(jwk, private=False)


@lru_cache(maxsize=1024)
def _public_from_jwk_members(members: tuple[tuple[str, str], ...]) -> Key:
    return Key._from_jwk(dict(members), private=False)


def _string_members(jwk: dict[Any, Any]) -> tuple[tuple[str, str], ...] | None:
    """The JWK's members when every name and value is a string (every public EC or
    OKP JWK), else ``None``. Two such tuples are equal exactly when the JWKs have
    the same members with the same values, so they key the cache as the JSON text
    does, without serializing."""
    members = tuple(jwk.items())
    for name, value in members:
        if type(name) is not str or type(value) is not str:
            return None
    return members


class Key:
    """An Ed25519 or elliptic-curve key with its one algorithm.

    Build one with :meth:`generate`, :meth:`from_jwk` or :meth:`from_pem`.
    """

    def __init__(self, private: PrivateKey | None, public: PublicKey) -> None:
        self._private = private
        self._public = public
        if isinstance(public, ed25519.Ed25519PublicKey):
            self.crv = "Ed25519"
            self.alg = "EdDSA"
        else:
            name = {"secp256r1": "P-256", "secp384r1": "P-384", "secp256k1": "secp256k1"}.get(
                public.curve.name
            )
            if name is None:
                raise MalformedInput(f"unsupported curve {public.curve.name}")
            self.crv = name
            self.alg = _EC_CURVES[name][1]

    # --- construction -----------------------------------------------------------

    @classmethod
    def generate(cls, alg: str = "ES256") -> Key:
        """A fresh key for ``alg`` (``ES256``, ``EdDSA``, ``ES256K``, ``ES384``)."""
        if alg not in _ALG_TO_CURVE:
            raise AlgorithmNotAllowed(f"cannot generate a key for alg {alg!r}")
        private: PrivateKey
        if alg == "EdDSA":
            private = ed25519.Ed25519PrivateKey.generate()
        else:
            private = ec.generate_private_key(_EC_CURVES[_ALG_TO_CURVE[alg]][0])
        return cls(private, private.public_key())

    @classmethod
    def from_jwk(cls, jwk: dict[str, Any], *, private: bool = False) -> Key:
        """Load a JWK. A private member where ``private`` is false is refused.

        Public keys are cached by their members (a verifier meets the same
        issuer key on every presentation; building it and checking the point
        costs ~10 us): the same members and values give the same ``Key``, any
        other JWK its own.
        """
        if not isinstance(jwk, dict):
            raise MalformedInput("a JWK must be a JSON object")
        if not private:
            members = _string_members(jwk)
            if members is not None:
                return _public_from_jwk_members(members)
            try:
                text = json_dumps(jwk)
            except (TypeError, ValueError) as exc:
                raise MalformedInput("a JWK must be a JSON object") from exc
            return _public_from_jwk_json(text)
        return cls._from_jwk(jwk, private=True)

    @classmethod
    def _from_jwk(cls, jwk: dict[str, Any], *, private: bool) -> Key:
        has_private = bool(_PRIVATE_MEMBERS & jwk.keys())
        if has_private and not private:
            raise MalformedInput("a public JWK must not contain private key members")
        if private and "d" not in jwk:
            raise MalformedInput("the private JWK has no 'd' member")
        if "alg" in jwk and jwk["alg"] not in _ALG_TO_CURVE:
            raise AlgorithmNotAllowed(f"JWK alg {jwk['alg']!r} is not allowed")
        kty, crv = jwk.get("kty"), jwk.get("crv")
        with library_errors("JWK", MalformedInput):
            if kty == "OKP" and crv == "Ed25519":
                x = _coordinate(jwk, "x", 32)
                if private:
                    okp = ed25519.Ed25519PrivateKey.from_private_bytes(_coordinate(jwk, "d", 32))
                    if okp.public_key().public_bytes_raw() != x:
                        raise MalformedInput("JWK 'x' does not match 'd'")
                    key = cls(okp, okp.public_key())
                else:
                    key = cls(None, ed25519.Ed25519PublicKey.from_public_bytes(x))
            elif kty == "EC" and crv in _EC_CURVES:
                curve, _alg, size, _hash = _EC_CURVES[crv]
                xi = int.from_bytes(_coordinate(jwk, "x", size), "big")
                yi = int.from_bytes(_coordinate(jwk, "y", size), "big")
                # raises ValueError when the point is not on the curve
                public = ec.EllipticCurvePublicNumbers(xi, yi, curve).public_key()
                if private:
                    d = int.from_bytes(_coordinate(jwk, "d", size), "big")
                    ecp = ec.EllipticCurvePrivateNumbers(d, public.public_numbers()).private_key()
                    key = cls(ecp, ecp.public_key())
                else:
                    key = cls(None, public)
            else:
                raise MalformedInput(f"unsupported JWK kty/crv {kty!r}/{crv!r}")
        if "alg" in jwk and jwk["alg"] != key.alg:
            raise AlgorithmNotAllowed(f"JWK alg {jwk['alg']!r} does not fit a {crv} key")
        return key

    @classmethod
    def from_pem(cls, pem: bytes) -> Key:
        """Load a PKCS#8 private key or SubjectPublicKeyInfo public key in PEM."""
        with library_errors("PEM key", MalformedInput):
            if b"PRIVATE KEY" in pem:
                priv = serialization.load_pem_private_key(pem, password=None)
                if not isinstance(priv, ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey):
                    raise MalformedInput("only Ed25519 and EC private keys are supported")
                return cls(priv, priv.public_key())
            pub = serialization.load_pem_public_key(pem)
            if not isinstance(pub, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
                raise MalformedInput("only Ed25519 and EC public keys are supported")
            return cls(None, pub)

    @classmethod
    def from_public_key(cls, public: Any) -> Key:
        """Wrap a ``cryptography`` public key (for example from a certificate)."""
        if not isinstance(public, ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey):
            raise MalformedInput("only Ed25519 and EC keys are supported")
        return cls(None, public)

    # --- export -----------------------------------------------------------------

    @property
    def is_private(self) -> bool:
        return self._private is not None

    @property
    def public_key(self) -> PublicKey:
        """The ``cryptography`` public key object."""
        return self._public

    @property
    def private_key(self) -> PrivateKey:
        if self._private is None:
            raise MalformedInput("this is a public key")
        return self._private

    def public(self) -> Key:
        """This key without its private part."""
        return Key(None, self._public)

    @cached_property
    def _public_jwk(self) -> dict[str, str]:
        if isinstance(self._public, ed25519.Ed25519PublicKey):
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(self._public_bytes_raw)}
        size = _EC_CURVES[self.crv][2]
        numbers = self._public.public_numbers()
        return {
            "kty": "EC",
            "crv": self.crv,
            "x": b64url_encode(numbers.x.to_bytes(size, "big")),
            "y": b64url_encode(numbers.y.to_bytes(size, "big")),
        }

    def public_jwk(self) -> dict[str, str]:
        """The public JWK with only ``kty``, ``crv``, ``x`` (, ``y``)."""
        return dict(self._public_jwk)

    def private_jwk(self) -> dict[str, str]:
        """The private JWK (for the key's owner only: never sent anywhere)."""
        jwk = self.public_jwk()
        private = self.private_key
        if isinstance(private, ed25519.Ed25519PrivateKey):
            raw = private.private_bytes_raw()
        else:
            size = _EC_CURVES[self.crv][2]
            raw = private.private_numbers().private_value.to_bytes(size, "big")
        jwk["d"] = b64url_encode(raw)
        return jwk

    def private_pem(self) -> bytes:
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_pem(self) -> bytes:
        return self._public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    @cached_property
    def _public_bytes_raw(self) -> bytes:
        if isinstance(self._public, ed25519.Ed25519PublicKey):
            return self._public.public_bytes_raw()
        return self._public.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )

    @property
    def public_bytes(self) -> bytes:
        """Raw Ed25519 public key, or the compressed SEC1 point of an EC key."""
        return self._public_bytes_raw

    @cached_property
    def _thumbprint(self) -> str:
        return jwk_thumbprint(self._public_jwk)

    def thumbprint(self) -> str:
        """RFC 7638 JWK thumbprint (SHA-256, base64url)."""
        return self._thumbprint

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Key) and other._public_jwk == self._public_jwk

    def __hash__(self) -> int:
        return hash(self._thumbprint)

    def __repr__(self) -> str:
        kind = "private" if self.is_private else "public"
        return f"<Key {self.alg} {kind} {self._thumbprint[:10]}>"

    # --- signatures -------------------------------------------------------------

    def sign(self, data: bytes) -> bytes:
        """A JWS signature over ``data`` with this key's algorithm (``r || s`` for ECDSA)."""
        private = self.private_key
        if isinstance(private, ed25519.Ed25519PrivateKey):
            return private.sign(data)
        _curve, _alg, size, hash_alg = _EC_CURVES[self.crv]
        der = private.sign(data, ec.ECDSA(hash_alg))
        r, s = decode_dss_signature(der)
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    @cached_property
    def _nacl_verify_key(self) -> VerifyKey:
        return VerifyKey(self._public_bytes_raw)

    def verify(self, data: bytes, signature: bytes) -> None:
        """Raise :class:`InvalidSignature` unless ``signature`` is this key's over ``data``."""
        if self.alg == "EdDSA":
            if len(signature) != 64:
                raise InvalidSignature("an EdDSA signature must be 64 bytes")
            try:
                self._nacl_verify_key.verify(data, signature)
            except BadSignatureError as exc:
                raise InvalidSignature("signature does not verify") from exc
            return
        size, order, algorithm = _EC_VERIFY[self.crv]
        if len(signature) != 2 * size:
            raise InvalidSignature(f"an {self.alg} signature must be {2 * size} bytes")
        r = int.from_bytes(signature[:size], "big")
        s = int.from_bytes(signature[size:], "big")
        if not (0 < r < order and 0 < s < order):
            raise InvalidSignature("ECDSA r and s must lie in [1, n-1]")
        public = self._public
        assert isinstance(public, ec.EllipticCurvePublicKey)
        try:
            public.verify(encode_dss_signature(r, s), data, algorithm)
        except _CryptoInvalidSignature as exc:
            raise InvalidSignature("signature does not verify") from exc
