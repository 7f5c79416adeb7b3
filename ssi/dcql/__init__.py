"""Digital Credentials Query Language (OpenID4VP 1.0 §6, §7).

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html#section-6
"""

from .claims_path import ClaimsPath, PathError, select, validate_path
from .matching import (
    Candidate,
    CandidateCredential,
    CredentialMatch,
    DcqlMatch,
    match,
    match_credential,
    select_claims,
)
from .presentation_check import QueryNotSatisfied, check_presentation, check_response
from .query import (
    ClaimsQuery,
    CredentialQuery,
    CredentialSetQuery,
    DcqlQuery,
    InvalidDcqlQuery,
    TrustedAuthoritiesQuery,
)

__all__ = [
    "Candidate",
    "CandidateCredential",
    "ClaimsPath",
    "ClaimsQuery",
    "CredentialMatch",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlMatch",
    "DcqlQuery",
    "InvalidDcqlQuery",
    "PathError",
    "QueryNotSatisfied",
    "TrustedAuthoritiesQuery",
    "check_presentation",
    "check_response",
    "match",
    "match_credential",
    "select",
    "select_claims",
    "validate_path",
]
