"""The exceptions of :mod:`ssi`, and the one place library errors become ours.

Every failure in ``ssi`` raises a subclass of :class:`SSIError`; a failed check
raises, it never returns ``False``. Each class carries the OAuth 2.0 ``error``
code (RFC 6749 §5.2, OpenID4VCI 1.0 §7.3.1 / §8.3.1, OpenID4VP 1.0 §8.5) and the
HTTP status an endpoint answers with, so each app needs one error handler that
renders ``{"error": e.error, "error_description": str(e)}``.

The tree::

    SSIError                          error=server_error        500
    ├── InvalidRequest                error=invalid_request     400
    │   ├── MalformedInput            bad encoding, JSON, size, shape
    │   │   └── DuplicateMember       a JSON object names a member twice
    │   ├── InvalidGrant              error=invalid_grant
    │   ├── InvalidClient             error=invalid_client      401
    │   ├── InvalidCredentialRequest  error=invalid_credential_request
    │   ├── UnknownCredentialConfiguration
    │   │                             error=unknown_credential_configuration
    │   ├── InvalidTransactionData    error=invalid_transaction_data
    │   ├── InvalidRequestObject      error=invalid_request_object
    │   ├── InvalidClientIdentifier   error=invalid_client
    │   ├── VpFormatsNotSupported     error=vp_formats_not_supported
    │   ├── AccessDenied              error=access_denied       403
    │   └── RateLimited               error=slow_down           429
    ├── VerificationError             a signature or token check failed (400)
    │   ├── InvalidToken              a JWS/JWT that is not what it must be
    │   │   ├── AlgorithmNotAllowed   alg none, HMAC, or not the key's pinned alg
    │   │   ├── WrongType             the `typ` header is not the expected one
    │   │   ├── UnsupportedCritical   a `crit` header parameter
    │   │   ├── HeaderKeyRefused      jku, x5u, an embedded jwk, a foreign kid
    │   │   └── NotAJWS               a JWE (or anything else) where a JWS is due
    │   ├── InvalidSignature          the signature does not verify
    │   ├── ClaimMismatch             iss, aud, nonce, sd_hash, … differ
    │   ├── TimeInvalid               exp / nbf / iat outside the allowed skew
    │   ├── ReplayDetected            a single-use value was used before
    │   ├── InvalidDisclosure         an SD-JWT disclosure breaks RFC 9901 §7
    │   ├── InvalidProof              error=invalid_proof (OpenID4VCI proof JWT)
    │   ├── InvalidNonce              error=invalid_nonce (OpenID4VCI c_nonce)
    │   ├── UntrustedIssuer           no trusted key for this issuer
    │   ├── CertificateError          an x5c chain that does not verify to a root
    │   ├── CredentialStatusError     revoked / suspended / any non-valid status
    │   └── PolicyViolation           a disclosed claim breaks the verifier's policy
    ├── ResolutionError               a DID or metadata document cannot be used (400)
    │   └── UnsupportedDIDMethod
    └── FetchError                    the guarded fetcher refused or failed (502)
        ├── FetchBlocked              scheme, host or address not allowed (400)
        ├── FetchRedirect             the server answered with a redirect
        ├── FetchTooLarge             the body exceeded the size limit
        ├── FetchTimeout              no complete answer within the time limit
        └── FetchHTTPStatus           the server answered with a non-2xx status

``library_errors()`` is the one place where exceptions of jwcrypto, PyNaCl,
cryptography, didkit and eth-account are translated into this tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

__all__ = [
    "SSIError",
    "InvalidRequest",
    "MalformedInput",
    "DuplicateMember",
    "InvalidGrant",
    "InvalidClient",
    "InvalidCredentialRequest",
    "UnknownCredentialConfiguration",
    "InvalidTransactionData",
    "InvalidRequestObject",
    "InvalidClientIdentifier",
    "VpFormatsNotSupported",
    "AccessDenied",
    "RateLimited",
    "VerificationError",
    "InvalidToken",
    "AlgorithmNotAllowed",
    "WrongType",
    "UnsupportedCritical",
    "HeaderKeyRefused",
    "NotAJWS",
    "InvalidSignature",
    "ClaimMismatch",
    "TimeInvalid",
    "ReplayDetected",
    "InvalidDisclosure",
    "InvalidProof",
    "InvalidNonce",
    "UntrustedIssuer",
    "CertificateError",
    "CredentialStatusError",
    "PolicyViolation",
    "ResolutionError",
    "UnsupportedDIDMethod",
    "FetchError",
    "FetchBlocked",
    "FetchRedirect",
    "FetchTooLarge",
    "FetchTimeout",
    "FetchHTTPStatus",
    "library_errors",
]


class SSIError(Exception):
    """Root of every error raised by ``ssi`` (and by the apps built on it)."""

    error: ClassVar[str] = "server_error"
    status: ClassVar[int] = 500

    def __init__(self, description: str = "") -> None:
        super().__init__(description or self.__class__.__name__)
        self.description = description or self.__class__.__name__

    def to_dict(self) -> dict[str, str]:
        """The OAuth 2.0 error response body (RFC 6749 §5.2)."""
        return {"error": self.error, "error_description": self.description}


# --- the request is wrong ------------------------------------------------------


class InvalidRequest(SSIError):
    error = "invalid_request"
    status = 400


class MalformedInput(InvalidRequest):
    """Bad encoding, JSON, size or shape of something received."""


class DuplicateMember(MalformedInput):
    """A JSON object names a member twice (RFC 8725 §3.11, RFC 7515 §5.2)."""


class InvalidGrant(InvalidRequest):
    error = "invalid_grant"


class InvalidClient(InvalidRequest):
    error = "invalid_client"
    status = 401


class InvalidCredentialRequest(InvalidRequest):
    error = "invalid_credential_request"


class UnknownCredentialConfiguration(InvalidRequest):
    error = "unknown_credential_configuration"


class InvalidTransactionData(InvalidRequest):
    error = "invalid_transaction_data"


class InvalidRequestObject(InvalidRequest):
    error = "invalid_request_object"


class InvalidClientIdentifier(InvalidRequest):
    error = "invalid_client"


class VpFormatsNotSupported(InvalidRequest):
    error = "vp_formats_not_supported"


class AccessDenied(InvalidRequest):
    error = "access_denied"
    status = 403


class RateLimited(InvalidRequest):
    error = "slow_down"
    status = 429


# --- a check failed ------------------------------------------------------------


class VerificationError(SSIError):
    error = "invalid_request"
    status = 400


class InvalidToken(VerificationError):
    """A JWS/JWT that is not what it must be."""


class AlgorithmNotAllowed(InvalidToken):
    """``alg: none``, an HMAC, or any alg other than the key's pinned one."""


