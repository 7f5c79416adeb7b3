"""What the KYC provider's operators and back ends do, once for the web UI and
the REST API: record an applicant, approve with a credential offer (code +
PIN), list issuances, revoke, suspend and reinstate them (every copy, every
format: :mod:`issuer.issuances`), or, as an advanced action, one copy.

Every change is one transaction that also appends to the audit log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

from flask import current_app

from kyc_wallet.web import Store, qr_svg
from kyc_wallet.web.audit import audit
from kyc_wallet.web.auth import secret_hash
from ssi.errors import InvalidRequest
from ssi.oid4vci import CredentialOffer, PreAuthorizedCodeGrant, TxCode, build_offer_link
from ssi.oid4vci.spec import GRANT_PRE_AUTHORIZED_CODE

from . import records
from .issuances import (
    STATUS_NAMES,
    Issuance,
    NotFound,
    StatusChange,
    change_copy,
    change_issuance,
    check_action,
    issuance_of_credential,
    list_issuances,
    load_issuance,
)
from .kyc_claims import CREDENTIAL_CONFIGURATION_ID, REFERENCE, KycRecord

__all__ = [
    "CreatedOffer",
    "NotFound",
    "record_applicant",
    "create_offer",
    "issuances",
    "issuance",
    "set_copy_status",
    "set_issuance_status",
    "STATUS_NAMES",
]


def _store() -> Store:
    store: Store = current_app.extensions["store"]
    return store


def _now() -> int:
    return int(current_app.extensions["clock"]())


def record_applicant(data: dict[str, Any], actor: str, reference: str = "") -> str:
    """Validate and store a KYC record; return the applicant id."""
    record = KycRecord.from_dict(data)
    REFERENCE.check(reference)
    applicant_id = secrets.token_hex(8)
    body = json.dumps(record.to_dict(), sort_keys=True)
    with _store().transaction() as conn:
        sealed = records.seal_record(conn, applicant_id, record.to_dict())
        conn.execute(
            "INSERT INTO applicants (id, reference, record, record_sha256, state, created_at,"
            " created_by) VALUES (?, ?, ?, ?, 'recorded', ?, ?)",
            (applicant_id, reference, sealed, secret_hash(body), _now(), actor),
        )
        audit(conn, _now(), actor, "applicant.recorded", applicant_id, reference=reference)
    return applicant_id


@dataclass(frozen=True)
class CreatedOffer:
    offer_id: str
    issuance_id: str
    applicant_id: str
    tx_code: str
    offer: dict[str, Any]
    offer_uri: str
    expires_at: int

    @property
    def link(self) -> str:
        """``openid-credential-offer://?credential_offer_uri=…`` (OpenID4VCI 1.0 §4.1)."""
        return build_offer_link(offer_uri=self.offer_uri)

    @property
    def same_device_link(self) -> str:
        """The same offer for a local web wallet (ARCHITECTURE.md "Links")."""
        wallet = str(current_app.config["WALLET_URL"]).rstrip("/")
        return build_offer_link(offer_uri=self.offer_uri, base=f"{wallet}/offer")

    def qr(self) -> str:
        return qr_svg(self.link)

    def to_json(self) -> dict[str, Any]:
        return {
            "offer_id": self.offer_id,
            "issuance_id": self.issuance_id,
            "applicant_id": self.applicant_id,
            "credential_offer_uri": self.offer_uri,
            "credential_offer": self.offer,
            "link": self.link,
            "same_device_link": self.same_device_link,
            "tx_code": self.tx_code,
            "expires_at": self.expires_at,
            "qr_svg": self.qr(),
        }


