"""Proof of address control bound to an OpenID4VP presentation, for ERC-3643 whitelisting.

EIP-55, EIP-191, EIP-4361 (Sign-In with Ethereum), CAIP-2 / CAIP-10, and the
``erc3643_whitelist`` transaction data type (ARCHITECTURE.md, "Binding the
address to the presentation").
"""

from .binding import (
    VerifiedWhitelisting,
    build_address_proof,
    expected_siwe,
    siwe_nonce,
    verify_address_binding,
    whitelist_entry,
)
from .errors import (
    AddressMismatch,
    AddressProofError,
    AudienceMismatch,
    BadChecksum,
    ChainMismatch,
    DomainMismatch,
    IssuedInFuture,
    MalformedSiweMessage,
    MessageExpired,
    NonceMismatch,
    NotYetValid,
    RequestIdMismatch,
    ResourcesMismatch,
    SignerMismatch,
    UriMismatch,
)
from .eth import caip2, caip10, checksum_address, parse_caip2_eip155, personal_sign, recover_signer
from .siwe import ExpectedSiwe, SiweMessage, format_time, verify_siwe
from .whitelist import ERC3643_WHITELIST, WHITELIST_ADDRESS_CLAIM, Erc3643Whitelist

__all__ = [
    "ERC3643_WHITELIST",
    "WHITELIST_ADDRESS_CLAIM",
    "AddressMismatch",
    "AddressProofError",
    "AudienceMismatch",
    "BadChecksum",
    "ChainMismatch",
    "DomainMismatch",
    "Erc3643Whitelist",
    "ExpectedSiwe",
    "IssuedInFuture",
    "MalformedSiweMessage",
    "MessageExpired",
    "NonceMismatch",
    "NotYetValid",
    "RequestIdMismatch",
    "ResourcesMismatch",
    "SignerMismatch",
    "SiweMessage",
    "UriMismatch",
    "VerifiedWhitelisting",
    "build_address_proof",
    "caip2",
    "caip10",
    "checksum_address",
    "expected_siwe",
    "format_time",
    "parse_caip2_eip155",
    "personal_sign",
    "recover_signer",
    "siwe_nonce",
    "verify_address_binding",
    "verify_siwe",
    "whitelist_entry",
]