class WrongType(InvalidToken):
    """The ``typ`` header is missing or not the one this token must have."""


class UnsupportedCritical(InvalidToken):
    """A ``crit`` header parameter (RFC 7515 §4.1.11): we understand none."""


class HeaderKeyRefused(InvalidToken):
    """A key supplied by the token itself: ``jku``, ``x5u``, ``jwk``, a foreign ``kid``."""


class NotAJWS(InvalidToken):
    """A JWE or anything else where a compact JWS is expected."""


class InvalidSignature(VerificationError):
    pass


class ClaimMismatch(VerificationError):
    pass


class TimeInvalid(VerificationError):
    pass


class ReplayDetected(VerificationError):
    pass


class InvalidDisclosure(VerificationError):
    pass


class InvalidProof(VerificationError):
    error = "invalid_proof"


class InvalidNonce(VerificationError):
    error = "invalid_nonce"


class UntrustedIssuer(VerificationError):
    pass


class CertificateError(VerificationError):
    pass


class CredentialStatusError(VerificationError):
    pass


class PolicyViolation(VerificationError):
    error = "access_denied"
    status = 403


# --- resolution and fetching ---------------------------------------------------


class ResolutionError(SSIError):
    error = "invalid_request"
    status = 400


class UnsupportedDIDMethod(ResolutionError):
    pass


class FetchError(SSIError):
    error = "server_error"
    status = 502


class FetchBlocked(FetchError):
    error = "invalid_request"
    status = 400


class FetchRedirect(FetchError):
    pass


class FetchTooLarge(FetchError):
    pass


class FetchTimeout(FetchError):
    pass


class FetchHTTPStatus(FetchError):
    def __init__(self, description: str = "", http_status: int = 0) -> None:
        super().__init__(description)
        self.http_status = http_status


# --- library exceptions --------------------------------------------------------


@contextmanager
def library_errors(context: str, kind: type[SSIError] = InvalidSignature) -> Iterator[None]:
    """Translate third-party exceptions raised inside the block into ``kind``.

    The only place that knows the exception types of jwcrypto, PyNaCl,
    cryptography, eth-account and didkit (httpx ``map_httpcore_exceptions``).
    ``SSIError`` passes through unchanged.
    """
    import didkit
    from cryptography.exceptions import InvalidSignature as CryptoInvalidSignature
    from cryptography.exceptions import UnsupportedAlgorithm
    from jwcrypto.common import JWException
    from nacl.exceptions import CryptoError

    didkit_exception: type[Exception] = getattr(didkit, "DIDKitException")  # noqa: B009 (untyped)
    try:
        yield
    except SSIError:
        raise
    except didkit_exception as exc:
        raise kind(f"{context}: didkit: {exc}") from exc
    except (CryptoInvalidSignature, CryptoError) as exc:
        raise kind(f"{context}: signature or ciphertext does not verify") from exc
    except (JWException, UnsupportedAlgorithm) as exc:
        raise kind(f"{context}: {exc}") from exc
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        # eth-account, coincurve, didkit and the key loaders raise these on bad input
        raise kind(f"{context}: {exc}") from exc
