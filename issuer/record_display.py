"""How the operator's pages show a KYC record, an issuance's copies and the
audit log: labelled fields in a fixed order, in words (issue 20 item 7).

A stored record is JSON (:meth:`issuer.kyc_claims.KycRecord.to_dict`): lists,
booleans, ISO dates and ISO 3166-1 codes. Shown as they are, the operator saw
``['NL']``, ``False`` or ``None``; here every value becomes a text: countries
by name (:func:`kyc_wallet.web.display.country_name`), dates as "12 August
1990", booleans as Yes/No, lists joined, an empty optional field as "Not
given". Labels are the claims' own (:func:`issuer.kyc_claims.claim_label`,
the credential type metadata's), so the operator and the wallet name a field
alike. Everything in the page's language (:func:`kyc_wallet.locales.gettext`;
dates in Chinese as Babel's CLDR long form, "1990年8月12日"). No Flask here:
the views pass the results to the templates.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kyc_wallet.locales import N_, long_date
from kyc_wallet.locales import gettext as _
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
_WORDS = {
    # kyc_method
    "video_ident": N_("Video identification"),
    "eid": N_("Electronic ID (eID)"),
    "in_person": N_("In person"),
    "document_check": N_("Identity document check"),
    "bank_ident": N_("Bank identification"),
    # sanctions_screening_result
    "clear": N_("Clear (no match)"),
    "hit": N_("Hit (a match was found)"),
    # investor_classification
    "retail": N_("Retail investor"),
    "professional": N_("Professional investor"),
    "accredited": N_("Accredited investor"),
}
NOT_GIVEN = N_("Not given")
LIST_SEPARATOR = N_(", ")
"""Between the items of a list ("Netherlands, Germany"; in Chinese "荷兰、德国")."""

_FORMATS = {
    "dc+sd-jwt": N_("SD-JWT VC"),
    "vc+sd-jwt": N_("SD-JWT VC"),
    "jwt_vc_json": N_("W3C credential (JWT)"),
    "ldp_vc": N_("W3C credential (Data Integrity)"),
}
_STATUS_WORDS = {"valid": N_("Valid"), "revoked": N_("Revoked"), "suspended": N_("Suspended")}
_OFFER_WORDS = {
    "open": N_("open: the applicant can still redeem it"),
    "redeemed": N_("redeemed"),
    "withdrawn": N_("withdrawn"),
    "expired": N_("expired unused"),
}
_APPLICANT_STATES = {
    "recorded": N_("KYC result recorded, no offer yet"),
    "approved": N_("Approved: a credential offer was created"),
    "issued": N_("Credential issued"),
    "erased": N_("Credential issued; personal data erased"),
}
_ACTIONS = {
    "applicant.recorded": N_("KYC result recorded"),
    "applicant.erased": N_("Personal data erased"),
    "offer.created": N_("Credential offer created"),
    "token.issued": N_("Offer redeemed by a wallet"),
    "credential.issued": N_("Credential issued"),
    "issuance.revoke": N_("Issuance revoked"),
    "issuance.suspend": N_("Issuance suspended"),
    "issuance.reinstate": N_("Issuance reinstated"),
    "credential.revoke": N_("One copy revoked"),
    "credential.suspend": N_("One copy suspended"),
    "credential.reinstate": N_("One copy reinstated"),
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
    return long_date(day)


def say(value: object) -> str:
    """Any stored value as words: Yes/No, a list joined, "Not given" for nothing."""
    if value is None or value == "" or value == []:
        return _(NOT_GIVEN)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list | tuple):
        return _(LIST_SEPARATOR).join(say(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {say(v)}" for k, v in value.items())
    text = str(value)
    return _(_WORDS[text]) if text in _WORDS else text


def _value(name: str, value: object) -> str:
    if name in _COUNTRIES and value not in (None, ""):
        codes = value if isinstance(value, list | tuple) else [value]
        return _(LIST_SEPARATOR).join(country_name(code) for code in codes)
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
    return _(_FORMATS[fmt]) if fmt in _FORMATS else fmt


def status_word(status: str) -> str:
    """ "Valid", "Suspended", "Revoked"; an offer's state ("open: the applicant can
    still redeem it"); an applicant's state as a sentence."""
    for words in (_STATUS_WORDS, _OFFER_WORDS, _APPLICANT_STATES):
        if status in words:
            return _(words[status])
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


_DETAIL_NAMES = {
    "copies": N_("copies"),
    "count": N_("count"),
    "offer_id": N_("offer id"),
    "issuance_id": N_("issuance id"),
    "configuration_id": N_("configuration id"),
    "reference": N_("reference"),
    "attempts": N_("attempts"),
}
"""The audit details' names in words (an unknown one: its own name, underscores as spaces)."""


def _detail(detail: Mapping[str, Any]) -> str:
    parts = []
    for name, value in detail.items():
        if name == "offer_burnt":
            parts.append(_("open offer withdrawn: %(answer)s", answer=say(value)))
            continue
        label = _(_DETAIL_NAMES[name]) if name in _DETAIL_NAMES else name.replace("_", " ")
        parts.append(_("%(name)s: %(value)s", name=label, value=say(value)))
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
                _(_ACTIONS[action]) if action in _ACTIONS else action,
                str(row["subject"]),
                reason,
                _detail(detail),
            )
        )
    return entries
