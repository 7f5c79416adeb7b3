"""OpenID4VCI 1.0 error responses as :mod:`ssi.errors` classes.

§6.3 (Token Error Response, RFC 6749 §5.2) and §8.3.1.2 (Credential Request
Errors). Codes already in :mod:`ssi.errors` are reused (``InvalidRequest``,
``InvalidGrant``, ``InvalidClient``, ``InvalidCredentialRequest``,
``UnknownCredentialConfiguration``, ``InvalidProof``, ``InvalidNonce``); the
others are defined here. :func:`error_from_response` turns a received error
body back into the matching exception (the wallet side).
"""

from __future__ import annotations

from typing import Any

from ..errors import (
    AccessDenied,
    InvalidClient,
    InvalidCredentialRequest,
    InvalidGrant,
    InvalidNonce,
    InvalidProof,
    InvalidRequest,
    MalformedInput,
    SSIError,
    UnknownCredentialConfiguration,
)
from . import spec

__all__ = [
    "UnsupportedGrantType",
    "InvalidAccessToken",
    "UnknownCredentialIdentifier",
    "InvalidEncryptionParameters",
    "CredentialRequestDenied",
    "ERROR_CLASSES",
    "error_from_response",
]


class UnsupportedGrantType(InvalidRequest):
    """RFC 6749 §5.2: the grant type is not supported by the authorization server."""

    error = spec.ERROR_UNSUPPORTED_GRANT_TYPE


class InvalidAccessToken(InvalidRequest):
    """§8.3.1.1 / RFC 6750 §3.1: the access token is missing, expired or revoked."""

    error = spec.ERROR_INVALID_TOKEN
    status = 401


class UnknownCredentialIdentifier(InvalidRequest):
    """§8.3.1.2: the requested Credential identifier is unknown."""

    error = spec.ERROR_UNKNOWN_CREDENTIAL_IDENTIFIER


class InvalidEncryptionParameters(InvalidRequest):
    """§8.3.1.2: encryption parameters invalid, or missing where encryption is required."""

    error = spec.ERROR_INVALID_ENCRYPTION_PARAMETERS


class CredentialRequestDenied(InvalidRequest):
    """§8.3.1.2: the Credential Request was not accepted; the wallet must not retry."""

    error = spec.ERROR_CREDENTIAL_REQUEST_DENIED


ERROR_CLASSES: dict[str, type[SSIError]] = {
    spec.ERROR_INVALID_REQUEST: InvalidRequest,
    spec.ERROR_INVALID_GRANT: InvalidGrant,
    spec.ERROR_INVALID_CLIENT: InvalidClient,
    spec.ERROR_UNSUPPORTED_GRANT_TYPE: UnsupportedGrantType,
    spec.ERROR_INVALID_TOKEN: InvalidAccessToken,
    spec.ERROR_INVALID_CREDENTIAL_REQUEST: InvalidCredentialRequest,
    spec.ERROR_UNKNOWN_CREDENTIAL_CONFIGURATION: UnknownCredentialConfiguration,
    spec.ERROR_UNKNOWN_CREDENTIAL_IDENTIFIER: UnknownCredentialIdentifier,
    spec.ERROR_INVALID_PROOF: InvalidProof,
    spec.ERROR_INVALID_NONCE: InvalidNonce,
    spec.ERROR_INVALID_ENCRYPTION_PARAMETERS: InvalidEncryptionParameters,
    spec.ERROR_CREDENTIAL_REQUEST_DENIED: CredentialRequestDenied,
    "access_denied": AccessDenied,
}
"""Each error code of the token and credential endpoints, with its class."""


def error_from_response(body: Any) -> SSIError:
    """The exception for a received ``{"error", "error_description"}`` body (§8.3.1.2).

    An unknown code gives a plain :class:`~ssi.errors.SSIError` carrying it.
    """
    if not isinstance(body, dict) or not isinstance(body.get("error"), str):
        return MalformedInput("the error response has no 'error' string")
    code = body["error"]
    description = body.get("error_description")
    text = f"{code}: {description}" if isinstance(description, str) else code
    cls = ERROR_CLASSES.get(code)
    if cls is None:
        return SSIError(f"unknown error code {text}")
    return cls(text)
