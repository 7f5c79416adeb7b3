"""Record an applicant's verified KYC result and approve it with a credential
offer: a pre-authorized code with a PIN (OpenID4VCI 1.0 §4.1.1), served by
reference (§4.1.3)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from kyc_wallet.database.audit import audit
from ssi.errors import InvalidRequest
from ssi.oid4vci import CredentialOffer, PreAuthorizedCodeGrant, TxCode, build_offer_link
from ssi.oid4vci.spec import GRANT_PRE_AUTHORIZED_CODE

from .. import records
from ..db import applicants as applicant_repo
from ..db import offers as repo
from ..issuances import NotFound
from ..kyc_claims import CREDENTIAL_CONFIGURATION_ID, REFERENCE, KycRecord
from .context import IssuerContext

__all__ = [
    "Offer",
    "create_offer",
    "offer_by_reference",
    "offer_reference",
    "open_offer_link",
    "pre_authorized_code",
    "record_applicant",
]


@dataclass(frozen=True)
class Offer:
    """A new offer: what the operator hands the applicant (the code is in ``offer``)."""

    offer_id: str
    issuance_id: str
    applicant_id: str
    tx_code: str
    offer: dict[str, Any]
    offer_uri: str
    expires_at: int
    wallet_url: str

    @property
    def link(self) -> str:
        """``openid-credential-offer://?credential_offer_uri=…`` (OpenID4VCI 1.0 §4.1)."""
        return build_offer_link(offer_uri=self.offer_uri)

    @property
    def same_device_link(self) -> str:
        """The same offer for a local web wallet (ARCHITECTURE.md "Links")."""
        return build_offer_link(offer_uri=self.offer_uri, base=f"{self.wallet_url}/offer")


def record_applicant(
    ctx: IssuerContext, data: dict[str, Any], actor: str, reference: str, now: int
) -> str:
    """Validate and store a KYC record (sealed, ``issuer.records``); return the applicant id."""
    record = KycRecord.from_dict(data)
    REFERENCE.check(reference)
    applicant_id = secrets.token_hex(8)
    body = json.dumps(record.to_dict(), sort_keys=True)
    with ctx.db.transaction() as conn:
        applicant_repo.insert_applicant(
            conn,
            id=applicant_id,
            reference=reference,
            record=None,
            record_sha256=ctx.secret_hash(body),
            state="recorded",
            created_at=now,
            created_by=actor,
        )
        applicant_repo.set_record(
            conn, applicant_id, records.seal_record(conn, applicant_id, record.to_dict())
        )
        audit(conn, now, actor, "applicant.recorded", applicant_id, reference=reference)
    return applicant_id


def pre_authorized_code(ctx: IssuerContext, offer_id: str) -> str:
    """The offer's pre-authorized code, derived from its id with the app secret
    (HMAC-SHA256), so that the database holds only its hash and the offer can
    still be served by reference (OpenID4VCI 1.0 §4.1.3)."""
    mac = hmac.new(ctx.secret_key, b"pre-authorized-code:" + offer_id.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def _tx_code(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def create_offer(ctx: IssuerContext, applicant_id: str, actor: str, now: int) -> Offer:
    """Approve an applicant: a pre-authorized code with a PIN (OpenID4VCI 1.0 §4.1.1).

    Earlier offers of the same applicant that were not used are withdrawn.
    """
    with ctx.db.read() as conn:
        row = applicant_repo.applicant(conn, applicant_id)
    if row is None:
        raise NotFound(f"no applicant {applicant_id!r}")
    if row["record"] is None:
        raise InvalidRequest("this applicant's KYC record was erased after issuance")
    offer_id = secrets.token_urlsafe(18)
    issuance_id = secrets.token_hex(8)
    code = pre_authorized_code(ctx, offer_id)
    length = ctx.tx_code_length
    tx_code = _tx_code(length)
    offer = CredentialOffer(
        credential_issuer=ctx.issuer_url,
        credential_configuration_ids=(CREDENTIAL_CONFIGURATION_ID, *ctx.w3c_offer),
        pre_authorized_code=PreAuthorizedCodeGrant(
            code,
            TxCode("numeric", length, "Enter the PIN your KYC provider gave you"),
        ),
    ).to_dict()
    expires_at = now + ctx.offer_ttl
    with ctx.db.transaction() as conn:
        repo.burn_open_offers(conn, applicant_id, now)
        repo.insert_offer(
            conn,
            id=offer_id,
            applicant_id=applicant_id,
            code_hash=ctx.secret_hash(code),
            tx_code_hash=ctx.secret_hash(tx_code),
            batch_size=ctx.batch_size,
            offer_json=json.dumps(_without_code(offer)),
            created_at=now,
            expires_at=expires_at,
            issuance_id=issuance_id,
        )
        applicant_repo.set_state(conn, applicant_id, "approved")
        audit(
            conn,
            now,
            actor,
            "offer.created",
            applicant_id,
            offer_id=offer_id,
            issuance_id=issuance_id,
        )
    offer_uri = offer_reference(ctx, offer_id)
    return Offer(
        offer_id, issuance_id, applicant_id, tx_code, offer, offer_uri, expires_at, ctx.wallet_url
    )


def _without_code(offer: dict[str, Any]) -> dict[str, Any]:
    grants = {
        name: {k: v for k, v in grant.items() if k != "pre-authorized_code"}
        for name, grant in offer.get("grants", {}).items()
    }
    return {**offer, "grants": grants}


def offer_reference(ctx: IssuerContext, offer_id: str) -> str:
    """Where the offer is served by reference (``credential_offer_uri``, §4.1.3)."""
    return f"{ctx.issuer_url}/offers/{offer_id}"


def open_offer_link(ctx: IssuerContext, offer_id: str, now: int) -> str:
    """The cross-device link (§4.1) of an offer that can still be redeemed;
    :class:`NotFound` for one used, withdrawn, expired or unknown."""
    offer_by_reference(ctx, offer_id, now)
    return build_offer_link(offer_uri=offer_reference(ctx, offer_id))


def offer_by_reference(ctx: IssuerContext, offer_id: str, now: int) -> dict[str, Any]:
    """§4.1.3: the offer as served by reference while it can still be
    redeemed, the stored offer with its code restored."""
    with ctx.db.read() as conn:
        row = repo.open_offer(conn, offer_id, now)
    if row is None:
        raise NotFound("this credential offer does not exist, was used, or has expired")
    offer: dict[str, Any] = json.loads(row["offer_json"])
    grant = offer["grants"][GRANT_PRE_AUTHORIZED_CODE]
    offer["grants"][GRANT_PRE_AUTHORIZED_CODE] = {
        "pre-authorized_code": pre_authorized_code(ctx, str(row["id"])),
        **grant,
    }
    return offer
