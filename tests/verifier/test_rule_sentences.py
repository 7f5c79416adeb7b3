"""Issue 20 item 2, the platform's words: a policy's rules as sentences (no rule
language, no claim path), countries and chains by name, and every refusal
reason code as a sentence an investor understands. No server: pure functions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kyc_wallet.demo_setup import RULES as DEMO_RULES
from verifier import outcome_sentences as o
from verifier.outcome_sentences import outcome_messages, refusal_sentence, whitelisting_sentence
from verifier.rule_sentences import (
    join_or,
    policy_sentences,
    rule_sentence,
    token_country_sentences,
)
from verifier.rules import Rule

DOCS = Path(__file__).resolve().parents[2] / "docs" / "verifier.md"


def sentences(*rules: str, age: int | None = None) -> list[str]:
    return policy_sentences([Rule.parse(r) for r in rules], age)


def test_rule_sentences_of_the_demo_policy() -> None:
    assert sentences(*DEMO_RULES) == [
        "You must be 18 or older",
        "Your identity must have been checked at KYC level 2 or higher",
        "You must have passed sanctions screening",
        "Not available to residents of North Korea or Iran",
        "Professional or accredited investors only",
    ]


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        ("age_equal_or_over.21 == true", "You must be 21 or older"),
        ("age_equal_or_over.18 == false", "You must be under 18"),
        ("kyc_level > 1", "Your identity must have been checked at KYC level 2 or higher"),
        ("kyc_level in [2, 3]", "Your identity must have been checked at KYC level 2 or 3"),
        ('sanctions_screening_result != "hit"', "You must have passed sanctions screening"),
        (
            'kyc_method in ["eid", "video_ident"]',
            "Your identity must have been checked by electronic ID or video identification",
        ),
        ("pep == false", "Not available to politically exposed persons"),
        (
            'address.country in ["DE", "FRA", "040"]',
            "Only for residents of Germany, France or Austria",
        ),
        ('address.country != "KP"', "Not available to residents of North Korea"),
        (
            'investor_jurisdiction not in ["US"]',
            "Not available to investors under the jurisdiction of United States",
        ),
        ('investor_classification == "professional"', "Professional investors only"),
        ('investor_classification not in ["retail"]', "Not available to retail investors"),
        (
            'sanctions_screening_date >= "2026-01-01"',
            "Your sanctions screening must date from 2026-01-01 or later",
        ),
        # the W3C predicate credentials' members read as the claims they come from
        ("over18 == true", "You must be 18 or older"),
        ("sanctionsClear == true", "You must have passed sanctions screening"),
        ('residenceCountry not in ["IR"]', "Not available to residents of Iran"),
        # a rule without a sentence of its own is still said in words, never dropped
        ('nationalities == "DE"', "Nationality must be DE"),
        ("membership_tier.level >= 3", "Membership tier level must be at least 3"),
        ("accepted_terms == true", "Accepted terms must be yes"),
    ],
)
def test_rule_sentence_names_no_path_and_no_operator(rule: str, sentence: str) -> None:
    said = rule_sentence(Rule.parse(rule))
    assert said == sentence
    assert not re.search(r"==|!=|>=|<=|\[|\]|\"|\w+\.\w+|_", said), said


def test_policy_sentences_add_the_credential_age_and_say_each_condition_once() -> None:
    assert sentences("over18 == true", "age_equal_or_over.18 == true", age=365) == [
        "You must be 18 or older",
        "Your KYC credential must have been issued in the last 365 days",
    ]


def test_token_country_rules_name_numeric_iso_codes() -> None:
    """T-REX's country modules hold ISO 3166-1 numeric codes: 408 is North Korea."""
    assert token_country_sentences([276, 250], [408, "364"]) == [
        "Only for residents of France or Germany",
        "Not available to residents of Iran or North Korea",
    ]
    assert token_country_sentences([], []) == []


def test_sentences_are_whole_templates_translated_before_the_values_go_in() -> None:
    """The i18n pass hands its gettext in: it sees each sentence whole, placeholders named."""
    catalogue = {
        "Not available to residents of {countries}": "不向{countries}居民开放",
        "{items} or {last}": "{items}或{last}",
    }
    seen: list[str] = []

    def translate(template: str) -> str:
        seen.append(template)
        return catalogue.get(template, template)

    said = rule_sentence(Rule.parse('address.country not in ["KP", "IR"]'), translate)
    assert said == "不向North Korea或Iran居民开放"
    assert "Not available to residents of {countries}" in seen
    assert join_or(["a", "b", "c"]) == "a, b or c" and join_or(["a"]) == "a"


