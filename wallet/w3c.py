"""The W3C predicate credentials in the wallet (docs/specs/w3c-vc.md).

Receiving (OpenID4VCI 1.0 §8, after the SD-JWT VC of the same offer, with
the same access token): one fresh Ed25519 holder key per credential, its
did:key named by the proof's ``kid`` so the issuer binds the credential to
it (``credentialSubject.id``). The credential is verified with ``ssi.w3c``
(signature by the issuer DID it names: the wallet received it directly from
the issuer the investor accepted, over the guarded fetcher), its whole
``@context`` must be the one kyc-wallet publishes and every member must
expand under it (so the claims shown are the ones the proof signs), its
subject must be our DID, its type the configuration's, and its status valid.

Stored like the SD-JWT VC: one encrypted vault item with the private key.
``claims`` holds the subject's members plus ``iss`` (the issuer URL), ``iat``,
``exp`` and ``status`` in the SD-JWT VC's shape, so listing, expiry and the
status check are shared with SD-JWT VCs.

Presenting (OpenID4VP 1.0 Appendix B.1): DCQL matching through
``ssi.w3c.candidate``; one presentation per credential, signed by the
holder's DID key over the verifier's nonce and full client id. It cannot be
partly disclosed: the consent screen lists every member.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ssi import w3c
from ssi.dcql import CandidateCredential
from ssi.errors import InvalidRequest
from ssi.jose import Key
from ssi.oid4vci import (
    CredentialConfiguration,
    CredentialIssuerMetadata,
    CredentialResponse,
    build_proof,
)

from .vault import VaultItem

__all__ = [
    "FORMATS",
    "LABELS",
    "all_paths",
    "disclosed_rows",
    "display_name",
    "holder_signer",
    "is_w3c",
    "offered_names",
    "present",
    "receive",
    "stored_credential",
    "to_candidate",
]

FORMATS = frozenset(w3c.spec.FORMATS)

LABELS = {
    "over18": "Over 18",
    "over21": "Over 21",
    "kycLevel": "KYC level",
    "kycMethod": "KYC method",
    "sanctionsClear": "Not on a sanctions list",
    "sanctionsScreeningDate": "Sanctions screening date",
    "investorClassification": "Investor classification",
    "investorJurisdiction": "Investor jurisdiction",
    "residenceCountry": "Country of residence",
}

_NAMES = {
    "KycAgeCredential": "Age (W3C)",
    "KycLevelCredential": "KYC level (W3C)",
    "KycSanctionsCredential": "Sanctions screening (W3C)",
    "KycInvestorCredential": "Investor classification (W3C)",
    "KycResidenceCredential": "Country of residence (W3C)",
}


def display_name(vc_type: str) -> str:
    return _NAMES.get(vc_type, vc_type)


def is_w3c(item: VaultItem) -> bool:
    return item.data.get("format") in FORMATS


def holder_signer() -> w3c.DidSigner:
    """A fresh holder key (Ed25519) and its did:key, for one credential."""
    return w3c.DidSigner.from_key(Key.generate("EdDSA"), "key")


def stored_credential(
    value: Any,
    fmt: str,
    expected_type: str,
    signer: w3c.DidSigner,
    *,
    issuer_url: str,
    now: float,
) -> dict[str, Any]:
    """Verify a freshly issued W3C credential; return the vault item's data.

    Raises ``InvalidRequest`` when it is not what was asked for, and the
    ``ssi.w3c`` errors when it does not verify.
    """
    if fmt not in FORMATS:
        raise InvalidRequest(f"{fmt!r} is not a W3C credential format")
    document = w3c.credential_document(value, fmt)
    issuer = document.get("issuer")
    issuer_did = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_did, str):
        raise InvalidRequest("the W3C credential names no issuer")
    verified = w3c.verify_credential(value, fmt, trusted_issuers={issuer_did}, now=now)
    if verified.subject != signer.did:
        raise InvalidRequest("the W3C credential is not bound to the DID this wallet proved")
    if expected_type not in verified.document.get("type", []):
        raise InvalidRequest(f"the issuer sent another credential than a {expected_type}")
    claims: dict[str, Any] = {
        **verified.claims,
        "iss": issuer_url,
        "iat": int(verified.issued),
    }
    if verified.expires is not None:
        claims["exp"] = int(verified.expires)
    if verified.status is not None:
        claims["status"] = {"status_list": {"idx": verified.status.idx, "uri": verified.status.uri}}
    return {
        "format": fmt,
        "credential": value,
        "holder_key": signer.key.private_jwk(),
        "holder_did": signer.did,
        "w3c_issuer": issuer_did,
        "vct": expected_type,
        "claims": claims,
        "display_name": display_name(expected_type),
        "claim_labels": [([m], LABELS.get(m, m)) for m in verified.claims],
    }


_FORMAT_WORDS = {"jwt_vc_json": "signed as a JWT", "ldp_vc": "signed as linked data"}
"""The offer page's words for each W3C format (no protocol identifier on it, issue 20)."""


