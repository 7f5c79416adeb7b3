"""A policy's rules as sentences an investor reads (issue 20 item 2).

The token page says "You must be 18 or older", "Not available to residents of
North Korea or Iran", "Professional or accredited investors only": never the
rule language of :mod:`verifier.rules`, a claim path or a DCQL query.
Countries are named (:func:`kyc_wallet.web.display.country_name`: alpha-2,
alpha-3 and numeric ISO 3166-1 codes alike).

No Flask here. Each sentence is one whole template with named placeholders
(``"Not available to residents of {countries}"``), marked with :func:`N_` so
that Babel extracts it as a unit into the verifier's catalogue; the caller
passes its ``gettext`` as ``translate`` (the pages pass
:func:`kyc_wallet.locales.gettext`; the identity by default), and the template
is translated before the values go in. Countries are named in the page's
language (:func:`~kyc_wallet.web.display.country_name` reads it). A rule this
module has no sentence for is still said in words: its claim's label and the
comparison ("KYC method must be eid"), never dropped (an investor must see every condition).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from kyc_wallet.locales import N_
from kyc_wallet.web.display import country_name

from .rules import Rule

__all__ = [
    "N_",
    "Translate",
    "join_or",
    "policy_sentences",
    "rule_sentence",
    "sentence_case",
    "token_country_sentences",
]

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


AGE_AT_LEAST = N_("You must be {age} or older")
AGE_UNDER = N_("You must be under {age}")
KYC_LEVEL_AT_LEAST = N_("Your identity must have been checked at KYC level {level} or higher")
KYC_LEVEL_AT_MOST = N_("Your identity must have been checked at KYC level {level} or lower")
KYC_LEVEL_ONE_OF = N_("Your identity must have been checked at KYC level {levels}")
KYC_METHOD_ONE_OF = N_("Your identity must have been checked by {methods}")
SANCTIONS_CLEAR = N_("You must have passed sanctions screening")
SCREENED_SINCE = N_("Your sanctions screening must date from {date} or later")
NOT_PEP = N_("Not available to politically exposed persons")
NOT_RESIDENTS = N_("Not available to residents of {countries}")
ONLY_RESIDENTS = N_("Only for residents of {countries}")
NOT_JURISDICTION = N_("Not available to investors under the jurisdiction of {countries}")
ONLY_JURISDICTION = N_("Only for investors under the jurisdiction of {countries}")
CLASSES_ONLY = N_("{classes} investors only")
CLASSES_NOT = N_("Not available to {classes} investors")
CREDENTIAL_AGE = N_("Your KYC credential must have been issued in the last {days} days")
CLAIM_IS = N_("{claim} must be {value}")
CLAIM_IS_NOT = N_("{claim} must not be {value}")
CLAIM_AT_LEAST = N_("{claim} must be at least {value}")
CLAIM_AT_MOST = N_("{claim} must be at most {value}")
CLAIM_MORE_THAN = N_("{claim} must be more than {value}")
CLAIM_LESS_THAN = N_("{claim} must be less than {value}")
JOIN_OR = N_("{items} or {last}")
JOIN_SEPARATOR = N_(", ")
YES, NO, NOTHING = N_("yes"), N_("no"), N_("not given")

CLAIM_LABELS = {
    "given_name": N_("Given name"),
    "family_name": N_("Family name"),
    "birthdate": N_("Date of birth"),
    "nationalities": N_("Nationality"),
    "address.country": N_("Country of residence"),
    "address.locality": N_("City"),
    "address.postal_code": N_("Postal code"),
    "address.street_address": N_("Street"),
    "kyc_level": N_("KYC level"),
    "kyc_method": N_("KYC method"),
    "sanctions_screening_result": N_("Sanctions screening"),
    "sanctions_screening_date": N_("Sanctions screening date"),
    "pep": N_("Politically exposed person"),
    "investor_classification": N_("Investor classification"),
    "investor_jurisdiction": N_("Investor jurisdiction"),
}
"""The KYC credential's claims (docs/credential.md) by path, as the wallet labels them."""

CLASS_NAMES = {
    "retail": N_("retail"),
    "professional": N_("professional"),
    "accredited": N_("accredited"),
    "eligible_counterparty": N_("eligible counterparty"),
}
METHOD_NAMES = {
    "video_ident": N_("video identification"),
    "eid": N_("electronic ID"),
    "in_person": N_("a check in person"),
    "document_check": N_("a document check"),
    "bank_ident": N_("bank identification"),
}

_W3C_PATHS = {
    "over18": "age_equal_or_over.18",
    "over21": "age_equal_or_over.21",
    "kycLevel": "kyc_level",
    "kycMethod": "kyc_method",
    "sanctionsScreeningDate": "sanctions_screening_date",
    "investorClassification": "investor_classification",
    "investorJurisdiction": "investor_jurisdiction",
    "residenceCountry": "address.country",
}
"""The W3C predicate credentials' members (:data:`ssi.w3c.PREDICATE_GROUPS`) read as
the SD-JWT VC claims they are derived from; ``sanctionsClear`` is a flag of its own."""

_COUNTRY_SENTENCES = {
    "address.country": (ONLY_RESIDENTS, NOT_RESIDENTS),
    "investor_jurisdiction": (ONLY_JURISDICTION, NOT_JURISDICTION),
}


def sentence_case(text: str) -> str:
    """The first letter capitalised (a sentence that starts with a placeholder)."""
    return text[:1].upper() + text[1:]


def join_or(items: Sequence[str], translate: Translate = _same) -> str:
    """``"A, B or C"`` (the connector and separator translated)."""
    if len(items) <= 1:
        return "".join(items)
    head = translate(JOIN_SEPARATOR).join(items[:-1])
    return translate(JOIN_OR).format(items=head, last=items[-1])


