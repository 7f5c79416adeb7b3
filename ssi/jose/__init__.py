"""JOSE for ``ssi``: keys with pinned algorithms, compact JWS, JWT claim checks.

RFC 7515 (JWS), RFC 7517 (JWK), RFC 7518 / RFC 8037 / RFC 8812 (algorithms),
RFC 7519 (JWT), RFC 7638 (thumbprints), RFC 8725 (JWT best current practices).
"""

from . import jws, jwt
from .jws import CompactJWS
from .jwt import DEFAULT_SKEW, check_audience, check_issuer, check_times
from .keys import ALGORITHMS, Key, jwk_thumbprint

__all__ = [
    "ALGORITHMS",
    "DEFAULT_SKEW",
    "CompactJWS",
    "Key",
    "check_audience",
    "check_issuer",
    "check_times",
    "jwk_thumbprint",
    "jws",
    "jwt",
]
