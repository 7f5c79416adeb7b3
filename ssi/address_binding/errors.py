"""Why an address proof or its binding to a presentation is refused.

Each refusal of SECURITY.md "Addresses and whitelisting" has its own class, a
subclass of the :mod:`ssi.errors` class that says what kind of failure it is::

    VerificationError
    ├── AddressProofError           base of the malformed-input refusals below
    │   ├── MalformedSiweMessage    the text breaks the EIP-4361 ABNF
    │   └── BadChecksum             an address that is not EIP-55 checksummed
    ├── InvalidSignature
    │   └── SignerMismatch          the signature recovers another address
    ├── ClaimMismatch
    │   ├── DomainMismatch          EIP-4361 domain is not the response_uri's
    │   ├── UriMismatch             uri is not the response_uri
    │   ├── NonceMismatch           nonce is not the request's
    │   ├── ChainMismatch           chain id is not the transaction data's
    │   ├── RequestIdMismatch       request-id is not the request's state
    │   ├── ResourcesMismatch       resources do not name the registry alone
    │   ├── AudienceMismatch        the KB-JWT aud is not the full client_id
    │   └── AddressMismatch         the KB-JWT names another address
    └── TimeInvalid
        ├── IssuedInFuture          issued-at after now + skew
        ├── NotYetValid             not-before after now + skew
        └── MessageExpired          expiration-time passed (or absent)
"""

from __future__ import annotations

from ..errors import ClaimMismatch, InvalidSignature, TimeInvalid, VerificationError

__all__ = [
    "AddressProofError",
    "MalformedSiweMessage",
    "BadChecksum",
    "SignerMismatch",
    "DomainMismatch",
    "UriMismatch",
    "NonceMismatch",
    "ChainMismatch",
    "RequestIdMismatch",
    "ResourcesMismatch",
    "AddressMismatch",
    "AudienceMismatch",
    "IssuedInFuture",
    "NotYetValid",
    "MessageExpired",
]


class AddressProofError(VerificationError):
    """The address proof cannot be read."""


class MalformedSiweMessage(AddressProofError):
    pass


class BadChecksum(AddressProofError):
    pass


class SignerMismatch(InvalidSignature):
    pass


class DomainMismatch(ClaimMismatch):
    pass


class UriMismatch(ClaimMismatch):
    pass


class NonceMismatch(ClaimMismatch):
    pass


class ChainMismatch(ClaimMismatch):
    pass


class RequestIdMismatch(ClaimMismatch):
    pass


class ResourcesMismatch(ClaimMismatch):
    pass


class AudienceMismatch(ClaimMismatch):
    pass


class AddressMismatch(ClaimMismatch):
    pass


class IssuedInFuture(TimeInvalid):
    pass


class NotYetValid(TimeInvalid):
    pass


class MessageExpired(TimeInvalid):
    pass
