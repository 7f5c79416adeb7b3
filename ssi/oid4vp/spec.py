"""Every wire string of OpenID for Verifiable Presentations 1.0 that ``ssi`` uses.

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html

Views, wallets, verifiers and tests import these names instead of retyping the
strings (STYLE.md, "EUDI keeps every wire string of a protocol in one place").
"""

from __future__ import annotations

from typing import Final

from ..dcql import spec as dcql_spec

# --- invocation (§9, §13.1.2) -------------------------------------------------

OPENID4VP_SCHEME: Final = "openid4vp"
OPENID4VP_LINK_BASE: Final = "openid4vp://"

# --- request objects (§5, RFC 9101) --------------------------------------------

REQUEST_OBJECT_TYP: Final = "oauth-authz-req+jwt"
"""§5: Wallets MUST NOT process Request Objects without this ``typ``."""
REQUEST_OBJECT_MEDIA_TYPE: Final = "application/oauth-authz-req+jwt"
SELF_ISSUED_AUDIENCE: Final = "https://self-issued.me/v2"
"""§5.8: the ``aud`` of a Request Object under static discovery."""

# --- response types and modes (§5.6, §8.2, §8.3.1) -----------------------------

RESPONSE_TYPE_VP_TOKEN: Final = "vp_token"
RESPONSE_MODE_DIRECT_POST: Final = "direct_post"
RESPONSE_MODE_DIRECT_POST_JWT: Final = "direct_post.jwt"
RESPONSE_MODES: Final = frozenset({RESPONSE_MODE_DIRECT_POST, RESPONSE_MODE_DIRECT_POST_JWT})
"""The response modes ``ssi`` supports (no front-channel ``fragment``)."""

# --- client identifier prefixes (§5.9.3) ---------------------------------------

PREFIX_REDIRECT_URI: Final = "redirect_uri"
PREFIX_DECENTRALIZED_IDENTIFIER: Final = "decentralized_identifier"
PREFIX_X509_SAN_DNS: Final = "x509_san_dns"
PREFIX_X509_HASH: Final = "x509_hash"
PREFIX_OPENID_FEDERATION: Final = "openid_federation"
PREFIX_VERIFIER_ATTESTATION: Final = "verifier_attestation"
PREFIX_ORIGIN: Final = "origin"
SUPPORTED_CLIENT_ID_PREFIXES: Final = frozenset(
    {PREFIX_REDIRECT_URI, PREFIX_DECENTRALIZED_IDENTIFIER, PREFIX_X509_SAN_DNS, PREFIX_X509_HASH}
)
KNOWN_CLIENT_ID_PREFIXES: Final = SUPPORTED_CLIENT_ID_PREFIXES | {
    PREFIX_OPENID_FEDERATION,
    PREFIX_VERIFIER_ATTESTATION,
    PREFIX_ORIGIN,
}

# --- request_uri_method (§5.1, §5.10) -------------------------------------------

REQUEST_URI_METHOD_GET: Final = "get"
REQUEST_URI_METHOD_POST: Final = "post"
REQUEST_URI_METHODS: Final = frozenset({REQUEST_URI_METHOD_GET, REQUEST_URI_METHOD_POST})

# --- error codes (§8.5, RFC 6749 §4.1.2.1, RFC 9101 §6.2) ------------------------

ERROR_INVALID_REQUEST: Final = "invalid_request"
ERROR_INVALID_CLIENT: Final = "invalid_client"
ERROR_INVALID_REQUEST_URI: Final = "invalid_request_uri"
ERROR_INVALID_REQUEST_OBJECT: Final = "invalid_request_object"
ERROR_INVALID_REQUEST_URI_METHOD: Final = "invalid_request_uri_method"
ERROR_VP_FORMATS_NOT_SUPPORTED: Final = "vp_formats_not_supported"
ERROR_INVALID_TRANSACTION_DATA: Final = "invalid_transaction_data"
ERROR_ACCESS_DENIED: Final = "access_denied"
ERROR_WALLET_UNAVAILABLE: Final = "wallet_unavailable"
ERROR_CODES: Final = frozenset(
    {
        ERROR_INVALID_REQUEST,
        ERROR_INVALID_CLIENT,
        ERROR_INVALID_REQUEST_URI,
        ERROR_INVALID_REQUEST_OBJECT,
        ERROR_INVALID_REQUEST_URI_METHOD,
        ERROR_VP_FORMATS_NOT_SUPPORTED,
        ERROR_INVALID_TRANSACTION_DATA,
        ERROR_ACCESS_DENIED,
        ERROR_WALLET_UNAVAILABLE,
        "server_error",
        "temporarily_unavailable",
        "unauthorized_client",
        "unsupported_response_type",
    }
)

# --- credential format identifiers (Appendix B): defined with DCQL -------------

FORMAT_JWT_VC_JSON: Final = dcql_spec.FORMAT_JWT_VC_JSON
FORMAT_LDP_VC: Final = dcql_spec.FORMAT_LDP_VC
FORMAT_MSO_MDOC: Final = dcql_spec.FORMAT_MSO_MDOC
FORMAT_SD_JWT_VC: Final = dcql_spec.FORMAT_SD_JWT_VC

# --- encrypted responses (§8.3, HAIP 1.0 §5) -------------------------------------

JWE_ALG_ECDH_ES: Final = "ECDH-ES"
ENC_A128GCM: Final = "A128GCM"
ENC_A256GCM: Final = "A256GCM"
SUPPORTED_ENC_VALUES: Final = frozenset({ENC_A128GCM, ENC_A256GCM})
DEFAULT_ENC: Final = ENC_A128GCM
"""§5.1: without ``encrypted_response_enc_values_supported`` the only value is A128GCM."""

# --- transaction data (§5.1, Appendix B.3.3) -------------------------------------

HASH_ALG_SHA256: Final = "sha-256"
TRANSACTION_DATA_HASHES: Final = "transaction_data_hashes"
TRANSACTION_DATA_HASHES_ALG: Final = "transaction_data_hashes_alg"

# --- parameter names ---------------------------------------------------------------

VP_TOKEN: Final = "vp_token"
STATE: Final = "state"
RESPONSE: Final = "response"
WALLET_NONCE: Final = "wallet_nonce"
WALLET_METADATA: Final = "wallet_metadata"
ADDRESS_PROOF: Final = "address_proof"
"""Our extension (ARCHITECTURE.md, "Binding the address"): ``{message, signature}``."""
VERIFICATION_CODE: Final = "verification_code"
"""Our extension (docs/specs/openid4vp.md): a Request Object parameter holding the
short code that the verifier's cross-device page shows beside its QR code, so the
investor can compare it with the wallet's consent screen. Other wallets ignore it (§5)."""
VERIFICATION_CODE_ALPHABET: Final = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
"""Upper-case letters and digits without the look-alikes 0/O and 1/I."""
VERIFICATION_CODE_LENGTH: Final = 4
