"""The DID key that signs a credential (issuer) or a presentation (holder).

An issuer or holder is identified by a did:key (did-method-key v0.9) or a
did:jwk (did:jwk v1) of an Ed25519 (``EdDSA``) or P-256 (``ES256``) key. Both
resolve offline in didkit and in :mod:`ssi.did`; did:web is refused here,
because didkit would fetch it on its own (LIBRARIES.md, "did:web").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from ..did import did_jwk_from_key, did_key_from_key, parse_did_url
from ..errors import UnsupportedDIDMethod
from ..jose import Key
from . import spec

__all__ = ["DidSigner", "did_method", "require_supported_did"]

_PROOF_TYPE = {"EdDSA": spec.PROOF_ED25519_2020, "ES256": spec.PROOF_P256_2019}


def did_method(did: str) -> str:
    """The method name of a DID or DID URL (``key`` for ``did:key:z…#z…``)."""
    bare, _fragment = parse_did_url(did)
    return bare.split(":", 2)[1]


@lru_cache(maxsize=4096)
def require_supported_did(did: str, role: str) -> str:
    """``did`` (without fragment) if its method is did:key or did:jwk, else raise."""
    method = did_method(did)
    if method not in spec.SUPPORTED_DID_METHODS:
        raise UnsupportedDIDMethod(
            f"the {role} DID uses did:{method}; W3C credentials here use did:key or did:jwk"
        )
    return parse_did_url(did)[0]


@dataclass(frozen=True)
class DidSigner:
    """A private key with its DID and verification method, as didkit wants them."""

    key: Key
    did: str
    verification_method: str

    @classmethod
    def from_key(cls, key: Key, method: str = "key") -> DidSigner:
        """did:key (``method="key"``) or did:jwk (``"jwk"``) of an EdDSA or ES256 private key."""
        if key.alg not in spec.JWT_ALGS:
            raise ValueError(f"W3C credentials here are signed with EdDSA or ES256, not {key.alg}")
        if method == "key":
            did = did_key_from_key(key)
            return cls(key, did, f"{did}#{did.removeprefix('did:key:')}")
        if method == "jwk":
            did = did_jwk_from_key(key)
            return cls(key, did, f"{did}#0")
        raise UnsupportedDIDMethod(f"did:{method} is not a method for W3C signers here")

    @classmethod
    def for_did(cls, key: Key, did: str) -> DidSigner:
        """The signer for a held credential's subject ``did`` (did:key or did:jwk of ``key``)."""
        signer = cls.from_key(key, did_method(require_supported_did(did, "holder")))
        if signer.did != did:
            raise ValueError("the key is not the key of this DID")
        return signer

    @property
    def proof_type(self) -> str:
        """The Data Integrity suite for ``ldp_vc``: Ed25519Signature2020 or the P-256 2019 one."""
        return _PROOF_TYPE[self.key.alg]

    def private_jwk_json(self) -> str:
        """The private JWK as the JSON string didkit takes."""
        return json.dumps(self.key.private_jwk())
