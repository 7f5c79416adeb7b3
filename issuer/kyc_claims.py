"""The KYC credential: its one ``vct``, its claims, and its SD-JWT VC Type Metadata.

One credential type for every issuer (docs/credential.md). Every claim is
selectively disclosable on its own (RFC 9901 §4.2); ``address`` and
``age_equal_or_over`` are objects whose members are disclosures of their own,
so a platform can learn ``address.country`` without the street, and "over 18"
without the birthdate (SD-JWT VC §3.2.2.2 and the EUDI PID practice).

A KYC record received from an operator or a vendor's back end is validated
here: a bad record is refused with a clear message before anything is stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ssi.errors import InvalidRequest

from .fields import Choice, Countries, Country, Day, Field, Flag, String, Text

__all__ = [
    "VCT",
    "CREDENTIAL_CONFIGURATION_ID",
    "KYC_LEVELS",
    "KYC_METHODS",
    "INVESTOR_CATEGORIES",
    "SCREENING_RESULTS",
    "APPLICANT_FIELDS",
    "REFERENCE",
    "KycRecord",
    "applicant_schema",
    "type_metadata",
    "sd_paths",
    "claim_label",
]

VCT = "urn:kyc-wallet:vct:kyc:1"
CREDENTIAL_CONFIGURATION_ID = "kyc_sd_jwt_vc"
KYC_LEVELS = (1, 2, 3)
KYC_METHODS = ("video_ident", "eid", "in_person", "document_check", "bank_ident")
INVESTOR_CATEGORIES = ("retail", "professional", "accredited")
SCREENING_RESULTS = ("clear", "hit")
APPLICANT_FIELDS: tuple[Field, ...] = (
    Text("given_name"),
    Text("family_name"),
    Day("birthdate", birthdate=True),
    Countries("nationalities"),
    Text("street_address", required=False),
    Text("locality", required=False),
    Text("postal_code", 20, required=False),
    Country("country"),
    Choice("kyc_level", KYC_LEVELS),
    Choice("kyc_method", KYC_METHODS),
    Choice("sanctions_screening_result", SCREENING_RESULTS),
    Day("sanctions_screening_date"),
    Flag("pep"),
    Choice("investor_classification", INVESTOR_CATEGORIES),
    Country("investor_jurisdiction", default_from="country"),
)
"""The KYC record's members as received (API and operator form): each field's
check is :meth:`KycRecord.from_dict`'s, its schema the OpenAPI ``Applicant``'s."""
REFERENCE = String("reference", max_length=200)
"""The vendor's (or operator's) own reference for the applicant, kept beside the record."""


def applicant_schema(today: dt.date | None = None) -> dict[str, Any]:
    """The JSON Schema of a KYC record; ``today`` bounds the birthdate (default:
    the local date, as :meth:`KycRecord.from_dict` uses)."""
    today = today or dt.date.today()
    return {
        "type": "object",
        "required": [f.name for f in APPLICANT_FIELDS if f.required],
        "properties": {f.name: f.schema(today) for f in APPLICANT_FIELDS},
    }


@dataclass(frozen=True)
class KycRecord:
    """The verified facts about one applicant, as the KYC provider recorded them."""

    given_name: str
    family_name: str
    birthdate: dt.date
    nationalities: tuple[str, ...]
    street_address: str
    locality: str
    postal_code: str
    country: str
    kyc_level: int
    kyc_method: str
    sanctions_screening_result: str
    sanctions_screening_date: dt.date
    pep: bool
    investor_classification: str
    investor_jurisdiction: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> KycRecord:
        """Check every member (:data:`APPLICANT_FIELDS`); a bad one is a 400 naming it."""
        if not isinstance(data, dict):
            raise InvalidRequest("the KYC record must be a JSON object")
        today = dt.date.today()
        return cls(**{f.name: f.read(data, today) for f in APPLICANT_FIELDS})

    def to_dict(self) -> dict[str, Any]:
        """The record as stored (JSON-ready)."""
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birthdate": self.birthdate.isoformat(),
            "nationalities": list(self.nationalities),
            "street_address": self.street_address,
            "locality": self.locality,
            "postal_code": self.postal_code,
            "country": self.country,
            "kyc_level": self.kyc_level,
            "kyc_method": self.kyc_method,
            "sanctions_screening_result": self.sanctions_screening_result,
            "sanctions_screening_date": self.sanctions_screening_date.isoformat(),
            "pep": self.pep,
            "investor_classification": self.investor_classification,
            "investor_jurisdiction": self.investor_jurisdiction,
        }

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.birthdate.year
        return years - ((day.month, day.day) < (self.birthdate.month, self.birthdate.day))

    def credential_claims(self, today: dt.date) -> dict[str, Any]:
        """The credential's claims (before selective disclosure is applied)."""
        address = {"country": self.country}
        for name in ("street_address", "locality", "postal_code"):
            if getattr(self, name):
                address[name] = getattr(self, name)
        age = self.age_on(today)
        return {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "birthdate": self.birthdate.isoformat(),
            "nationalities": list(self.nationalities),
            "address": address,
            "age_equal_or_over": {"18": age >= 18, "21": age >= 21},
            "kyc_level": self.kyc_level,
            "kyc_method": self.kyc_method,
            "sanctions_screening_result": self.sanctions_screening_result,
            "sanctions_screening_date": self.sanctions_screening_date.isoformat(),
            "pep": self.pep,
            "investor_classification": self.investor_classification,
            "investor_jurisdiction": self.investor_jurisdiction,
        }


