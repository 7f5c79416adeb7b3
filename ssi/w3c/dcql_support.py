"""What :mod:`ssi.dcql` needs to match W3C credentials (OpenID4VP 1.0 §6, Appendix B.1).

For ``jwt_vc_json`` and ``ldp_vc`` a Credential Query names the format,
``meta.type_values`` (fully expanded type IRIs, B.1.1) and claims paths that
start at the credential's root (B.1.2: "not the Verifiable Presentation"),
e.g. ``["credentialSubject", "over18"]``. :func:`candidate` wraps a credential
as a :class:`ssi.dcql.CandidateCredential`: its ``claims`` are the
credential's root without ``proof``, with ``type`` replaced by the expanded
IRIs, because :mod:`ssi.dcql` compares ``type`` with ``type_values`` as is.
"""

from __future__ import annotations

from typing import Any

from ..dcql import CandidateCredential
from ..dcql.spec import META_TYPE_VALUES
from ..errors import MalformedInput
from ..jose import jws
from . import spec
from .context import expanded_types
from .predicates import PREDICATE_GROUPS, type_values

__all__ = ["candidate", "credential_document", "credential_query", "vp_formats_supported"]


def credential_document(credential: str | dict[str, Any], fmt: str) -> dict[str, Any]:
    """The root DCQL paths apply to: the ``vc`` of a VC-JWT, an LDP VC without ``proof``.

    Reads without verifying (a wallet matching what it holds).
    """
    if fmt == spec.FORMAT_JWT_VC_JSON and isinstance(credential, str):
        document = jws.parse(credential).claims().get("vc")
        if not isinstance(document, dict):
            raise MalformedInput("the VC-JWT has no 'vc' object")
        return document
    if fmt == spec.FORMAT_LDP_VC and isinstance(credential, dict):
        return {k: v for k, v in credential.items() if k != "proof"}
    raise MalformedInput(f"not a {fmt} credential")


def candidate(
    document: dict[str, Any], fmt: str, *, holder_binding: bool, ref: Any = None
) -> CandidateCredential:
    """A DCQL candidate for a credential root (see :func:`credential_document`).

    ``holder_binding``: a wallet says whether it holds the subject's key; a
    verifier passes true once the presentation verified.
    """
    if fmt not in spec.FORMATS:
        raise MalformedInput(f"{fmt!r} is not a W3C credential format")
    claims = {**document, "type": list(expanded_types(document))}
    return CandidateCredential(fmt, None, claims, holder_binding, ref)


def credential_query(
    query_id: str,
    group_type: str,
    fmt: str,
    values: dict[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """A DCQL Credential Query (§6.1) for one predicate credential.

    It asks for the group's required member and for each member in ``values``
    (member -> accepted values, §6.3, e.g. ``{"over18": [True]}``). The
    credential is disclosed whole anyway; asking for an optional member would
    only make credentials without it fail to match.
    """
    group = next((g for g in PREDICATE_GROUPS if g.type == group_type), None)
    if group is None or fmt not in spec.FORMATS:
        raise MalformedInput(f"no predicate credential {group_type!r} in {fmt!r}")
    values = values or {}
    unknown = set(values) - set(group.members)
    if unknown:
        raise MalformedInput(f"{group_type} has no members {sorted(unknown)}")
    claims: list[dict[str, Any]] = []
    for member in group.members:
        claim: dict[str, Any] = {"path": ["credentialSubject", member]}
        if member in values:
            claim["values"] = values[member]
        if member in group.required or member in values:
            claims.append(claim)
    return {
        "id": query_id,
        "format": fmt,
        "meta": {META_TYPE_VALUES: type_values(group_type)},
        "claims": claims,
    }


def vp_formats_supported(
    alg_values: frozenset[str] = spec.JWT_ALGS,
    proof_type_values: frozenset[str] = spec.ACCEPTED_PROOF_TYPES,
) -> dict[str, dict[str, list[str]]]:
    """The verifier's ``vp_formats_supported`` entries (OpenID4VP 1.0 B.1.3.1.3, B.1.3.2.3)."""
    return {
        spec.FORMAT_JWT_VC_JSON: {"alg_values": sorted(alg_values)},
        spec.FORMAT_LDP_VC: {"proof_type_values": sorted(proof_type_values)},
    }
