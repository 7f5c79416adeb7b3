"""Every wire string of the W3C VC formats that ``ssi.w3c`` uses.

W3C Verifiable Credentials Data Model 1.1 (https://www.w3.org/TR/vc-data-model/),
OpenID4VP 1.0 Appendix B.1 (``jwt_vc_json``, ``ldp_vc``), the VC-JWT encoding
of VC DM 1.1 §6.3.1, and the KYC vocabulary of this project (``docs/specs/w3c-vc.md``).
"""

from __future__ import annotations

from typing import Final

from ..oid4vp.spec import FORMAT_JWT_VC_JSON, FORMAT_LDP_VC

__all__ = [
    "FORMAT_JWT_VC_JSON",
    "FORMAT_LDP_VC",
    "FORMATS",
    "VC_CONTEXT_V1",
    "VC_VOCAB",
    "TYPE_VERIFIABLE_CREDENTIAL",
    "TYPE_VERIFIABLE_PRESENTATION",
    "KYC_VOCAB",
    "STATUS_ENTRY_TYPE",
    "PROOF_ED25519_2020",
    "PROOF_P256_2019",
    "PROOF_ED25519_2018",
    "PROOF_JWS_2020",
    "PROOF_TYPES",
    "ACCEPTED_PROOF_TYPES",
    "JWT_ALGS",
    "SUPPORTED_DID_METHODS",
    "PURPOSE_ASSERTION",
    "PURPOSE_AUTHENTICATION",
    "PROOF_CONTEXTS",
    "PROOF_MEMBERS",
]

FORMATS: Final = frozenset({FORMAT_JWT_VC_JSON, FORMAT_LDP_VC})
"""OpenID4VP 1.0 Appendix B.1.3.1 / B.1.3.2 and OpenID4VCI 1.0 Appendix A.1 format ids."""

# --- VC Data Model 1.1 -----------------------------------------------------------

VC_CONTEXT_V1: Final = "https://www.w3.org/2018/credentials/v1"
"""VC DM 1.1 §4.1: the first ``@context`` value. didkit 0.3.3 knows no 2.0 context."""
VC_VOCAB: Final = "https://www.w3.org/2018/credentials#"
TYPE_VERIFIABLE_CREDENTIAL: Final = "VerifiableCredential"
TYPE_VERIFIABLE_PRESENTATION: Final = "VerifiablePresentation"

# --- the KYC vocabulary (docs/specs/w3c-vc.md) ------------------------------------

KYC_VOCAB: Final = "urn:kyc-wallet:vocab#"
"""Base IRI of our terms; a URN like the SD-JWT VC ``vct`` ``urn:kyc-wallet:vct:kyc:1``."""
STATUS_ENTRY_TYPE: Final = "TokenStatusListEntry"
"""Our ``credentialStatus`` type: an ``idx`` into the ``statuslist+jwt`` at ``uri``."""

# --- proofs ------------------------------------------------------------------------

PROOF_ED25519_2020: Final = "Ed25519Signature2020"
"""The Data Integrity suite for Ed25519 keys (didkit's default would be the 2018 one)."""
PROOF_P256_2019: Final = "EcdsaSecp256r1Signature2019"
"""The only LDP suite didkit 0.3.3 offers for P-256 keys."""
PROOF_ED25519_2018: Final = "Ed25519Signature2018"
"""didkit's default suite for Ed25519 keys: accepted from other issuers and wallets."""
PROOF_JWS_2020: Final = "JsonWebSignature2020"
PROOF_TYPES: Final = frozenset({PROOF_ED25519_2020, PROOF_P256_2019})
"""The suites we sign with."""
ACCEPTED_PROOF_TYPES: Final = PROOF_TYPES | {PROOF_ED25519_2018, PROOF_JWS_2020}
"""The suites we verify (all verified by didkit 0.3.3); narrow with ``proof_type_values``."""
JWT_ALGS: Final = frozenset({"EdDSA", "ES256"})
"""VC-JWT / VP-JWT algorithms issued and accepted (both verify in didkit 0.3.3)."""
SUPPORTED_DID_METHODS: Final = frozenset({"key", "jwk"})
"""Resolved offline by didkit; did:web never reaches didkit (it would fetch by itself)."""

PURPOSE_ASSERTION: Final = "assertionMethod"
PURPOSE_AUTHENTICATION: Final = "authentication"

PROOF_CONTEXTS: Final[dict[str, list[str] | None]] = {
    PROOF_ED25519_2020: ["https://w3id.org/security/suites/ed25519-2020/v1"],
    PROOF_JWS_2020: ["https://w3id.org/security/suites/jws-2020/v1"],
    PROOF_ED25519_2018: None,
    PROOF_P256_2019: None,
}
"""The proof's own ``@context`` per suite, exactly as didkit 0.3.3 writes it
(``None``: no member; the VC DM 1.1 context defines the 2018/2019 suites)."""
PROOF_MEMBERS: Final = frozenset(
    {
        "@context",
        "type",
        "proofPurpose",
        "verificationMethod",
        "created",
        "expires",
        "proofValue",
        "jws",
        "challenge",
        "domain",
        "nonce",
    }
)
"""The proof members every accepted suite's context defines: nothing else is read or allowed."""
