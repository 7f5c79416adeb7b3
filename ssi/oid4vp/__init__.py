"""OpenID for Verifiable Presentations 1.0: messages only (no HTTP, no web framework).

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html

Requests (§5) and their links, client identifier prefixes (§5.9), signed
Request Objects (§5.8-§5.10), responses (§8.1) in ``direct_post`` (§8.2) and
``direct_post.jwt`` (§8.3), and transaction data (§8.4). The DCQL query
language is :mod:`ssi.dcql`.
"""

from . import spec
from .client_id import ClientIdentifier, check_response_uri
from .client_metadata import ClientMetadata, ephemeral_encryption_key
from .encrypted_response import (
    DecryptionFailed,
    InvalidEncryptedResponse,
    choose_enc,
    decrypt_response,
    decryption_key,
    encrypt_response,
    parse_direct_post_jwt,
    remember_decryption_key,
)
from .nonces import RandomBytes, new_nonce, new_state
from .request import AuthorizationRequest
from .request_object import (
    ResolveDidKey,
    VerifiedRequest,
    WalletTrust,
    accept_unsigned_request,
    sign_request_object,
    verify_request_object,
)
from .request_uri import (
    InvalidRequestUri,
    InvalidRequestUriMethod,
    RequestReference,
    WalletPost,
    answer_wallet_post,
    build_request_link,
    parse_form,
    parse_request_link,
)
from .response import (
    AddressProof,
    AuthorizationErrorResponse,
    AuthorizationResponse,
    check_vp_token_ids,
    parse_direct_post,
)
from .transaction_data import (
    TransactionData,
    TransactionDataHashMismatch,
    TypeValidator,
    check_transaction_data,
    check_transaction_data_hashes,
    decode_transaction_data,
    encode_transaction_data,
    kb_jwt_transaction_claims,
    transaction_data_hash,
)

__all__ = [
    "AddressProof",
    "AuthorizationErrorResponse",
    "AuthorizationRequest",
    "AuthorizationResponse",
    "ClientIdentifier",
    "ClientMetadata",
    "DecryptionFailed",
    "InvalidEncryptedResponse",
    "InvalidRequestUri",
    "InvalidRequestUriMethod",
    "RandomBytes",
    "RequestReference",
    "ResolveDidKey",
    "TransactionData",
    "TransactionDataHashMismatch",
    "TypeValidator",
    "VerifiedRequest",
    "WalletPost",
    "WalletTrust",
    "accept_unsigned_request",
    "answer_wallet_post",
    "build_request_link",
    "check_response_uri",
    "check_transaction_data",
    "check_transaction_data_hashes",
    "check_vp_token_ids",
    "choose_enc",
    "decode_transaction_data",
    "decrypt_response",
    "decryption_key",
    "remember_decryption_key",
    "encode_transaction_data",
    "encrypt_response",
    "ephemeral_encryption_key",
    "kb_jwt_transaction_claims",
    "new_nonce",
    "new_state",
    "parse_direct_post",
    "parse_direct_post_jwt",
    "parse_form",
    "parse_request_link",
    "sign_request_object",
    "spec",
    "transaction_data_hash",
    "verify_request_object",
]
