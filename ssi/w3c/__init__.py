"""W3C Verifiable Credentials (VC Data Model 1.1) through didkit 0.3.3.

https://www.w3.org/TR/vc-data-model/ ; OpenID4VP 1.0 Appendix B.1
(``jwt_vc_json``, ``ldp_vc``); design in ``docs/specs/w3c-vc.md``.

* :mod:`.predicates`: the KYC predicate credentials (one small VC per group);
* :mod:`.issuance`: their OpenID4VCI configurations, holder DID, batch issuance;
* :mod:`.credential`: build, issue (VC-JWT, Data Integrity) and verify;
* :mod:`.presentation`: the holder's VP over the verifier's nonce and client
  id, and its verification;
* :mod:`.dcql_support`: DCQL candidates (expanded types, paths from the VC root);
* :mod:`.runtime`: didkit's coroutines run on one background loop, its
  ``errors`` lists mapped to :mod:`ssi.errors`.

Issuers and holders are did:key / did:jwk (Ed25519 or P-256); did:web never
goes through didkit, which would fetch it on its own.
"""

from . import spec
from .context import (
    CONTEXT,
    KYC_CONTEXT,
    PRESENTATION_CONTEXT,
    context_digest,
    expanded_types,
    kyc_iri,
)
from .credential import VerifiedCredential, build_credential, issue_credential, verify_credential
from .dcql_support import candidate, credential_document, credential_query, vp_formats_supported
from .issuance import (
    configuration_id,
    credential_configurations,
    holder_did,
    issue_predicate_credentials,
)
from .predicates import PREDICATE_GROUPS, PredicateGroup, predicate_subjects, type_values
from .presentation import VerifiedPresentation, build_presentation, verify_presentation
from .runtime import DidkitRunner, DidkitTimeout
from .signer import DidSigner
from .status import parse_status_entry, status_entry

__all__ = [
    "CONTEXT",
    "KYC_CONTEXT",
    "PRESENTATION_CONTEXT",
    "PREDICATE_GROUPS",
    "DidSigner",
    "DidkitRunner",
    "DidkitTimeout",
    "PredicateGroup",
    "VerifiedCredential",
    "VerifiedPresentation",
    "build_credential",
    "build_presentation",
    "candidate",
    "configuration_id",
    "context_digest",
    "credential_configurations",
    "holder_did",
    "issue_predicate_credentials",
    "credential_document",
    "credential_query",
    "expanded_types",
    "issue_credential",
    "kyc_iri",
    "parse_status_entry",
    "predicate_subjects",
    "spec",
    "status_entry",
    "type_values",
    "verify_credential",
    "verify_presentation",
    "vp_formats_supported",
]
