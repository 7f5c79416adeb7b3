"""Wire strings of SD-JWT VC (draft-ietf-oauth-sd-jwt-vc), in one place.

https://datatracker.ietf.org/doc/draft-ietf-oauth-sd-jwt-vc/
"""

from __future__ import annotations

__all__ = [
    "SD_JWT_VC_TYP",
    "LEGACY_TYP",
    "WELL_KNOWN_JWT_VC_ISSUER",
    "NON_DISCLOSABLE_CLAIMS",
    "SD_VALUES",
]

SD_JWT_VC_TYP = "dc+sd-jwt"
"""§2.2.1: the ``typ`` of the Issuer-signed JWT (media type ``application/dc+sd-jwt``)."""

LEGACY_TYP = "vc+sd-jwt"
"""The ``typ`` used until November 2024. The current draft dropped the transition
note that asked Verifiers to accept it, so it is refused like any other value."""

WELL_KNOWN_JWT_VC_ISSUER = "/.well-known/jwt-vc-issuer"
"""§4: inserted between the host and the path of ``iss``."""

NON_DISCLOSABLE_CLAIMS = frozenset(
    {"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "aka_vcts", "status"}
)
"""§2.2.2.3: these (and their sub-claims) MUST NOT be selectively disclosed."""

SD_VALUES = frozenset({"always", "allowed", "never"})
"""§5.6.4 (Type Metadata ``claims[].sd``)."""
