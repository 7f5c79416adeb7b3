"""Every wire string of OpenID for Verifiable Credential Issuance 1.0 in one place.

OpenID4VCI 1.0 (openid/OpenID4VCI @ 2d9fd4a),
https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html.
Views, wallets and tests import these names instead of retyping the strings
(EUDI ``OpenId4VCISpec`` style).
"""

from __future__ import annotations

from typing import Final

# --- discovery (§12.2.2, §12.3, RFC 8414 §3) ---------------------------------------------
WELL_KNOWN_CREDENTIAL_ISSUER: Final = "/.well-known/openid-credential-issuer"
WELL_KNOWN_OAUTH_AUTHORIZATION_SERVER: Final = "/.well-known/oauth-authorization-server"

# --- Credential Offer (§4.1) ----------------------------------------------------------------
CREDENTIAL_OFFER_SCHEME: Final = "openid-credential-offer://"
CREDENTIAL_OFFER: Final = "credential_offer"
CREDENTIAL_OFFER_URI: Final = "credential_offer_uri"
TX_CODE_INPUT_MODES: Final = frozenset({"numeric", "text"})
TX_CODE_DESCRIPTION_MAX: Final = 300

# --- grants (§4.1.1, §6.1) -------------------------------------------------------------------
GRANT_AUTHORIZATION_CODE: Final = "authorization_code"
GRANT_PRE_AUTHORIZED_CODE: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PRE_AUTHORIZED_CODE: Final = "pre-authorized_code"
TX_CODE: Final = "tx_code"
TOKEN_TYPE_BEARER: Final = "Bearer"
TOKEN_TYPE_DPOP: Final = "DPoP"

# --- Authorization Server metadata (§12.3) ------------------------------------------------------
PRE_AUTHORIZED_GRANT_ANONYMOUS_ACCESS_SUPPORTED: Final = (
    "pre-authorized_grant_anonymous_access_supported"
)

# --- proofs (§8.2, Appendix F.1) ----------------------------------------------------------------
PROOF_TYPE_JWT: Final = "jwt"
PROOF_TYPE_DI_VP: Final = "di_vp"
PROOF_TYPE_ATTESTATION: Final = "attestation"
PROOF_JWT_TYP: Final = "openid4vci-proof+jwt"
SIGNED_METADATA_TYP: Final = "openidvci-issuer-metadata+jwt"

# --- formats (Appendix A) ---------------------------------------------------------------------
FORMAT_SD_JWT_VC: Final = "dc+sd-jwt"
FORMAT_JWT_VC_JSON: Final = "jwt_vc_json"
FORMAT_LDP_VC: Final = "ldp_vc"
FORMAT_MSO_MDOC: Final = "mso_mdoc"
BINDING_METHOD_JWK: Final = "jwk"

# --- media types -----------------------------------------------------------------------------
MEDIA_TYPE_JSON: Final = "application/json"
MEDIA_TYPE_FORM: Final = "application/x-www-form-urlencoded"

# --- error codes: RFC 6749 §5.2 (token endpoint), §8.3.1.2 (credential endpoint) ---------------
ERROR_INVALID_REQUEST: Final = "invalid_request"
ERROR_INVALID_GRANT: Final = "invalid_grant"
ERROR_INVALID_CLIENT: Final = "invalid_client"
ERROR_UNSUPPORTED_GRANT_TYPE: Final = "unsupported_grant_type"
ERROR_INVALID_TOKEN: Final = "invalid_token"
ERROR_INVALID_CREDENTIAL_REQUEST: Final = "invalid_credential_request"
ERROR_UNKNOWN_CREDENTIAL_CONFIGURATION: Final = "unknown_credential_configuration"
ERROR_UNKNOWN_CREDENTIAL_IDENTIFIER: Final = "unknown_credential_identifier"
ERROR_INVALID_PROOF: Final = "invalid_proof"
ERROR_INVALID_NONCE: Final = "invalid_nonce"
ERROR_INVALID_ENCRYPTION_PARAMETERS: Final = "invalid_encryption_parameters"
ERROR_CREDENTIAL_REQUEST_DENIED: Final = "credential_request_denied"