# path -> (English label, mandatory)
CLAIMS: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    (("given_name",), "Given name", True),
    (("family_name",), "Family name", True),
    (("birthdate",), "Date of birth", True),
    (("nationalities",), "Nationalities", True),
    (("address",), "Address", True),
    (("address", "street_address"), "Street", False),
    (("address", "locality"), "City", False),
    (("address", "postal_code"), "Postal code", False),
    (("address", "country"), "Country of residence", True),
    (("age_equal_or_over", "18"), "18 or older", True),
    (("age_equal_or_over", "21"), "21 or older", True),
    (("kyc_level",), "KYC level (1-3)", True),
    (("kyc_method",), "KYC method", True),
    (("sanctions_screening_result",), "Sanctions / AML screening result", True),
    (("sanctions_screening_date",), "Sanctions / AML screening date", True),
    (("pep",), "Politically exposed person", True),
    (("investor_classification",), "Investor classification", True),
    (("investor_jurisdiction",), "Investor classification jurisdiction", True),
)


def claim_label(path: tuple[str, ...] | list[Any]) -> str:
    """The English display name of a claim path (the path itself when unknown)."""
    key = tuple(str(p) for p in path)
    for claim_path, label, _mandatory in CLAIMS:
        if claim_path == key:
            return label
    return ".".join(key)


def type_metadata(name: str = "KYC credential") -> dict[str, Any]:
    """SD-JWT VC Type Metadata for :data:`VCT` (SD-JWT VC §6, §8 ``display``, §9 ``claims``)."""
    return {
        "vct": VCT,
        "name": name,
        "description": "The result of a KYC check by a regulated KYC provider, for "
        "permissioned (ERC-3643) token platforms.",
        "display": [
            {
                "locale": "en-US",
                "name": name,
                "description": "Proof that you passed KYC, reusable with token platforms.",
            }
        ],
        "claims": [
            {
                "path": list(path),
                "display": [{"locale": "en-US", "label": label}],
                "sd": "always",
                "mandatory": mandatory,
            }
            for path, label, mandatory in CLAIMS
        ],
    }


def sd_paths(claims: dict[str, Any]) -> list[list[str]]:
    """The claim paths made selectively disclosable: every claim, and each member of
    ``address`` and of ``age_equal_or_over`` on its own (``age_equal_or_over``
    itself stays a plain object holding only digests)."""
    paths: list[list[str]] = []
    for name, value in claims.items():
        if name != "age_equal_or_over":
            paths.append([name])
        if isinstance(value, dict):
            paths.extend([name, member] for member in value)
    return paths
