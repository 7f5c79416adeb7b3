"""Decentralized Identifiers: did:key, did:jwk, did:pkh (eip155) and did:web.

W3C DID Core 1.0; did-method-key v0.9; did:jwk v1; did-pkh; did-method-web.
Resolution yields a :class:`DIDDocument` whose verification methods carry
:class:`~ssi.jose.Key` objects; :func:`resolve_verification_key` maps a JWS
``kid`` to its key under SECURITY.md's rules.
"""

from .document import RELATIONSHIPS, DIDDocument, VerificationMethod, parse_document
from .jwk import did_jwk_from_key, resolve_did_jwk
from .key import did_key_from_key, resolve_did_key
from .multikey import DecodedMultikey, decode_multikey, encode_multikey
from .pkh import PkhAccount, did_pkh_from_address, parse_did_pkh, resolve_did_pkh
from .resolver import DIDResolver, Resolver, parse_did_url, resolve_verification_key
from .web import DidWebResolver, did_web_document, did_web_from_url, did_web_url

__all__ = [
    "RELATIONSHIPS",
    "DIDDocument",
    "DIDResolver",
    "DecodedMultikey",
    "DidWebResolver",
    "PkhAccount",
    "Resolver",
    "VerificationMethod",
    "decode_multikey",
    "did_jwk_from_key",
    "did_key_from_key",
    "did_pkh_from_address",
    "did_web_document",
    "did_web_from_url",
    "did_web_url",
    "encode_multikey",
    "parse_did_pkh",
    "parse_did_url",
    "parse_document",
    "resolve_did_jwk",
    "resolve_did_key",
    "resolve_did_pkh",
    "resolve_verification_key",
]