def offered_names(metadata: CredentialIssuerMetadata, ids: tuple[str, ...]) -> list[str]:
    """``Age (W3C), signed as a JWT`` for each W3C configuration id of an offer."""
    names = []
    for cid in ids:
        configuration = metadata.credential_configurations_supported[cid]
        definition = configuration.extra.get("credential_definition", {})
        vc_type = (definition.get("type") or [cid])[-1]
        how = _FORMAT_WORDS.get(configuration.format, "another format")
        names.append(f"{display_name(str(vc_type))}, {how}")
    return names


def receive(
    configuration: CredentialConfiguration,
    issuer_url: str,
    nonce: Callable[[], str | None],
    request: Callable[[str], CredentialResponse],
    *,
    now: int,
) -> dict[str, Any]:
    """Request one W3C credential bound to a fresh did:key; its checked vault data.

    ``nonce`` fetches a ``c_nonce`` (§7); ``request`` sends the Credential
    Request (§8.2) with the given ``jwt`` proof, whose ``kid`` is the did:key.
    The caller checks the status and adds the offer's details.
    """
    expected = configuration.extra.get("credential_definition", {}).get("type") or [""]
    signer = holder_signer()
    proof = build_proof(signer.key, issuer_url, nonce(), now=now, kid=signer.verification_method)
    values = request(proof).credential_values
    if not values or len(values) != 1:
        raise InvalidRequest("the issuer sent an unexpected number of credentials")
    return stored_credential(
        values[0], configuration.format, str(expected[-1]), signer, issuer_url=issuer_url, now=now
    )


def all_paths(item: VaultItem) -> list[list[str]]:
    """The DCQL paths of everything a held W3C credential discloses."""
    return [["credentialSubject", member] for [member], _label in item.data["claim_labels"]]


def to_candidate(item: VaultItem) -> CandidateCredential:
    """The DCQL candidate of a held W3C credential (root paths, expanded types)."""
    fmt = str(item.data["format"])
    document = w3c.credential_document(item.data["credential"], fmt)
    return w3c.candidate(document, fmt, holder_binding=True, ref=item)


def present(item: VaultItem, *, nonce: str, client_id: str) -> str | dict[str, Any]:
    """The VP of a held credential, signed by its holder DID over nonce and client id."""
    key = Key.from_jwk(item.data["holder_key"], private=True)
    signer = w3c.DidSigner.for_did(key, str(item.data["holder_did"]))
    return w3c.build_presentation(
        item.data["credential"], signer, str(item.data["format"]), nonce=nonce, client_id=client_id
    )


def _date(seconds: Any) -> str:
    if not isinstance(seconds, int | float):
        return "none"
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def disclosed_rows(item: VaultItem) -> list[tuple[str, Any]]:
    """Everything the verifier receives with this credential (it is shown whole)."""
    claims = item.data.get("claims", {})
    rows: list[tuple[str, Any]] = [
        (label, claims[member])
        for [member], label in item.data.get("claim_labels", [])
        if member in claims
    ]
    rows.append(("Your identifier (holder DID)", item.data.get("holder_did")))
    rows.append(("Issuer (DID)", item.data.get("w3c_issuer")))
    rows.append(("Issued", _date(claims.get("iat"))))
    rows.append(("Valid until", _date(claims.get("exp"))))
    status = claims.get("status", {}).get("status_list")
    if isinstance(status, dict):
        rows.append(("Status list entry", f"{status.get('uri')} #{status.get('idx')}"))
    return rows
