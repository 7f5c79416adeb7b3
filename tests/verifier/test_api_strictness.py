"""The platform API refuses what its OpenAPI document calls invalid, with a
reason, and creates nothing: found while holding the verifier to its served
document with schemathesis (``test_api_schema.py``). Several of these were
silently accepted before, the worst being a misspelt policy member, which
dropped the rules it held: a policy with no rule verifies anyone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.verifier.conftest import TOKEN_TARGET, VCT, RunningVerifier

RULE = "kyc_level >= 2"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"policy": "kyc", "polcy": "x"}, "unknown members ['polcy']"),
        ({"policy": None, "policy_body": {"vct": VCT}}, "give exactly one of"),
        ({"policy_body": {"vct": VCT, "rule": [RULE]}}, "unknown or unused members ['rule']"),
        ({"policy_body": {"vct": VCT, "credential_type": "X"}}, "unknown or unused members"),
        (
            {"policy_body": {"vct": VCT, "dcql": {"credentials": []}}},
            "an inline policy takes no 'dcql'",
        ),
        (
            {
                "policy_body": {
                    "format": "ldp_vc",
                    "credential_type": "KycAgeCredential",
                    "vct": VCT,
                }
            },
            "unknown or unused members ['vct']",
        ),
        (
            {
                "policy_body": {"format": "ldp_vc", "credential_type": "KycAgeCredential"},
                "token": TOKEN_TARGET,
            },
            "takes no 'token'",
        ),
        ({"policy": "kyc", "token": None}, "'token' must be an object"),
        ({"policy": "kyc", "token": {**TOKEN_TARGET, "decimals": 18}}, "exactly the members"),
        ({"policy_body": {"vct": VCT, "rules": ["a == 1e400"]}}, "number without exponent"),
        ({"policy_body": {"vct": VCT, "rules": ['a == {"b": 1}']}}, "number without exponent"),
        ({"policy_body": {"vct": VCT, "rules": [RULE] * 101}}, "at most 100 rules"),
        ({"policy_body": {"vct": VCT, "rules": ["a == " + "1" * 1000]}}, "at most 1000"),
        ({"policy_body": {"vct": VCT, "max_credential_age_days": 36501}}, "0-36500"),
        ({"policy_body": {"vct": VCT, "max_credential_age_days": 1.5}}, "whole number"),
        ({"policy_body": {"vct": VCT, "max_credential_age_days": None}}, "are null"),
        ({"policy_body": {"vct": VCT, "token": None}}, "['token'] are null"),
        ({"policy": "kyc", "redirect_uri": None}, "'redirect_uri' must be"),
        ({"policy": "kyc", "redirect_uri": "https://platform.example/cb#x"}, "without fragment"),
        ({"policy": "kyc", "redirect_uri": "https://plätform.example/cb"}, "printable ASCII"),
        ({"policy": "kyc", "redirect_uri": "https:///cb"}, "absolute https URL"),
        ({"policy": "kyc", "redirect_uri": "http://127.0.0.2.evil.example/"}, "absolute https"),
    ],
)
def test_an_invalid_request_is_refused_with_its_reason_and_creates_nothing(
    verifier: RunningVerifier, body: dict[str, Any], reason: str
) -> None:
    answer = verifier.api("POST", "/api/v1/verifications", body)
    assert answer.status == 400, answer.text()
    assert answer.json()["error"] == "invalid_request"
    assert reason in answer.json()["error_description"]
    assert verifier.app.extensions["store"].all("SELECT id FROM verifications") == []


@pytest.mark.parametrize(
    "body",
    [
        {"policy_body": {"vct": VCT, "max_credential_age_days": 30.0}},  # JSON's 30 and 30.0
        {"policy_body": {"vct": VCT, "rules": [" kyc_level\tin\n[ 2 , 3 ] "]}},
        {"policy_body": {"vct": VCT, "rules": ['given_name == "Erika \\u00e9"']}},
        {"policy": "kyc", "redirect_uri": "https://platform.example:8443/done?x=1"},
        {"policy": "kyc", "redirect_uri": "http://127.0.0.1:8080/done"},  # development only
    ],
)
def test_a_valid_request_is_accepted(verifier: RunningVerifier, body: dict[str, Any]) -> None:
    answer = verifier.api("POST", "/api/v1/verifications", body)
    assert answer.status == 201, answer.text()


def test_http_loopback_redirect_is_refused_outside_development(
    start_verifier: Any,
) -> None:
    verifier = start_verifier(DEV_ALLOW_HTTP_LOOPBACK=False)
    answer = verifier.api(
        "POST", "/api/v1/verifications", {"policy": "kyc", "redirect_uri": "http://127.0.0.1/x"}
    )
    assert answer.status == 400, answer.text()
