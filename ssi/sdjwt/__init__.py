"""Selective Disclosure for JWTs (SD-JWT), RFC 9901: Issuer, Holder and Verifier.

https://www.rfc-editor.org/rfc/rfc9901

Issuer::

    issued = issue({"iss": iss, SD("given_name"): "Ada", "nationalities": [SD("GB")]},
                   issuer_key, typ="example+sd-jwt", cnf={"jwk": holder.public_jwk()})
    issued.compact()                  # "<JWT>~<D1>~<D2>~"

Holder::

    held = HeldSDJWT.receive(issued_text, resolver, typ="example+sd-jwt", now=now)
    held.disclosures                  # each with its claim path
    held.present([["given_name"]], holder_key=holder, audience=aud, nonce=nonce, iat=now,
                 extra_claims={"transaction_data_hashes": [...]})

Verifier::

    result = verify(presentation, resolver, typ="example+sd-jwt", now=now,
                    key_binding=KeyBinding(audience=aud, nonce=nonce))
    result.claims, result.kb_claims

``resolver(header, payload) -> Key`` finds the Issuer's key; every failure is an
``ssi.errors.SSIError``.
"""

from . import spec
from .disclosure import Disclosure, digest, rfc_json
from .errors import KeyBindingMissing, KeyBindingUnexpected
from .holder import HeldDisclosure, HeldSDJWT, PathQuery
from .issuer import SD, IssuedSDJWT, issue, mark
from .kb_jwt import KeyBinding, create_kb_jwt, verify_kb_jwt
from .processing import ClaimPath, process
from .randomness import BatchRandom, RandomSource, SecureRandom
from .serialization import SDJWTParts, from_json, split, to_json
from .verifier import IssuerKeyResolver, OpenedSDJWT, VerifiedSDJWT, open_sd_jwt, verify

__all__ = [
    "SD",
    "BatchRandom",
    "ClaimPath",
    "Disclosure",
    "HeldDisclosure",
    "HeldSDJWT",
    "IssuedSDJWT",
    "IssuerKeyResolver",
    "KeyBinding",
    "KeyBindingMissing",
    "KeyBindingUnexpected",
    "OpenedSDJWT",
    "PathQuery",
    "RandomSource",
    "SDJWTParts",
    "SecureRandom",
    "VerifiedSDJWT",
    "create_kb_jwt",
    "digest",
    "from_json",
    "issue",
    "mark",
    "open_sd_jwt",
    "process",
    "rfc_json",
    "spec",
    "split",
    "to_json",
    "verify",
    "verify_kb_jwt",
]