def pre_authorized_code(offer_id: str) -> str:
    """The offer's pre-authorized code, derived from its id with the app secret
    (HMAC-SHA256), so that the database holds only its hash and the offer can
    still be served by reference (OpenID4VCI 1.0 §4.1.3)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    mac = hmac.new(secret, b"pre-authorized-code:" + offer_id.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()


def _tx_code(length: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(length))


def create_offer(applicant_id: str, actor: str) -> CreatedOffer:
    """Approve an applicant: a pre-authorized code with a PIN (OpenID4VCI 1.0 §4.1.1).

    Earlier offers of the same applicant that were not used are withdrawn.
    """
    config = current_app.config
    store = _store()
    row = store.one("SELECT state, record FROM applicants WHERE id = ?", (applicant_id,))
    if row is None:
        raise NotFound(f"no applicant {applicant_id!r}")
    if row["record"] is None:
        raise InvalidRequest("this applicant's KYC record was erased after issuance")
    offer_id = secrets.token_urlsafe(18)
    issuance_id = secrets.token_hex(8)
    code = pre_authorized_code(offer_id)
    length = int(config["TX_CODE_LENGTH"])
    tx_code = _tx_code(length)
    offer = CredentialOffer(
        credential_issuer=config["ISSUER_URL"],
        credential_configuration_ids=(CREDENTIAL_CONFIGURATION_ID, *config["W3C_OFFER"]),
        pre_authorized_code=PreAuthorizedCodeGrant(
            code,
            TxCode("numeric", length, "Enter the PIN your KYC provider gave you"),
        ),
    ).to_dict()
    now = _now()
    expires_at = now + int(config["OFFER_TTL"])
    with store.transaction() as conn:
        conn.execute(
            "UPDATE offers SET burnt_at = ? WHERE applicant_id = ? AND used_at IS NULL"
            " AND burnt_at IS NULL",
            (now, applicant_id),
        )
        conn.execute(
            "INSERT INTO offers (id, applicant_id, code_hash, tx_code_hash, batch_size,"
            " offer_json, created_at, expires_at, issuance_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                offer_id,
                applicant_id,
                secret_hash(code),
                secret_hash(tx_code),
                int(config["BATCH_SIZE"]),
                json.dumps(_without_code(offer)),
                now,
                expires_at,
                issuance_id,
            ),
        )
        conn.execute("UPDATE applicants SET state = 'approved' WHERE id = ?", (applicant_id,))
        audit(
            conn,
            now,
            actor,
            "offer.created",
            applicant_id,
            offer_id=offer_id,
            issuance_id=issuance_id,
        )
    offer_uri = f"{config['ISSUER_URL']}/offers/{offer_id}"
    return CreatedOffer(offer_id, issuance_id, applicant_id, tx_code, offer, offer_uri, expires_at)


def _without_code(offer: dict[str, Any]) -> dict[str, Any]:
    grants = {
        name: {k: v for k, v in grant.items() if k != "pre-authorized_code"}
        for name, grant in offer.get("grants", {}).items()
    }
    return {**offer, "grants": grants}


def offer_document(offer_id: str, stored: str) -> dict[str, Any]:
    """The offer as served by reference: the stored offer with its code restored."""
    offer: dict[str, Any] = json.loads(stored)
    grant = offer["grants"][GRANT_PRE_AUTHORIZED_CODE]
    offer["grants"][GRANT_PRE_AUTHORIZED_CODE] = {
        "pre-authorized_code": pre_authorized_code(offer_id),
        **grant,
    }
    return offer


def issuances(applicant_id: str | None = None, limit: int = 200) -> list[Issuance]:
    """One entry per issuance (an offer with copies, or still open), newest first."""
    return list_issuances(_store().conn, _now(), applicant_id=applicant_id, limit=limit)


def issuance(issuance_id: str) -> Issuance:
    return load_issuance(_store().conn, issuance_id, _now())


def set_issuance_status(
    issuance_id: str | None,
    action: str,
    actor: str,
    reason: str = "",
    *,
    credential_id: str | None = None,
) -> StatusChange:
    """Revoke, suspend or reinstate an issuance (named, or by one of its copies):
    every copy, every format, one transaction; effective at the lists' next fetch."""
    check_action(action)
    store = _store()
    with store.transaction() as conn:
        if issuance_id is None:
            issuance_id = issuance_of_credential(conn, str(credential_id))
        change = change_issuance(conn, issuance_id, action, actor, reason, _now())
        # revoked after a first copy: nothing more can be issued from the record
        erased = action == "revoke" and _erase_finished(conn)
    if erased:
        records.shred(store)
    return change


def _erase_finished(conn: Any) -> bool:
    """Erase the records nothing more can be issued from (issuer.records.erase_finished)."""
    if current_app.config["RETAIN_PERSONAL_DATA"]:
        return False
    return bool(records.erase_finished(conn, _now()))


def set_copy_status(credential_id: str, action: str, actor: str, reason: str = "") -> StatusChange:
    """The advanced action on one copy (issuer.issuances.change_copy)."""
    with _store().transaction() as conn:
        return change_copy(conn, credential_id, action, actor, reason, _now())
