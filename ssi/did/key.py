"""did:key (W3C CCG did-method-key v0.9).

``did:key:`` + a multibase base58btc multicodec public key (§2 "Format"). The
document (§3.1.1 "Document Creation Algorithm") has one verification method
``did:key:z…#z…`` of type ``Multikey`` (the v0.9 default ``publicKeyFormat``),
listed under ``authentication``, ``assertionMethod``,
``capabilityInvocation`` and ``capabilityDelegation``. An X25519 did:key is a
key-agreement key only (§3.1.5). With ``enable_encryption_key_derivation``
(default false, §3.1.1 step 7), an Ed25519 did:key also gets the X25519 key
derived from it (RFC 7748 birational map) under ``keyAgreement``.

Resolution is pure computation: nothing is fetched.
"""

from __future__ import annotations

from nacl.bindings import crypto_sign_ed25519_pk_to_curve25519

from ..errors import ResolutionError
from ..jose import Key
from .document import DIDDocument, VerificationMethod
from .multikey import ED25519_PUB, X25519_PUB, decode_multikey, encode_multikey, encode_x25519

__all__ = ["MULTIKEY_CONTEXT", "did_key_from_key", "resolve_did_key"]

PREFIX = "did:key:"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
_SIGNING = ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation")


def did_key_from_key(key: Key) -> str:
    """The did:key of a public key (Ed25519, P-256, P-384 or secp256k1)."""
    return PREFIX + encode_multikey(key)


def _method(did: str, value: str, key: Key | None, x25519: bytes | None) -> VerificationMethod:
    return VerificationMethod(
        f"{did}#{value}",
        "Multikey",
        did,
        key=key,
        x25519=x25519,
        extra={"publicKeyMultibase": value},
    )


def resolve_did_key(did: str, *, enable_encryption_key_derivation: bool = False) -> DIDDocument:
    """The DID document of a did:key; refuses malformed ids and unsupported key types."""
    if not did.startswith(PREFIX):
        raise ResolutionError(f"{did!r} is not a did:key")
    value = did[len(PREFIX) :]
    if not value.startswith("z") or not value.isalnum():
        raise ResolutionError("a did:key method-specific id is base58btc multibase ('z…')")
    decoded = decode_multikey(value, "did:key")
    if decoded.codec == X25519_PUB:
        method = _method(did, value, None, decoded.raw)
        return DIDDocument(did, (method,), {"keyAgreement": (method.id,)}, _context())
    method = _method(did, value, decoded.key, None)
    methods = [method]
    relationships = {name: (method.id,) for name in _SIGNING}
    if enable_encryption_key_derivation and decoded.codec == ED25519_PUB:
        raw = crypto_sign_ed25519_pk_to_curve25519(decoded.raw)
        agreement = _method(did, encode_x25519(raw), None, raw)
        methods.append(agreement)
        relationships["keyAgreement"] = (agreement.id,)
    return DIDDocument(did, tuple(methods), relationships, _context())


def _context() -> tuple[str, ...]:
    return ("https://www.w3.org/ns/did/v1", MULTIKEY_CONTEXT)
