"""DID documents reduced to what a verifier needs (W3C DID Core 1.0 §5).

A :class:`DIDDocument` holds the document's ``id``, its verification methods
(§5.2) with their keys already loaded, and the verification relationships
(§5.3: ``authentication``, ``assertionMethod``, ``keyAgreement``,
``capabilityInvocation``, ``capabilityDelegation``) as lists of absolute DID
URLs. :func:`parse_document` builds one from received JSON (did:web) and
refuses what cannot be trusted: an ``id`` other than the DID resolved (DID
Core §5.1.1, did:web §3.2.1), a method id outside the document, a duplicate
method id, a private key member, a method with two key formats.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..encoding import b64url_decode, b64url_encode
from ..errors import AlgorithmNotAllowed, MalformedInput, ResolutionError
from ..jose import Key
from .multikey import X25519_PUB, decode_multikey

__all__ = [
    "RELATIONSHIPS",
    "DIDDocument",
    "VerificationMethod",
    "parse_document",
]

RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
)
"""Verification relationships of DID Core 1.0 §5.3."""

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
_SIGNING_KEYS = {("OKP", "Ed25519"), ("EC", "P-256"), ("EC", "P-384"), ("EC", "secp256k1")}


@dataclass(frozen=True, slots=True)
class VerificationMethod:
    """One verification method (DID Core §5.2) with its key material loaded.

    Exactly one of ``key`` (a signing key with a pinned alg), ``x25519`` (raw
    key-agreement key) or ``blockchain_account_id`` (CAIP-10, did:pkh) is set,
    or none of them for a key type we do not support (it can then never be used).
    """

    id: str
    type: str
    controller: str
    key: Key | None = None
    x25519: bytes | None = None
    blockchain_account_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type, "controller": self.controller}
        out.update(self.extra)
        return out


@dataclass(frozen=True, slots=True)
class DIDDocument:
    """A resolved DID document. ``relationships`` maps each relationship to method ids."""

    id: str
    verification_methods: tuple[VerificationMethod, ...]
    relationships: Mapping[str, tuple[str, ...]]
    context: tuple[Any, ...] = (DID_CONTEXT,)

    def method(self, method_id: str) -> VerificationMethod:
        """The method with this id (absolute, or a ``#fragment`` of this document)."""
        absolute = self.id + method_id if method_id.startswith("#") else method_id
        for method in self.verification_methods:
            if method.id == absolute:
                return method
        raise ResolutionError(f"{self.id} has no verification method {method_id!r}")

    def methods_for(self, relationship: str) -> list[VerificationMethod]:
        """The methods of this document listed under ``relationship``."""
        if relationship not in RELATIONSHIPS:
            raise ValueError(f"unknown verification relationship {relationship!r}")
        own = {m.id: m for m in self.verification_methods}
        return [own[i] for i in self.relationships.get(relationship, ()) if i in own]

    def has_relationship(self, method_id: str, relationship: str) -> bool:
        absolute = self.id + method_id if method_id.startswith("#") else method_id
        return absolute in self.relationships.get(relationship, ())

    def to_json(self) -> dict[str, Any]:
        """The document as JSON (DID Core §6.2 representation)."""
        out: dict[str, Any] = {"@context": list(self.context), "id": self.id}
        out["verificationMethod"] = [m.to_json() for m in self.verification_methods]
        for name in RELATIONSHIPS:
            if self.relationships.get(name):
                out[name] = list(self.relationships[name])
        return out


def jwk_method(method_id: str, controller: str, jwk: Mapping[str, Any]) -> VerificationMethod:
    """A ``JsonWebKey2020`` method for a public JWK (signing key or X25519)."""
    return _from_jwk(method_id, "JsonWebKey2020", controller, dict(jwk))


def x25519_jwk(raw: bytes) -> dict[str, str]:
    return {"kty": "OKP", "crv": "X25519", "x": b64url_encode(raw)}


def _from_jwk(
    method_id: str, kind: str, controller: str, jwk: dict[str, Any]
) -> VerificationMethod:
    extra = {"publicKeyJwk": jwk}
    kty, crv = jwk.get("kty"), jwk.get("crv")
    if not isinstance(kty, str) or not isinstance(crv, str | None):
        raise ResolutionError(f"verification method {method_id}: JWK kty/crv must be strings")
    pair = (kty, crv)
    try:
        if pair in _SIGNING_KEYS:
            key = Key.from_jwk(jwk)
            return VerificationMethod(method_id, kind, controller, key=key, extra=extra)
        if pair == ("OKP", "X25519"):
            if {"d"} & jwk.keys():
                raise MalformedInput("a public JWK must not contain private key members")
            x = jwk.get("x")
            raw = b64url_decode(x if isinstance(x, str) else "", "X25519 JWK 'x'")
            if len(raw) != 32:
                raise MalformedInput("an X25519 JWK 'x' must be 32 bytes")
            return VerificationMethod(method_id, kind, controller, x25519=raw, extra=extra)
    except (MalformedInput, AlgorithmNotAllowed) as exc:
        raise ResolutionError(f"verification method {method_id}: {exc}") from exc
    if "d" in jwk:
        raise ResolutionError(f"verification method {method_id}: a private JWK")
    return VerificationMethod(method_id, kind, controller, extra=extra)


def _from_multibase(method_id: str, kind: str, controller: str, value: Any) -> VerificationMethod:
    if not isinstance(value, str):
        raise ResolutionError(f"verification method {method_id}: publicKeyMultibase not a string")
    decoded = decode_multikey(value, f"verification method {method_id}")
    extra = {"publicKeyMultibase": value}
    if decoded.codec == X25519_PUB:
        return VerificationMethod(method_id, kind, controller, x25519=decoded.raw, extra=extra)
    return VerificationMethod(method_id, kind, controller, key=decoded.key, extra=extra)


def _absolute(did: str, ref: Any) -> str:
    if not isinstance(ref, str) or not ref:
        raise ResolutionError(f"{did}: a verification method id must be a non-empty string")
    return did + ref if ref.startswith("#") else ref


def _parse_method(did: str, data: Any) -> VerificationMethod:
    if not isinstance(data, dict):
        raise ResolutionError(f"{did}: a verification method must be a JSON object")
    method_id = _absolute(did, data.get("id"))
    if not method_id.startswith(did + "#"):
        raise ResolutionError(f"{did}: verification method {method_id!r} is not in this document")
    kind, controller = data.get("type"), data.get("controller")
    if not isinstance(kind, str) or not isinstance(controller, str):
        raise ResolutionError(f"{method_id}: 'type' and 'controller' must be strings")
    formats = [f for f in ("publicKeyJwk", "publicKeyMultibase", "publicKeyBase58") if f in data]
    if len(formats) != 1:
        raise ResolutionError(f"{method_id}: exactly one public key format is required")
    if formats[0] == "publicKeyJwk":
        if not isinstance(data["publicKeyJwk"], dict):
            raise ResolutionError(f"{method_id}: publicKeyJwk must be a JSON object")
        return _from_jwk(method_id, kind, controller, data["publicKeyJwk"])
    if formats[0] == "publicKeyMultibase":
        return _from_multibase(method_id, kind, controller, data["publicKeyMultibase"])
    # publicKeyBase58 (2018-era suites) names no key type in its bytes: kept, never used
    extra = {"publicKeyBase58": data["publicKeyBase58"]}
    return VerificationMethod(method_id, kind, controller, extra=extra)


def parse_document(data: Any, did: str) -> DIDDocument:
    """Validate received JSON as the DID document of ``did`` (DID Core §5)."""
    if not isinstance(data, dict):
        raise ResolutionError(f"the DID document of {did} must be a JSON object")
    if data.get("id") != did:
        raise ResolutionError(f"the DID document's id {data.get('id')!r} is not {did}")
    raw_methods = data.get("verificationMethod", [])
    if not isinstance(raw_methods, list):
        raise ResolutionError(f"{did}: verificationMethod must be an array")
    methods = [_parse_method(did, m) for m in raw_methods]
    relationships: dict[str, tuple[str, ...]] = {}
    for name in RELATIONSHIPS:
        refs = data.get(name, [])
        if not isinstance(refs, list):
            raise ResolutionError(f"{did}: {name} must be an array")
        ids: list[str] = []
        for ref in refs:
            if isinstance(ref, dict):  # an embedded method (DID Core §5.3)
                embedded = _parse_method(did, ref)
                methods.append(embedded)
                ids.append(embedded.id)
            else:
                ids.append(_absolute(did, ref))
        relationships[name] = tuple(ids)
    _refuse_duplicates(did, (m.id for m in methods))
    context = data.get("@context", [DID_CONTEXT])
    context_tuple = tuple(context) if isinstance(context, list) else (context,)
    return DIDDocument(did, tuple(methods), relationships, context_tuple)


def _refuse_duplicates(did: str, ids: Iterable[str]) -> None:
    seen: set[str] = set()
    for method_id in ids:
        if method_id in seen:
            raise ResolutionError(f"{did}: verification method {method_id!r} appears twice")
        seen.add(method_id)
