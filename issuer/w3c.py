"""The W3C predicate credentials (docs/specs/w3c-vc.md): the issuer's own
did:key, their OpenID4VCI configurations, and signing one for a holder.

didkit resolves did:web on its own (outside our guarded fetcher, https only),
so these credentials are not signed by the issuer's did:web but by an Ed25519
did:key generated into the data folder (0600) on first start. Verifiers trust
that DID (their ``TRUSTED_W3C_ISSUERS``).

Each credential carries a ``TokenStatusListEntry`` (``ssi.w3c.status_entry``)
into the same ``statuslist+jwt`` lists as the SD-JWT VCs, with an index
allocated the same way (``issuer.core.status_list.allocate_index``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ssi import w3c
from ssi.errors import InvalidCredentialRequest, MalformedInput
from ssi.jose import Key, jws
from ssi.oid4vci.issuer_metadata import CredentialConfiguration
from ssi.status_list import StatusReference

from .keys import load_or_create_key

__all__ = ["IssuedW3C", "W3CIssuer", "load_w3c_issuer"]

W3C_KEY_ALG = "EdDSA"


@dataclass(frozen=True)
class IssuedW3C:
    """One signed predicate credential: its type, format and the credential itself."""

    vc_type: str
    format: str
    credential: str | dict[str, Any]


@dataclass(frozen=True)
class W3CIssuer:
    """The did:key signer and the ten configurations it offers."""

    signer: w3c.DidSigner
    configurations: dict[str, CredentialConfiguration]

    @property
    def did(self) -> str:
        return self.signer.did

    def configuration(self, configuration_id: str) -> tuple[str, str] | None:
        """(credential type, format) of a W3C configuration id, ``None`` if not ours."""
        config = self.configurations.get(configuration_id)
        if config is None:
            return None
        vc_type = config.extra["credential_definition"]["type"][-1]
        return str(vc_type), config.format

    def issue(
        self,
        kyc_claims: dict[str, Any],
        configuration_id: str,
        proof: str,
        holder_key: Key,
        *,
        status: StatusReference,
        now: int,
        lifetime: int,
    ) -> IssuedW3C:
        """The predicate credential of ``configuration_id`` for the holder of ``proof``.

        ``proof`` was verified (OpenID4VCI 1.0 §8.2.1.1) and returned
        ``holder_key``; the subject is the DID it names (``ssi.w3c.holder_did``).
        """
        found = self.configuration(configuration_id)
        assert found is not None
        vc_type, fmt = found
        holder = w3c.holder_did(jws.parse(proof).header, holder_key)
        members = w3c.predicate_subjects(kyc_claims).get(vc_type)
        if members is None:
            raise InvalidCredentialRequest(
                f"the KYC record has no claim for a {vc_type}: it cannot be issued"
            )
        document = w3c.build_credential(
            vc_type,
            members,
            issuer=self.signer.did,
            holder=holder,
            issued=now,
            expires=now + lifetime,
            status=status,
        )
        return IssuedW3C(vc_type, fmt, w3c.issue_credential(document, self.signer, fmt))


def load_w3c_issuer(key_path: Path, offered: object) -> W3CIssuer:
    """Load (or create, 0600) the Ed25519 key; check the offered configuration ids."""
    if not isinstance(offered, list | tuple) or not all(isinstance(c, str) for c in offered):
        raise MalformedInput('W3C_OFFER is a list of configuration ids, e.g. ["kyc_age_ldp_vc"]')
    signer = w3c.DidSigner.from_key(load_or_create_key(key_path, W3C_KEY_ALG), "key")
    issuer = W3CIssuer(signer, w3c.credential_configurations(signer))
    unknown = [cid for cid in offered if cid not in issuer.configurations]
    if unknown:
        raise MalformedInput(
            f"W3C_OFFER names unknown configuration ids {unknown};"
            f" known: {sorted(issuer.configurations)}"
        )
    return issuer