def _value(value: Any, translate: Translate) -> str:
    if value is True:
        return translate(YES)
    if value is False:
        return translate(NO)
    if value is None:
        return translate(NOTHING)
    return str(value)


def _values(rule: Rule) -> list[Any]:
    return list(rule.value) if rule.op in ("in", "not in") else [rule.value]


def _label(path: str, translate: Translate) -> str:
    label = CLAIM_LABELS.get(path)
    if label is not None:
        return translate(label)
    return sentence_case(" ".join(path.replace("_", " ").split(".")))


def _generic(path: str, rule: Rule, translate: Translate) -> str:
    claim = _label(path, translate)
    words = join_or([_value(v, translate) for v in _values(rule)], translate)
    template = {
        "==": CLAIM_IS,
        "in": CLAIM_IS,
        "!=": CLAIM_IS_NOT,
        "not in": CLAIM_IS_NOT,
        ">=": CLAIM_AT_LEAST,
        "<=": CLAIM_AT_MOST,
        ">": CLAIM_MORE_THAN,
        "<": CLAIM_LESS_THAN,
    }[rule.op]
    return translate(template).format(claim=claim, value=words)


def _positive(rule: Rule) -> bool | None:
    """``True`` for a rule that admits the values it names (``==``, ``in``), ``False``
    for one that excludes them (``!=``, ``not in``), ``None`` for an ordering."""
    return {"==": True, "in": True, "!=": False, "not in": False}.get(rule.op)


def _names(rule: Rule, table: dict[str, str], translate: Translate) -> list[str] | None:
    values = _values(rule)
    if not all(isinstance(v, str) for v in values):
        return None
    return [translate(table[v]) if v in table else v.replace("_", " ") for v in values]


def _specific(path: str, rule: Rule, translate: Translate) -> str | None:
    """The sentence of a rule on a claim this module knows, or ``None``."""
    positive, value = _positive(rule), rule.value
    age = path.removeprefix("age_equal_or_over.")
    if age != path and rule.op in ("==", "!=") and isinstance(value, bool):
        template = AGE_AT_LEAST if value is (rule.op == "==") else AGE_UNDER
        return translate(template).format(age=age)
    if path == "kyc_level" and all(
        isinstance(v, int) and not isinstance(v, bool) for v in _values(rule)
    ):
        levels = [str(v) for v in _values(rule)]
        if rule.op in (">=", ">"):
            level = value + 1 if rule.op == ">" else value
            return translate(KYC_LEVEL_AT_LEAST).format(level=level)
        if rule.op in ("<=", "<"):
            level = value - 1 if rule.op == "<" else value
            return translate(KYC_LEVEL_AT_MOST).format(level=level)
        if positive:
            return translate(KYC_LEVEL_ONE_OF).format(levels=join_or(levels, translate))
        return None
    if path == "kyc_method" and positive:
        methods = _names(rule, METHOD_NAMES, translate)
        if methods:
            return translate(KYC_METHOD_ONE_OF).format(methods=join_or(methods, translate))
    if path == "sanctions_screening_result" and (
        (rule.op == "==" and value == "clear") or (rule.op == "!=" and value == "hit")
    ):
        return translate(SANCTIONS_CLEAR)
    if path == "sanctions_screening_date" and rule.op in (">=", ">") and isinstance(value, str):
        return translate(SCREENED_SINCE).format(date=value)
    if path == "pep" and (rule.op, value) in (("==", False), ("!=", True)):
        return translate(NOT_PEP)
    if path in _COUNTRY_SENTENCES and positive is not None:
        values = _values(rule)
        if all(isinstance(v, str) for v in values):
            only, excluded = _COUNTRY_SENTENCES[path]
            countries = join_or([country_name(v) for v in values], translate)
            return translate(only if positive else excluded).format(countries=countries)
    if path == "investor_classification" and positive is not None:
        classes = _names(rule, CLASS_NAMES, translate)
        if classes:
            template = CLASSES_ONLY if positive else CLASSES_NOT
            return sentence_case(translate(template).format(classes=join_or(classes, translate)))
    return None


def rule_sentence(rule: Rule, translate: Translate = _same) -> str:
    """One rule in words."""
    path = ".".join(rule.path)
    if path == "sanctionsClear" and (rule.op, rule.value) in (("==", True), ("!=", False)):
        return translate(SANCTIONS_CLEAR)
    path = _W3C_PATHS.get(path, path)
    return _specific(path, rule, translate) or _generic(path, rule, translate)


def policy_sentences(
    rules: Iterable[Rule], max_credential_age_days: int | None = None, translate: Translate = _same
) -> list[str]:
    """Every condition of a policy in words, each once, in the policy's order."""
    sentences = [rule_sentence(rule, translate) for rule in rules]
    if max_credential_age_days is not None:
        sentences.append(translate(CREDENTIAL_AGE).format(days=max_credential_age_days))
    return list(dict.fromkeys(sentences))


def token_country_sentences(
    allowed: Iterable[int | str], restricted: Iterable[int | str], translate: Translate = _same
) -> list[str]:
    """The token contract's own country rules (T-REX ``CountryAllowModule`` and
    ``CountryRestrictModule``, ISO 3166-1 numeric codes) in words, the countries
    in the order of their names (the contract keeps them by number)."""
    out = []
    for codes, template in ((list(allowed), ONLY_RESIDENTS), (list(restricted), NOT_RESIDENTS)):
        if codes:
            countries = join_or(sorted(country_name(c) for c in codes), translate)
            out.append(translate(template).format(countries=countries))
    return out
