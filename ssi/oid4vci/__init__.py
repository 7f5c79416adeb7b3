"""OpenID for Verifiable Credential Issuance 1.0: the messages, no HTTP.

OpenID4VCI 1.0 (openid/OpenID4VCI @ 2d9fd4a),
https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html.

* :mod:`.spec`: every wire string (paths, grant type, ``typ``, error codes);
* :mod:`.offer`: the Credential Offer and its link (§4.1);
* :mod:`.issuer_metadata`: Credential Issuer Metadata (§12.2);
* :mod:`.discovery`: well-known URLs and Authorization Server Metadata (§12.3);
* :mod:`.token`: Token Request / Response (§6) and Nonce Response (§7);
* :mod:`.credential`: Credential Request / Response (§8);
* :mod:`.proof`: the ``jwt`` key proof (Appendix F.1, F.4);
* :mod:`.errors`: the error codes of §6.3 and §8.3.1.2 as exceptions.

Supported: the pre-authorized code flow with ``tx_code``, the Nonce Endpoint,
``jwt`` proofs with a header ``jwk`` or a DID ``kid``, batch issuance, deferred
responses (as messages). Not implemented here: the authorization code flow,
``di_vp`` / ``attestation`` proof verification, key attestations, encrypted
requests and responses, signed metadata.
"""

from . import spec
from .credential import CredentialRequest, CredentialResponse
from .discovery import (
    AuthorizationServerMetadata,
    MetadataIssuerMismatch,
    authorization_server_metadata_url,
    credential_issuer_metadata_url,
    well_known_url,
)
from .errors import (
    ERROR_CLASSES,
    CredentialRequestDenied,
    InvalidAccessToken,
    InvalidEncryptionParameters,
    UnknownCredentialIdentifier,
    UnsupportedGrantType,
    error_from_response,
)
from .issuer_metadata import CredentialConfiguration, CredentialIssuerMetadata, ProofTypeMetadata
from .offer import (
    AuthorizationCodeGrant,
    CredentialOffer,
    OfferLink,
    PreAuthorizedCodeGrant,
    TxCode,
    build_offer_link,
    parse_offer_link,
)
from .proof import DEFAULT_MAX_AGE, DidKeyResolver, NonceCheck, build_proof, verify_proof
from .token import NonceResponse, TokenRequest, TokenResponse

__all__ = [
    "DEFAULT_MAX_AGE",
    "ERROR_CLASSES",
    "AuthorizationCodeGrant",
    "AuthorizationServerMetadata",
    "CredentialConfiguration",
    "CredentialIssuerMetadata",
    "CredentialOffer",
    "CredentialRequest",
    "CredentialRequestDenied",
    "CredentialResponse",
    "DidKeyResolver",
    "InvalidAccessToken",
    "InvalidEncryptionParameters",
    "MetadataIssuerMismatch",
    "NonceCheck",
    "NonceResponse",
    "OfferLink",
    "PreAuthorizedCodeGrant",
    "ProofTypeMetadata",
    "TokenRequest",
    "TokenResponse",
    "TxCode",
    "UnknownCredentialIdentifier",
    "UnsupportedGrantType",
    "authorization_server_metadata_url",
    "build_offer_link",
    "build_proof",
    "credential_issuer_metadata_url",
    "error_from_response",
    "parse_offer_link",
    "spec",
    "verify_proof",
    "well_known_url",
]
