"""The policy rule language (verifier/rules.py): parsing, and that a rule never
passes by default (absent claim, other type)."""

from __future__ import annotations

from typing import Any

import pytest

from verifier.policies import CredentialTooOld, Policy
from verifier.rules import InvalidRule, Rule, RuleFailed

CLAIMS: dict[str, Any] = {
    "age_equal_or_over": {"18": True},
    "kyc_level": 2,
    "address": {"country": "DE"},
    "investor_classification": "professional",
    "sanctions_screening_date": "2026-11-01",
    "iat": 1_795_000_000,
}


@pytest.mark.parametrize(
    "text",
    [
        "age_equal_or_over.18 == true",
        "kyc_level >= 2",
        "kyc_level != 3",
        "kyc_level < 3",
        'address.country not in ["KP", "IR"]',
        'investor_classification in ["professional", "eligible_counterparty"]',
        'sanctions_screening_date >= "2026-01-01"',
    ],
)
def test_satisfied_rules(text: str) -> None:
    Rule.parse(text).check(CLAIMS)


@pytest.mark.parametrize(
    "text",
    [
        "kyc_level >= 3",
        "kyc_level == true",  # a bool is not a number
        'kyc_level == "2"',
        "age_equal_or_over.18 == 1",
        'address.country in ["FR"]',
        "pep == false",  # not disclosed
        "address.country.code == 1",
        'kyc_level >= "2"',
    ],
)
def test_failing_rules(text: str) -> None:
    with pytest.raises(RuleFailed):
        Rule.parse(text).check(CLAIMS)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('country not in ["KP", "IR"]', ["KP"]),
        ('country not in ["KP", "IR"]', 408),
        ('country not in ["KP", "IR"]', {"code": "KP"}),
        ('country != "KP"', ["KP"]),
        ('country != "KP"', False),
        ("level != 1", "1"),
        ("country != null", None),
        ('country not in ["KP", null]', None),
        ('country not in ["KP", "IR"]', None),
        ('country != "KP"', None),
    ],
)
def test_negative_rules_fail_on_another_type(text: str, value: Any) -> None:
    """A claim of another type is no evidence that it differs: ``["KP"]`` (the
    one-element array a holder could write for ``"KP"``, issue 19 item 2's review)
    must not pass ``not in ["KP", "IR"]``; nor does a ``null`` (unknown) country."""
    with pytest.raises(RuleFailed):
        Rule.parse(text).check({"country": value, "level": value})


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("country != null", "DE"),
        ("country != null", 0),
        ('country not in ["KP", 408]', 276),
    ],
)
def test_negative_rules_with_null_or_a_listed_type(text: str, value: Any) -> None:
    """``x != null`` is "disclosed and not null"; an array of several types admits
    a claim of any of them."""
    Rule.parse(text).check({"country": value})


@pytest.mark.parametrize(
    "text",
    ["", "kyc_level", "kyc_level => 2", "kyc_level >= two", "a in 3", "a >= true", "a..b == 1", 5],
)
def test_unparsable_rules(text: Any) -> None:
    with pytest.raises(InvalidRule):
        Rule.parse(text)


def test_the_query_asks_for_exactly_the_rule_paths_and_claims() -> None:
    policy = Policy.from_dict(
        "p",
        {
            "vct": "v",
            "rules": ['address.country != "KP"', "kyc_level >= 2"],
            "claims": [["kyc_level"]],
        },
    )
    (query,) = policy.dcql_query().to_dict()["credentials"]
    assert [c["path"] for c in query["claims"]] == [["address", "country"], ["kyc_level"]]
    assert policy.transaction_data() is None
    assert policy.retained_claims(CLAIMS | {"given_name": "E"}) == {
        "address.country": "DE",
        "kyc_level": 2,
        "iat": 1_795_000_000,
    }


def test_credential_age() -> None:
    policy = Policy.from_dict("p", {"vct": "v", "max_credential_age_days": 30})
    policy.check(CLAIMS, CLAIMS["iat"] + 29 * 86400)
    with pytest.raises(CredentialTooOld):
        policy.check(CLAIMS, CLAIMS["iat"] + 31 * 86400)
    with pytest.raises(CredentialTooOld):
        policy.check({}, CLAIMS["iat"])
