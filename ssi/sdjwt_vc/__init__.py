"""SD-JWT-based Verifiable Digital Credentials (SD-JWT VC), on top of :mod:`ssi.sdjwt`.

https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/

Issuer app (``StatusReference`` is :class:`ssi.status_list.StatusReference`)::

    issued = issue_credential(mark(claims, disclosable_paths), issuer_key, vct=VCT, iss=ISS,
                              iat=now, exp=now + ttl, status=StatusReference(idx, uri),
                              holder_key=holder_public_key, header={"x5c": to_x5c(chain)})

Wallet::

    held = receive_credential(issued_text, trust.resolver(now), now=now)

Verifier::

    trust = IssuerTrust(frozenset({ISS}), jwks={...} | fetch_json=... | x5c_roots=(root,))
    result = verify_credential(presentation, trust, now=now,
                               key_binding=KeyBinding(audience=client_id, nonce=nonce))
    result.claims, result.kb_claims, result.status   # then check the status list
"""

from . import spec
from .credential import check_credential_claims, issue_credential, parse_status
from .errors import (
    DisclosedRegisteredClaim,
    NotAnSDJWTVC,
    TypeMetadataMismatch,
    UnboundedCredential,
)
from .integrity import FetchBytes, IntegrityMismatch, check_integrity, resolve_type_metadata
from .issuer_keys import FetchJSON, IssuerTrust, ResolveDIDKey, key_from_metadata, metadata_url
from .type_metadata import (
    ClaimDisplay,
    ClaimMetadata,
    InvalidTypeMetadata,
    TypeDisplay,
    TypeMetadata,
    check_claims,
    select_claims,
)
from .verifier import VerifiedCredential, receive_credential, verify_credential

__all__ = [
    "ClaimDisplay",
    "ClaimMetadata",
    "DisclosedRegisteredClaim",
    "FetchBytes",
    "FetchJSON",
    "IntegrityMismatch",
    "InvalidTypeMetadata",
    "IssuerTrust",
    "NotAnSDJWTVC",
    "ResolveDIDKey",
    "TypeDisplay",
    "TypeMetadata",
    "TypeMetadataMismatch",
    "UnboundedCredential",
    "VerifiedCredential",
    "check_claims",
    "check_integrity",
    "check_credential_claims",
    "issue_credential",
    "key_from_metadata",
    "metadata_url",
    "parse_status",
    "receive_credential",
    "resolve_type_metadata",
    "select_claims",
    "spec",
    "verify_credential",
]
