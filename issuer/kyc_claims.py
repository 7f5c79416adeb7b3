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
import re
from dataclasses import dataclass
from typing import Any

from ssi.country import alpha2_code
from ssi.errors import InvalidRequest, MalformedInput

__all__ = [
    "VCT",
    "CREDENTIAL_CONFIGURATION_ID",
    "KYC_LEVELS",
    "KYC_METHODS",
    "INVESTOR_CATEGORIES",
    "SCREENING_RESULTS",
    "KycRecord",
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
_COUNTRY = re.compile(r"[A-Za-z]{2}")  # before upper(): 'ß'.upper() is 'SS'
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fromisoformat also takes 20261123


class InvalidKycRecord(InvalidRequest):
    """A KYC record with a missing or malformed field."""


def _text(data: dict[str, Any], name: str, max_len: int = 200, required: bool = True) -> str:
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise InvalidKycRecord(f"{name!r} is required")
        return ""
    if not isinstance(value, str) or len(value) > max_len or not value.strip():
        raise InvalidKycRecord(f"{name!r} must be a non-empty text of at most {max_len} characters")
    if _CONTROL.search(value):
        raise InvalidKycRecord(f"{name!r} must not hold control characters")
    return value.strip()


def _date(data: dict[str, Any], name: str) -> dt.date:
    value = data.get(name)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidKycRecord(f"{name!r} must be a date YYYY-MM-DD")


def _country(value: object, name: str) -> str:
    """An assigned ISO 3166-1 alpha-2 code (``XX`` or ``UK`` are two letters, no
    country: issue 19 item 1); lower case is accepted from forms and upper-cased."""
    if not isinstance(value, str) or _COUNTRY.fullmatch(value) is None:
        raise InvalidKycRecord(f"{name!r} must be an ISO 3166-1 alpha-2 country code")
    try:
        return alpha2_code(value.upper(), repr(name))
    except MalformedInput as exc:
        raise InvalidKycRecord(exc.description) from exc


def _choice(data: dict[str, Any], name: str, choices: tuple[Any, ...]) -> Any:
    value = data.get(name)
    if value not in choices:
        raise InvalidKycRecord(f"{name!r} must be one of {', '.join(map(str, choices))}")
    return value


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
        if not isinstance(data, dict):
            raise InvalidKycRecord("the KYC record must be a JSON object")
        nationalities = data.get("nationalities")
        if isinstance(nationalities, str):
            nationalities = [n for n in re.split(r"[,\s]+", nationalities) if n]
        if not isinstance(nationalities, list) or not nationalities or len(nationalities) > 10:
            raise InvalidKycRecord("'nationalities' must list 1 to 10 country codes")
        level = data.get("kyc_level")
        if isinstance(level, str):  # a form's "2"; never int() of any Unicode digit
            level = {str(n): n for n in KYC_LEVELS}.get(level, level)
        if isinstance(level, bool):  # True == 1 in Python, not a level
            raise InvalidKycRecord("'kyc_level' must be one of 1, 2, 3")
        pep = data.get("pep", False)
        if not isinstance(pep, bool):  # a form's checkbox is turned into a bool by its view
            raise InvalidKycRecord("'pep' must be true or false")
        birthdate = _date(data, "birthdate")
        if not dt.date(1900, 1, 1) <= birthdate <= dt.date.today():
            raise InvalidKycRecord("'birthdate' is not a plausible date of birth")
        return cls(
            given_name=_text(data, "given_name"),
            family_name=_text(data, "family_name"),
            birthdate=birthdate,
            nationalities=tuple(_country(n, "nationalities") for n in nationalities),
            street_address=_text(data, "street_address", required=False),
            locality=_text(data, "locality", required=False),
            postal_code=_text(data, "postal_code", 20, required=False),
            country=_country(data.get("country"), "country"),
            kyc_level=int(_choice({"kyc_level": level}, "kyc_level", KYC_LEVELS)),
            kyc_method=_choice(data, "kyc_method", KYC_METHODS),
            sanctions_screening_result=_choice(
                data, "sanctions_screening_result", SCREENING_RESULTS
            ),
            sanctions_screening_date=_date(data, "sanctions_screening_date"),
            pep=pep,
            investor_classification=_choice(data, "investor_classification", INVESTOR_CATEGORIES),
            investor_jurisdiction=_country(
                data["investor_jurisdiction"]
                if data.get("investor_jurisdiction") not in (None, "")
                else data.get("country"),
                "investor_jurisdiction",
            ),
        )

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
