"""What an OpenID4VCI issuer needs to offer and issue the predicate credentials.

* :func:`credential_configurations`: the ``credential_configurations_supported``
  entries (OpenID4VCI 1.0 §12.2.4 with Appendix A.1.1 ``jwt_vc_json`` /
  A.1.2 ``ldp_vc``: ``credential_definition`` with ``type``, and ``@context``
  for ``ldp_vc``), one per predicate group and format, DID-bound
  (``cryptographic_binding_methods_supported`` ``did:key``, ``did:jwk``);
* :func:`holder_did`: the DID to put in ``credentialSubject.id`` from a
  verified ``jwt`` key proof: the DID its ``kid`` names, or the did:jwk of
  its ``jwk`` (the wallet then presents with ``DidSigner.from_key(key, "jwk")``);
* :func:`issue_predicate_credentials`: every group the KYC claims can fill,
  signed in one format.
"""

from __future__ import annotations

from typing import Any

from ..did import did_jwk_from_key, parse_did_url
from ..errors import InvalidProof
from ..jose import Key
from ..oid4vci import spec as vci_spec
from ..oid4vci.issuer_metadata import CredentialConfiguration, ProofTypeMetadata
from ..status_list import StatusReference
from . import spec
from .context import CONTEXT
from .credential import build_credential, issue_credential
from .predicates import PREDICATE_GROUPS, predicate_subjects
from .signer import DidSigner

__all__ = [
    "BINDING_METHODS",
    "configuration_id",
    "credential_configurations",
    "holder_did",
    "issue_predicate_credentials",
]

BINDING_METHODS = tuple(f"did:{m}" for m in sorted(spec.SUPPORTED_DID_METHODS))


def configuration_id(group_type: str, fmt: str) -> str:
    """``KycAgeCredential`` + ``ldp_vc`` -> ``kyc_age_ldp_vc``."""
    short = group_type.removeprefix("Kyc").removesuffix("Credential").lower()
    return f"kyc_{short}_{fmt}"


def credential_configurations(
    signer: DidSigner, proof_algs: tuple[str, ...] = ("ES256", "EdDSA")
) -> dict[str, CredentialConfiguration]:
    """``credential_configurations_supported`` entries for every group in both formats."""
    configurations: dict[str, CredentialConfiguration] = {}
    for group in PREDICATE_GROUPS:
        for fmt in (spec.FORMAT_JWT_VC_JSON, spec.FORMAT_LDP_VC):
            definition: dict[str, Any] = {"type": [spec.TYPE_VERIFIABLE_CREDENTIAL, group.type]}
            if fmt == spec.FORMAT_LDP_VC:
                definition = {"@context": CONTEXT, **definition}
            signing = signer.key.alg if fmt == spec.FORMAT_JWT_VC_JSON else signer.proof_type
            claims = [{"path": ["credentialSubject", member]} for member in group.members]
            configurations[configuration_id(group.type, fmt)] = CredentialConfiguration(
                format=fmt,
                cryptographic_binding_methods_supported=BINDING_METHODS,
                credential_signing_alg_values_supported=(signing,),
                proof_types_supported={vci_spec.PROOF_TYPE_JWT: ProofTypeMetadata(proof_algs)},
                credential_metadata={"claims": claims},
                extra={"credential_definition": definition},
            )
    return configurations


def holder_did(proof_header: dict[str, Any], key: Key) -> str:
    """``credentialSubject.id`` for the key a verified ``jwt`` proof returned.

    Raises :class:`~ssi.errors.InvalidProof` for a key W3C presentations
    cannot use (not EdDSA or ES256) or a ``kid`` of another DID method.
    """
    if key.alg not in spec.JWT_ALGS:
        raise InvalidProof(f"W3C credentials bind EdDSA or ES256 keys, not {key.alg}")
    kid = proof_header.get("kid")
    if kid is None:
        return did_jwk_from_key(key)
    did = parse_did_url(kid)[0]
    if did.split(":")[1] not in spec.SUPPORTED_DID_METHODS:
        raise InvalidProof("W3C credentials bind a did:key or did:jwk holder")
    return did


def issue_predicate_credentials(
    kyc_claims: dict[str, Any],
    signer: DidSigner,
    fmt: str,
    *,
    holder: str,
    issued: int,
    expires: int,
    status: StatusReference | None,
) -> dict[str, str | dict[str, Any]]:
    """``{type: credential}`` for every group ``kyc_claims`` can fill, signed as ``fmt``."""
    return {
        vc_type: issue_credential(
            build_credential(
                vc_type,
                members,
                issuer=signer.did,
                holder=holder,
                issued=issued,
                expires=expires,
                status=status,
            ),
            signer,
            fmt,
        )
        for vc_type, members in predicate_subjects(kyc_claims).items()
    }