REFUSALS = [
    ("CredentialRevoked", "Your credential has been revoked by the KYC provider"),
    ("CredentialSuspended", "Your credential has been suspended by the KYC provider: ask them why"),
    ("FetchHTTPStatus", o.STATUS_UNREACHABLE),
    ("FetchTimeout", o.STATUS_UNREACHABLE),
    ("QueryNotSatisfied", o.NOT_SHARED),
    ("RuleFailed", "Your credential does not meet this token's conditions"),
    ("CredentialTooOld", o.TOO_OLD),
    ("InvalidCountryCode", o.BAD_COUNTRY),
    ("AddressProofMissing", o.NO_ADDRESS_PROOF),
    ("SignerMismatch", o.ADDRESS_PROOF_MISMATCH),
    ("ChainMismatch", o.ADDRESS_PROOF_MISMATCH),
    ("MessageExpired", o.ADDRESS_PROOF_LATE),
    ("ReplayDetected", o.ALREADY_ANSWERED),
    ("UntrustedIssuer", "This platform does not accept credentials from your KYC provider"),
    ("TimeInvalid", o.EXPIRED_CREDENTIAL),
    ("IssuedInFuture", o.EXPIRED_CREDENTIAL),  # a TimeInvalid not listed: its base's sentence
    ("InvalidSignature", o.NOT_VERIFIABLE),  # likewise, VerificationError's
    ("SomethingNew", "The platform could not accept your credential"),
]


@pytest.mark.parametrize(("code", "sentence"), REFUSALS)
def test_refusal_sentence_per_reason_code(code: str, sentence: str) -> None:
    assert refusal_sentence(code) == sentence
    assert code not in sentence


def test_every_documented_reason_code_has_its_own_sentence() -> None:
    """docs/verifier.md lists the refusal codes: none is left to the catch-all."""
    text = DOCS.read_text()
    section = text.split("Refusal `reason.code` values", 1)[1].split("###", 1)[0]
    codes = set(re.findall(r"`([A-Z][A-Za-z]+)`", section))
    assert {"CredentialRevoked", "RuleFailed", "MessageExpired"} <= codes
    for code in sorted(codes):
        assert refusal_sentence(code) != o.UNKNOWN_REASON, code


def test_a_failed_rule_is_named_when_the_description_and_rules_are_known() -> None:
    rules = [Rule.parse(r) for r in DEMO_RULES]
    country = f"rule {DEMO_RULES[3]!r} is not satisfied"
    assert (
        refusal_sentence("RuleFailed", country, rules)
        == "This token is not available to residents of your country"
    )
    level = f"rule {DEMO_RULES[1]!r}: the claim is not disclosed"
    assert refusal_sentence("RuleFailed", level, rules) == (
        "Your credential does not meet this condition of the token:"
        " Your identity must have been checked at KYC level 2 or higher"
    )
    classification = f"rule {DEMO_RULES[4]!r} is not satisfied"
    assert refusal_sentence("RuleFailed", classification, rules) == o.CLASS_EXCLUDED


def test_whitelisting_progress_in_plain_words() -> None:
    assert (
        whitelisting_sentence("queued") == "Waiting to be added to the list of verified investors"
    )
    assert whitelisting_sentence("sent") == "Being added on chain: waiting for confirmation"
    assert whitelisting_sentence("done") == "Added to the list of verified investors"
    assert whitelisting_sentence(None) is None


def test_outcome_headline_names_the_short_address_and_the_token() -> None:
    view = {"status": "verified", "whitelisting": {"state": "done"}}
    messages = outcome_messages(view, "0x75C1…6506", "SP7")
    assert messages["headline"] == "Verified: your address 0x75C1…6506 can now hold SP7"
    pending = outcome_messages({**view, "whitelisting": {"state": "sent"}}, "0x75C1…6506", "SP7")
    assert pending["headline"] == (
        "Verified: your address 0x75C1…6506 can hold SP7 as soon as it is added on chain"
    )
    refused = outcome_messages(
        {"status": "refused", "reason": {"code": "CredentialRevoked"}}, None, None
    )
    assert refused == {
        "headline": "Not verified",
        "whitelisting": None,
        "reason": "Your credential has been revoked by the KYC provider",
        "reason_code": "CredentialRevoked",
    }
