"""How the operator's pages show a KYC record, an issuance's copies and the
audit log: labelled fields in a fixed order, in words (issue 20 item 7).

A stored record is JSON (:meth:`issuer.kyc_claims.KycRecord.to_dict`): lists,
booleans, ISO dates and ISO 3166-1 codes. Shown as they are, the operator saw
``['NL']``, ``False`` or ``None``; here every value becomes a text: countries
by name (:func:`kyc_wallet.web.display.country_name`), dates as "12 August
1990", booleans as Yes/No, lists joined, an empty optional field as "Not
given". Labels are the claims' own (:func:`issuer.kyc_claims.claim_label`,
the credential type metadata's), so the operator and the wallet name a field
alike. No Flask here: the views pass the results to the templates.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kyc_wallet.web.display import country_name

from .kyc_claims import claim_label

__all__ = [
    "AuditEntry",
    "audit_entries",
    "format_name",
    "record_fields",
    "record_name",
    "say",
    "status_word",
]

# the record's members in reading order: who, where, what kind of investor, the check
_ORDER: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("given_name", ("given_name",)),
    ("family_name", ("family_name",)),
    ("birthdate", ("birthdate",)),
    ("nationalities", ("nationalities",)),
    ("street_address", ("address", "street_address")),
    ("postal_code", ("address", "postal_code")),
    ("locality", ("address", "locality")),
    ("country", ("address", "country")),
    ("investor_classification", ("investor_classification",)),
    ("investor_jurisdiction", ("investor_jurisdiction",)),
    ("pep", ("pep",)),
    ("sanctions_screening_result", ("sanctions_screening_result",)),
    ("sanctions_screening_date", ("sanctions_screening_date",)),
    ("kyc_level", ("kyc_level",)),
    ("kyc_method", ("kyc_method",)),
)
_COUNTRIES = {"nationalities", "country", "investor_jurisdiction"}
_DATES = {"birthdate", "sanctions_screening_date"}
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WORDS = {
    # kyc_method
    "video_ident": "Video identification",
    "eid": "Electronic ID (eID)",
    "in_person": "In person",
    "document_check": "Identity document check",
    "bank_ident": "Bank identification",
    # sanctions_screening_result
    "clear": "Clear (no match)",
    "hit": "Hit (a match was found)",
    # investor_classification
    "retail": "Retail investor",
    "professional": "Professional investor",
    "accredited": "Accredited investor",
}
NOT_GIVEN = "Not given"

_FORMATS = {
    "dc+sd-jwt": "SD-JWT VC",
    "vc+sd-jwt": "SD-JWT VC",
    "jwt_vc_json": "W3C credential (JWT)",
    "ldp_vc": "W3C credential (Data Integrity)",
}
_STATUS_WORDS = {"valid": "Valid", "revoked": "Revoked", "suspended": "Suspended"}
_OFFER_WORDS = {
    "open": "open: the applicant can still redeem it",
    "redeemed": "redeemed",
    "withdrawn": "withdrawn",
    "expired": "expired unused",
}
_APPLICANT_STATES = {
    "recorded": "KYC result recorded, no offer yet",
    "approved": "Approved: a credential offer was created",
    "issued": "Credential issued",
    "erased": "Credential issued; personal data erased",
}
_ACTIONS = {
    "applicant.recorded": "KYC result recorded",
    "applicant.erased": "Personal data erased",
    "offer.created": "Credential offer created",
    "token.issued": "Offer redeemed by a wallet",
    "credential.issued": "Credential issued",
    "issuance.revoke": "Issuance revoked",
    "issuance.suspend": "Issuance suspended",
    "issuance.reinstate": "Issuance reinstated",
    "credential.revoke": "One copy revoked",
    "credential.suspend": "One copy suspended",
    "credential.reinstate": "One copy reinstated",
}


def format_date(value: object) -> str:
    """``1990-08-12`` as "12 August 1990"; anything else as text."""
    day = value if isinstance(value, dt.date) else None
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            day = None
    if day is None:
        return say(value)
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def say(value: object) -> str:
    """Any stored value as words: Yes/No, a list joined, "Not given" for nothing."""
    if value is None or value == "" or value == []:
        return NOT_GIVEN
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list | tuple):
        return ", ".join(say(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {say(v)}" for k, v in value.items())
    text = str(value)
    return _WORDS.get(text, text)


def _value(name: str, value: object) -> str:
    if name in _COUNTRIES and value not in (None, ""):
        codes = value if isinstance(value, list | tuple) else [value]
        return ", ".join(country_name(code) for code in codes)
    if name in _DATES:
        return format_date(value)
    return say(value)


def record_fields(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(label, text)`` for every member of a stored record, in reading order;
    a member this version does not know comes last, under its own name."""
    fields = [(claim_label(path), _value(name, record.get(name))) for name, path in _ORDER]
    known = {name for name, _ in _ORDER}
    fields += [(name, say(value)) for name, value in record.items() if name not in known]
    return fields


def record_name(record: Mapping[str, Any]) -> str:
    """The applicant's full name ("Erika Mustermann")."""
    return " ".join(str(record.get(n) or "") for n in ("given_name", "family_name")).strip()


def format_name(fmt: str) -> str:
    """A copy's format in words ("SD-JWT VC" for ``dc+sd-jwt``)."""
    return _FORMATS.get(fmt, fmt)


def status_word(status: str) -> str:
    """ "Valid", "Suspended", "Revoked"; an offer's state ("open: the applicant can
    still redeem it"); an applicant's state as a sentence."""
    for words in (_STATUS_WORDS, _OFFER_WORDS, _APPLICANT_STATES):
        if status in words:
            return words[status]
    return status


@dataclass(frozen=True)
class AuditEntry:
    """One audit line in words: what happened, the reason given, the other details."""

    seq: int
    at: int
    actor: str
    action: str
    what: str
    subject: str
    reason: str
    detail: str


def _detail(detail: Mapping[str, Any]) -> str:
    parts = []
    for name, value in detail.items():
        if name == "offer_burnt":
            parts.append(f"open offer withdrawn: {say(value)}")
        else:
            parts.append(f"{name.replace('_', ' ')}: {say(value)}")
    return "; ".join(parts)


def audit_entries(rows: Iterable[Mapping[Any, Any]]) -> list[AuditEntry]:
    """The audit log's rows for its page: the reason in a column of its own."""
    entries = []
    for row in rows:
        try:
            detail = json.loads(row["detail"])
        except ValueError:
            detail = {"detail": row["detail"]}
        if not isinstance(detail, dict):
            detail = {"detail": detail}
        reason = str(detail.pop("reason", "") or "")
        action = str(row["action"])
        entries.append(
            AuditEntry(
                int(row["seq"]),
                int(row["at"]),
                str(row["actor"]),
                action,
                _ACTIONS.get(action, action),
                str(row["subject"]),
                reason,
                _detail(detail),
            )
        )
    return entries
