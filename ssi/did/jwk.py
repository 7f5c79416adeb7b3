"""did:jwk (quartzjer/did-jwk, "did:jwk Method Specification" v1).

``did:jwk:`` + base64url(UTF-8 JSON of a *public* JWK) (§2). The document
(§3.1 "Read") has one method ``did:jwk:…#0`` of type ``JsonWebKey2020``; a
JWK with ``"use": "enc"`` is only a ``keyAgreement`` key, with ``"use":
"sig"`` never one, and with no ``use`` both. A JWK with private members is
refused (§2: "MUST NOT" contain private key material).
"""

from __future__ import annotations

from ..encoding import b64url_decode, b64url_encode, json_dumps, json_loads_object
from ..errors import MalformedInput, ResolutionError
from ..jose import Key
from .document import DIDDocument, jwk_method

__all__ = ["did_jwk_from_key", "resolve_did_jwk"]

PREFIX = "did:jwk:"
MAX_DID_JWK = 4096
_SIGNING = ("authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation")


def did_jwk_from_key(key: Key) -> str:
    """The did:jwk of a key's public JWK: members sorted, compact (as didkit writes it)."""
    return PREFIX + b64url_encode(json_dumps(dict(sorted(key.public_jwk().items()))).encode())


def resolve_did_jwk(did: str) -> DIDDocument:
    """The DID document of a did:jwk; refuses malformed encodings and private JWKs."""
    if not did.startswith(PREFIX):
        raise ResolutionError(f"{did!r} is not a did:jwk")
    if len(did) > MAX_DID_JWK:
        raise ResolutionError(f"a did:jwk longer than {MAX_DID_JWK} characters is refused")
    try:
        jwk = json_loads_object(b64url_decode(did[len(PREFIX) :], "did:jwk"), "did:jwk JWK")
    except MalformedInput as exc:
        raise ResolutionError(str(exc)) from exc
    if "d" in jwk or {"p", "q", "dp", "dq", "qi", "k"} & jwk.keys():
        raise ResolutionError("a did:jwk must not contain private key material")
    use = jwk.get("use")
    if use not in (None, "sig", "enc"):
        raise ResolutionError(f"did:jwk 'use' {use!r} is neither 'sig' nor 'enc'")
    method = jwk_method(f"{did}#0", did, jwk)
    if method.key is None and method.x25519 is None:
        raise ResolutionError(f"did:jwk key type {jwk.get('kty')!r}/{jwk.get('crv')!r} unsupported")
    if method.x25519 is not None and use == "sig":
        raise ResolutionError("an X25519 did:jwk cannot have 'use': 'sig'")
    names: list[str] = []
    if use != "enc" and method.key is not None:
        names.extend(_SIGNING)
    if use != "sig":
        names.append("keyAgreement")
    context = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1")
    return DIDDocument(did, (method,), {name: (method.id,) for name in names}, context)
