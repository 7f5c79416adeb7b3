"""Receiving credentials: the wallet side of OpenID4VCI 1.0, pre-authorized flow.

``prepare`` resolves an offer (by value or by reference, §4.1) and the
issuer's metadata (§12.2, checked against the offer's issuer) so the investor
sees who issues what before accepting; ``accept`` runs token (§6, with the
PIN) -> nonce (§7) -> credential (§8, one fresh holder key per copy, batch
when the issuer allows), verifies every credential (issuer signature, ``cnf``
is the key we proved, status) and stores all copies in one transaction:
nothing half-stored. Every fetch goes through the guarded fetcher.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ssi.errors import InvalidRequest, SSIError
from ssi.fetch import Fetcher, FetchResponse
from ssi.jose import Key
from ssi.oid4vci import (
    AuthorizationServerMetadata,
    CredentialConfiguration,
    CredentialIssuerMetadata,
    CredentialOffer,
    CredentialRequest,
    CredentialResponse,
    TokenRequest,
    TokenResponse,
    authorization_server_metadata_url,
    build_proof,
    credential_issuer_metadata_url,
    error_from_response,
    parse_offer_link,
    spec,
)

from .labels import (
    LOCALIZED_LABELS,
    LOCALIZED_NAMES,
    claim_displays,
    display_label,
    display_names,
    is_claim_path,
)
from .trust import CredentialChecker
from .vault import Vault
from .w3c import FORMATS as W3C_FORMATS
from .w3c import offered_names
from .w3c import receive as receive_w3c

__all__ = ["PendingOffer", "Receiver", "CREDENTIAL_KIND"]

CREDENTIAL_KIND = "credential"
HOLDER_ALGS = ("ES256", "EdDSA")
"""Holder key types: P-256 (ES256, the interoperable default, HAIP) and Ed25519."""


@dataclass
class PendingOffer:
    """An offer the investor is looking at, not yet accepted."""

    id: str
    offer: CredentialOffer
    metadata: CredentialIssuerMetadata
    token_endpoint: str
    configuration_id: str
    configuration: CredentialConfiguration
    w3c_ids: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def w3c_names(self) -> list[str]:
        """What each W3C predicate credential of the offer is (for the offer page)."""
        return offered_names(self.metadata, self.w3c_ids)

    @property
    def issuer_name(self) -> str:
        for entry in self.metadata.display or ():
            name = entry.get("name") if isinstance(entry, dict) else None
            if isinstance(name, str) and name.strip():
                return name
        return self.offer.credential_issuer

    @property
    def display_name(self) -> str:
        meta = self.configuration.credential_metadata or {}
        name = display_label(meta.get("display"))  # in the page's language
        return name or self.configuration.vct or self.configuration_id

    @property
    def claim_labels(self) -> list[tuple[list[Any], str]]:
        """(path, display name in the page's language) of each claim the issuer
        describes (§12.2.4, Appendix B.2);
        a description of another shape is left out (:func:`wallet.labels.is_claim_path`)."""
        labels = []
        for claim in (self.configuration.credential_metadata or {}).get("claims") or ():
            if not isinstance(claim, dict) or not is_claim_path(claim.get("path")):
                continue
            name = display_label(claim.get("display"))  # in the page's language
            path = claim["path"]
            labels.append((path, str(name) if name else " / ".join(map(str, path))))
        return labels

    @property
    def needs_pin(self) -> bool:
        grant = self.offer.pre_authorized_code
        return grant is not None and grant.tx_code is not None

    @property
    def pin_length(self) -> int | None:
        grant = self.offer.pre_authorized_code
        return grant.tx_code.length if grant and grant.tx_code else None


def _json_or_error(response: FetchResponse, what: str) -> Any:
    if 200 <= response.status < 300:
        return response.json()
    try:
        body = response.json()
    except SSIError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        raise error_from_response(body)
    raise InvalidRequest(f"the issuer's {what} answered HTTP {response.status}")


class Receiver:
    def __init__(
        self,
        fetcher: Fetcher,
        checker: CredentialChecker,
        *,
        batch_size: int,
        holder_alg: str = "ES256",
    ) -> None:
        if holder_alg not in HOLDER_ALGS:
            raise InvalidRequest(f"HOLDER_KEY_ALG must be one of {', '.join(HOLDER_ALGS)}")
        self.fetcher = fetcher
        self.checker = checker
        self.batch_size = batch_size
        self.holder_alg = holder_alg

    def _holder_alg(self, configuration: CredentialConfiguration) -> str:
        """Our preferred holder key type if the issuer takes proofs with it, else the
        first of ours it takes (OpenID4VCI 1.0 §12.2.4 ``proof_signing_alg_values_supported``)."""
        proof_types = configuration.proof_types_supported or {}
        jwt = proof_types.get(spec.PROOF_TYPE_JWT)
        accepted = set(jwt.proof_signing_alg_values_supported) if jwt else set(HOLDER_ALGS)
        for alg in (self.holder_alg, *HOLDER_ALGS):
            if alg in accepted:
                return alg
        raise InvalidRequest("the issuer takes no key proof this wallet can make (ES256, EdDSA)")

    def prepare(self, link_or_uri: str) -> PendingOffer:
        text = (link_or_uri or "").strip()
        if not text:
            raise InvalidRequest("paste a credential offer link")
        if text.startswith(("https://", "http://")) and "credential_offer" not in text:
            offer_uri: str | None = text
            offer = None
        else:
            link = parse_offer_link(text)
            offer, offer_uri = link.offer, link.offer_uri
        if offer is None:
            assert offer_uri is not None
            response = self.fetcher.get(offer_uri, raise_for_status=False)
            if response.status in (404, 410):
                raise InvalidRequest(
                    "this offer has expired, was already used, or does not exist: "
                    "ask your KYC provider for a new one"
                )
            offer = CredentialOffer.from_dict(_json_or_error(response, "offer"))
        if offer.pre_authorized_code is None:
            raise InvalidRequest("this wallet accepts offers with a pre-authorized code only")
        issuer = offer.credential_issuer
        metadata = CredentialIssuerMetadata.from_dict(
            self.fetcher.get(credential_issuer_metadata_url(issuer)).json(), fetched_for=issuer
        )
        server = (
            offer.pre_authorized_code.authorization_server
            or next(iter(metadata.authorization_servers or ()), None)
            or issuer
        )
        as_meta = AuthorizationServerMetadata.from_dict(
            self.fetcher.get(authorization_server_metadata_url(server)).json(), fetched_for=server
        )
        supported = [
            cid
            for cid in offer.credential_configuration_ids
            if cid in metadata.credential_configurations_supported
            and metadata.credential_configurations_supported[cid].format == spec.FORMAT_SD_JWT_VC
        ]
        if not supported:
            raise InvalidRequest("this offer holds no SD-JWT VC credential this wallet can keep")
        config_id = supported[0]
        w3c_ids = tuple(
            cid
            for cid in offer.credential_configuration_ids
            if cid in metadata.credential_configurations_supported
            and metadata.credential_configurations_supported[cid].format in W3C_FORMATS
        )
        return PendingOffer(
            secrets.token_urlsafe(16),
            offer,
            metadata,
            as_meta.token_endpoint,
            config_id,
            metadata.credential_configurations_supported[config_id],
            w3c_ids,
        )

    def accept(
        self, vault: Vault, pending: PendingOffer, tx_code: str | None, now: int
    ) -> list[str]:
        grant = pending.offer.pre_authorized_code
        assert grant is not None
        if pending.needs_pin and not tx_code:
            raise InvalidRequest("enter the PIN your KYC provider gave you")
        token_body = TokenRequest.for_offer(grant, tx_code or None).to_form_body()
        token = TokenResponse.from_dict(
            _json_or_error(
                self.fetcher.post(
                    pending.token_endpoint,
                    data=token_body.encode("ascii"),
                    headers={"Content-Type": spec.MEDIA_TYPE_FORM},
                    raise_for_status=False,
                ),
                "token endpoint",
            )
        )
        issuer = pending.offer.credential_issuer
        authorization = f"{token.token_type} {token.access_token}"
        batch = pending.metadata.batch_size or 1
        count = max(1, min(self.batch_size, batch))
        alg = self._holder_alg(pending.configuration)
        keys = [Key.generate(alg) for _ in range(count)]
        c_nonce = self._nonce(pending)
        response = self._request(
            pending,
            authorization,
            pending.configuration_id,
            *(build_proof(k, issuer, c_nonce, now=now) for k in keys),
        )
        values = response.credential_values
        if not values or len(values) > len(keys):
            raise InvalidRequest("the issuer sent an unexpected number of credentials")
        group = secrets.token_hex(8)
        items: list[tuple[str, dict[str, Any]]] = []
        for compact in values:
            if not isinstance(compact, str):
                raise InvalidRequest("the issuer sent a credential that is not an SD-JWT VC")
            checked = self.checker.check(compact, issuer, now)
            holder = next((k for k in keys if k.public_jwk() == checked.holder_jwk), None)
            if holder is None:
                raise InvalidRequest("a credential is not bound to a key this wallet proved")
            keys.remove(holder)
            items.append(
                (
                    CREDENTIAL_KIND,
                    {
                        "format": spec.FORMAT_SD_JWT_VC,
                        "credential": compact,
                        "holder_key": holder.private_jwk(),
                        "issuer": issuer,
                        "issuer_name": pending.issuer_name,
                        "configuration_id": pending.configuration_id,
                        "vct": checked.vct,
                        "claims": checked.claims,
                        "issuer_jwk": checked.issuer_jwk,
                        "display_name": pending.display_name,
                        "claim_labels": pending.claim_labels,
                        LOCALIZED_LABELS: claim_displays(pending.configuration.credential_metadata),
                        LOCALIZED_NAMES: display_names(pending.configuration.credential_metadata),
                        "group": group,
                        "received_at": now,
                        "shown_to": [],
                    },
                )
            )
        for cid in pending.w3c_ids:
            data = receive_w3c(
                pending.metadata.credential_configurations_supported[cid],
                issuer,
                lambda: self._nonce(pending),
                partial(self._request, pending, authorization, cid),
                now=now,
            )
            self.checker.check_status(data["claims"])
            data.update(
                issuer=issuer,
                issuer_name=pending.issuer_name,
                configuration_id=cid,
                group=f"{group}-{cid}",
                received_at=now,
                shown_to=[],
            )
            items.append((CREDENTIAL_KIND, data))
        return vault.put_many(items)

    def _nonce(self, pending: PendingOffer) -> str | None:
        """§7: a fresh ``c_nonce`` when the issuer has a Nonce Endpoint."""
        if not pending.metadata.nonce_endpoint:
            return None
        nonce_body = _json_or_error(
            self.fetcher.post(pending.metadata.nonce_endpoint, raise_for_status=False),
            "nonce endpoint",
        )
        c_nonce = nonce_body.get("c_nonce") if isinstance(nonce_body, dict) else None
        if not isinstance(c_nonce, str):
            raise InvalidRequest("the issuer's nonce endpoint sent no c_nonce")
        return c_nonce

    def _request(
        self, pending: PendingOffer, authorization: str, cid: str, *proofs: str
    ) -> CredentialResponse:
        """§8.2: one Credential Request for configuration ``cid``."""
        request = CredentialRequest(
            credential_configuration_id=cid, proofs={spec.PROOF_TYPE_JWT: proofs}
        )
        return CredentialResponse.from_dict(
            _json_or_error(
                self.fetcher.post(
                    pending.metadata.credential_endpoint,
                    json=request.to_dict(),
                    headers={"Authorization": authorization},
                    raise_for_status=False,
                ),
                "credential endpoint",
            )
        )
