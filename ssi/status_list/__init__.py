"""Token Status List (draft-ietf-oauth-status-list, oauth-wg @ 2fb61cd).

https://datatracker.ietf.org/doc/draft-ietf-oauth-status-list/

* :class:`StatusList`: the compressed byte array and its JSON form (§4);
* :func:`build_status_list_token` / :func:`verify_status_list_token`: the
  ``statuslist+jwt`` Status List Token (§5.1);
* :func:`parse_status_reference`: the Referenced Token's ``status`` claim (§6.2);
* :class:`ReferencedIssuer` / :func:`status_list_key`: whose keys may sign a
  Referenced Token's list (§11.3; ``iss`` is optional, §5.1);
* :class:`StatusChecker`: fetching, caching and fail-closed checking (§8);
* :mod:`~ssi.status_list.limits`: the largest list accepted (2^24 entries x
  2 bits) and the fetch, JWS and decompression caps derived from it;
* :class:`StatusRun`: many Referenced Tokens checked in one pass, each list
  fetched once.

JWT format only; CWT and Status List Aggregation (§9) are not implemented.
"""

from .checker import (
    MAX_CACHE_SECONDS,
    MIN_CACHE_SECONDS,
    CredentialRevoked,
    CredentialSuspended,
    FetchResponse,
    StatusChecker,
    WrongMediaType,
    status_list_fetch,
)
from .limits import (
    MAX_DECOMPRESSED_BYTES,
    MAX_ENTRIES,
    MAX_ENTRY_BITS,
    MAX_FETCH_BYTES,
    MAX_TOKEN_BYTES,
)
from .run import StatusRun
from .signers import ReferencedIssuer, status_list_key
from .spec import ID_KP_OAUTH_STATUS_SIGNING
from .status_list import (
    ALLOWED_BITS,
    INVALID,
    SUSPENDED,
    VALID,
    DecompressionLimitExceeded,
    StatusIndexOutOfRange,
    StatusList,
    compress,
    decompress,
)
from .token import (
    STATUS_LIST_MEDIA_TYPE,
    STATUS_LIST_TYP,
    KeyResolver,
    StatusListToken,
    StatusReference,
    build_status_list_token,
    parse_status_reference,
    verify_status_list_token,
)

__all__ = [
    "ALLOWED_BITS",
    "ID_KP_OAUTH_STATUS_SIGNING",
    "INVALID",
    "MAX_CACHE_SECONDS",
    "MAX_DECOMPRESSED_BYTES",
    "MAX_ENTRIES",
    "MAX_ENTRY_BITS",
    "MAX_FETCH_BYTES",
    "MAX_TOKEN_BYTES",
    "MIN_CACHE_SECONDS",
    "STATUS_LIST_MEDIA_TYPE",
    "STATUS_LIST_TYP",
    "SUSPENDED",
    "VALID",
    "CredentialRevoked",
    "CredentialSuspended",
    "DecompressionLimitExceeded",
    "FetchResponse",
    "KeyResolver",
    "ReferencedIssuer",
    "StatusChecker",
    "StatusIndexOutOfRange",
    "StatusList",
    "StatusListToken",
    "StatusReference",
    "StatusRun",
    "WrongMediaType",
    "build_status_list_token",
    "compress",
    "decompress",
    "parse_status_reference",
    "status_list_key",
    "status_list_fetch",
    "verify_status_list_token",
]
