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

from kyc_wallet.locales import best_of, current_locale, supported_locale
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


EN, ZH_HANS, ZH_HANT = "en-US", "zh-Hans", "zh-Hant"
"""The languages of the type's ``display`` entries (RFC 5646 tags: Simplified
and Traditional Chinese by their script, as readers in the mainland, Hong
Kong and Taiwan set their browsers: :func:`kyc_wallet.locales.supported_locale`)."""

# path -> ({language: label}, mandatory)
CLAIMS: tuple[tuple[tuple[str, ...], dict[str, str], bool], ...] = (
    (("given_name",), {EN: "Given name", ZH_HANS: "名字", ZH_HANT: "名字"}, True),
    (("family_name",), {EN: "Family name", ZH_HANS: "姓氏", ZH_HANT: "姓氏"}, True),
    (("birthdate",), {EN: "Date of birth", ZH_HANS: "出生日期", ZH_HANT: "出生日期"}, True),
    (("nationalities",), {EN: "Nationalities", ZH_HANS: "国籍", ZH_HANT: "國籍"}, True),
    (("address",), {EN: "Address", ZH_HANS: "地址", ZH_HANT: "地址"}, True),
    (("address", "street_address"), {EN: "Street", ZH_HANS: "街道", ZH_HANT: "街道"}, False),
    (("address", "locality"), {EN: "City", ZH_HANS: "城市", ZH_HANT: "城市"}, False),
    (
        ("address", "postal_code"),
        {EN: "Postal code", ZH_HANS: "邮政编码", ZH_HANT: "郵遞區號"},
        False,
    ),
    (
        ("address", "country"),
        {EN: "Country of residence", ZH_HANS: "居住国家/地区", ZH_HANT: "居住國家/地區"},
        True,
    ),
    (
        ("age_equal_or_over", "18"),
        {EN: "18 or older", ZH_HANS: "年满 18 岁", ZH_HANT: "年滿 18 歲"},
        True,
    ),
    (
        ("age_equal_or_over", "21"),
        {EN: "21 or older", ZH_HANS: "年满 21 岁", ZH_HANT: "年滿 21 歲"},
        True,
    ),
    (
        ("kyc_level",),
        {EN: "KYC level (1-3)", ZH_HANS: "KYC 级别（1–3）", ZH_HANT: "KYC 級別（1–3）"},
        True,
    ),
    (("kyc_method",), {EN: "KYC method", ZH_HANS: "KYC 方式", ZH_HANT: "KYC 方式"}, True),
    (
        ("sanctions_screening_result",),
        {
            EN: "Sanctions / AML screening result",
            ZH_HANS: "制裁及反洗钱筛查结果",
            ZH_HANT: "制裁及反洗錢篩查結果",
        },
        True,
    ),
    (
        ("sanctions_screening_date",),
        {
            EN: "Sanctions / AML screening date",
            ZH_HANS: "制裁及反洗钱筛查日期",
            ZH_HANT: "制裁及反洗錢篩查日期",
        },
        True,
    ),
    (
        ("pep",),
        {EN: "Politically exposed person", ZH_HANS: "政治公众人物", ZH_HANT: "政治人物"},
        True,
    ),
    (
        ("investor_classification",),
        {EN: "Investor classification", ZH_HANS: "投资者类别", ZH_HANT: "投資者類別"},
        True,
    ),
    (
        ("investor_jurisdiction",),
        {
            EN: "Investor classification jurisdiction",
            ZH_HANS: "投资者类别所依据的司法管辖区",
            ZH_HANT: "投資者類別所依據的司法管轄區",
        },
        True,
    ),
)
"""Each claim's label in English, Simplified and Traditional Chinese
(Traditional as used in Hong Kong: 政治人物 is the AMLO's term for a PEP)."""
DEFAULT_NAME = "KYC credential"
NAMES = {EN: DEFAULT_NAME, ZH_HANS: "KYC 凭证", ZH_HANT: "KYC 憑證"}
DESCRIPTIONS = {
    EN: "Proof that you passed KYC, reusable with token platforms.",
    ZH_HANS: "证明您已通过 KYC（客户身份核查），可在各代币平台重复使用。",
    ZH_HANT: "證明您已通過 KYC（客戶身分審查），可於各代幣平台重複使用。",
}


def claim_label(path: tuple[str, ...] | list[Any], language: str | None = None) -> str:
    """The display name of a claim path in ``language`` (a language tag;
    default: the page's, :func:`kyc_wallet.locales.current_locale`),
    English when that language has none; the path itself when the claim is unknown."""
    key = tuple(str(p) for p in path)
    locale = supported_locale(language) if language else current_locale()
    for claim_path, labels, _mandatory in CLAIMS:
        if claim_path == key:
            return best_of(labels, locale or "en") or labels[EN]
    return ".".join(key)


def type_metadata(name: str = DEFAULT_NAME) -> dict[str, Any]:
    """SD-JWT VC Type Metadata for :data:`VCT` (SD-JWT VC §6, §8 ``display``, §9 ``claims``):
    one ``display`` entry per language for the type and for each claim (§8:
    "an object for each locale that is supported by the type"; §9.2: each
    claim's ``display`` has one for each locale the type supports). A ``name``
    other than the default is the issuer's own: it stays as given in every
    language."""
    names = NAMES if name == DEFAULT_NAME else dict.fromkeys(NAMES, name)
    return {
        "vct": VCT,
        "name": name,
        "description": "The result of a KYC check by a regulated KYC provider, for "
        "permissioned (ERC-3643) token platforms.",
        "display": [
            {"locale": language, "name": names[language], "description": DESCRIPTIONS[language]}
            for language in NAMES
        ],
        "claims": [
            {
                "path": list(path),
                "display": [
                    {"locale": language, "label": label} for language, label in labels.items()
                ],
                "sd": "always",
                "mandatory": mandatory,
            }
            for path, labels, mandatory in CLAIMS
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
