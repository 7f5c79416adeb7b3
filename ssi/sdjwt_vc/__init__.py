"""SD-JWT-based Verifiable Digital Credentials (SD-JWT VC), on top of :mod:`ssi.sdjwt`.

https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/
"""

from . import spec
from .credential import StatusReference, check_credential_claims, issue_credential, parse_status
from .errors import (
    DisclosedRegisteredClaim,
    NotAnSDJWTVC,
    TypeMetadataMismatch,
    UnboundedCredential,
)
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
    "FetchJSON",
    "InvalidTypeMetadata",
    "IssuerTrust",
    "NotAnSDJWTVC",
    "ResolveDIDKey",
    "StatusReference",
    "TypeDisplay",
    "TypeMetadata",
    "TypeMetadataMismatch",
    "UnboundedCredential",
    "VerifiedCredential",
    "check_claims",
    "check_credential_claims",
    "issue_credential",
    "key_from_metadata",
    "metadata_url",
    "parse_status",
    "receive_credential",
    "select_claims",
    "spec",
    "verify_credential",
]
