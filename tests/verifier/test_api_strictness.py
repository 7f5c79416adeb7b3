"""The platform API refuses what its OpenAPI document calls invalid, with a
reason, and creates nothing: found while holding the verifier to its served
document with schemathesis (``test_api_schema.py``). Several of these were
silently accepted before, the worst being a misspelt policy member, which
dropped the rules it held: a policy with no rule verifies anyone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.verifier.conftest import API_KEY, POLICIES, TOKEN_TARGET, VCT, RunningVerifier
from tests.verifier.sql import sql_of
from verifier.openapi import openapi_document, redirect_uri_pattern

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
            "an inline policy carries its own 'token'",
        ),
        ({"policy": "solar7", "token": None}, "'token' must be an object"),
        ({"policy": "kyc", "token": TOKEN_TARGET}, "asks for no address proof"),
        ({"policy": "solar7", "token": {**TOKEN_TARGET, "decimals": 18}}, "exactly the members"),
        ({"policy_body": {"vct": VCT, "rules": ["a == 1e400"]}}, "number without exponent"),
        ({"policy_body": {"vct": VCT, "rules": ['a == {"b": 1}']}}, "number without exponent"),
        ({"policy_body": {"vct": VCT, "rules": [RULE] * 101}}, "at most 100 rules"),
        ({"policy_body": {"vct": VCT, "rules": ["a == " + "1" * 1000]}}, "at most 1000"),
        ({"policy_body": {"vct": VCT, "max_credential_age_days": 36501}}, "0-36500"),
        ({"policy_body": {"vct": VCT, "max_credential_age_days": 1.5}}, "whole number"),
        ({"policy_body": {"vct": VCT, "max_credential_age_days": None}}, "are null"),
        ({"policy_body": {"vct": VCT, "token": None}}, "['token'] are null"),
        ({"policy_body": {"vct": VCT, "token": TOKEN_TARGET}}, "it takes no 'token'"),
        (
            {"policy_body": {"vct": VCT, "address_proof": False, "token": TOKEN_TARGET}},
            "it takes no 'token'",
        ),
        ({"policy": "kyc", "redirect_uri": None}, "'redirect_uri' must be"),
        ({"policy": "kyc", "redirect_uri": "https://platform.example/cb#x"}, "without fragment"),
        ({"policy": "kyc", "redirect_uri": "https://plätform.example/cb"}, "printable ASCII"),
        ({"policy": "kyc", "redirect_uri": "https:///cb"}, "absolute https URL"),
        ({"policy": "kyc", "redirect_uri": "http://127.0.0.2.evil.example/"}, "absolute https"),
        ({"policy": "kyc", "redirect_uri": "https://[:]/cb"}, "absolute https"),  # no address
        ({"policy": "kyc", "redirect_uri": "https://[1.2.3.4]/cb"}, "absolute https"),
        ({"policy": "kyc", "redirect_uri": "https://platform.example:65536/"}, "absolute https"),
    ],
)
def test_an_invalid_request_is_refused_with_its_reason_and_creates_nothing(
    verifier: RunningVerifier, body: dict[str, Any], reason: str
) -> None:
    answer = verifier.api("POST", "/api/v1/verifications", body)
    assert answer.status == 400, answer.text()
    assert answer.json()["error"] == "invalid_request"
    assert reason in answer.json()["error_description"]
    assert sql_of(verifier.app).all("SELECT id FROM verifications") == []


@pytest.mark.parametrize(
    "body",
    [
        {"policy_body": {"vct": VCT, "max_credential_age_days": 30.0}},  # JSON's 30 and 30.0
        {"policy_body": {"vct": VCT, "rules": [" kyc_level\tin\n[ 2 , 3 ] "]}},
        {"policy_body": {"vct": VCT, "rules": ['given_name == "Erika \\u00e9"']}},
        {"policy": "kyc", "redirect_uri": "https://platform.example:8443/done?x=1"},
        {"policy": "kyc", "redirect_uri": "http://127.0.0.1:8080/done"},  # development only
        {"policy": "kyc", "redirect_uri": "https://[2001:db8::1]:65535/done"},
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


def test_a_number_beyond_the_conversion_limit_is_refused_not_a_500(
    verifier: RunningVerifier,
) -> None:
    raw = b'{"policy_body": {"vct": "x", "max_credential_age_days": ' + b"1" * 5000 + b"}}"
    answer = verifier.fetch.post(
        verifier.url + "/api/v1/verifications",
        data=raw,
        headers={"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
        raise_for_status=False,
    )
    assert answer.status == 400, answer.text()
    assert "not valid JSON" in answer.json()["error_description"]


@settings(max_examples=300, deadline=None)
@given(data=st.data(), loopback=st.booleans())
def test_every_redirect_uri_the_pattern_admits_is_a_url_the_verdict_can_extend(
    data: st.DataObject, loopback: bool
) -> None:
    """After the verdict, ``urlsplit`` reads the redirect_uri to append the
    response code: a host such as ``[:]`` made it raise, a 500 after the verdict."""
    uri = data.draw(st.from_regex(redirect_uri_pattern(loopback)[1:-1], fullmatch=True))
    parts = urlsplit(uri)
    assert parts.hostname and parts.scheme in ("https", "http")
    assert parts.port is None or 0 < parts.port < 65536


def _patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            yield node["pattern"]
        for value in node.values():
            yield from _patterns(value)
    elif isinstance(node, list):
        for value in node:
            yield from _patterns(value)


# ECMA-262 with the u flag, which JSON Schema 2020-12 §6.4 asks patterns to be read
# with, allows escaping only syntax characters, ``/`` and ``-`` (in a class) besides
# the letter escapes: ``\"`` is a syntax error there (ajv refused the rule pattern)
_ECMA_U_ESCAPES = set("^$\\.*+?()[]{}|/-") | set("dDsSwWbBfnrtv0xuc")


def test_the_published_patterns_are_ecma_262_with_the_u_flag() -> None:
    document = openapi_document("http://127.0.0.1", POLICIES["policies"], True)
    patterns = list(_patterns(document))
    assert len(patterns) > 5
    for pattern in patterns:
        escaped = set(re.findall(r"\\(.)", pattern, re.DOTALL))
        assert escaped <= _ECMA_U_ESCAPES, (escaped - _ECMA_U_ESCAPES, pattern[:80])


def test_a_request_by_value_too_long_for_a_qr_code_is_refused_before_it_is_stored(
    start_verifier: Any,
) -> None:
    """With a ``redirect_uri`` client id the request travels in the link; a policy
    the document allows (100 rules) can make it too long for any QR code. It was a
    500, after the verification had been stored."""
    verifier = start_verifier(CLIENT_ID_PREFIX="redirect_uri")
    rules = [f"claim_number_{i:03d}_with_a_long_name == true" for i in range(100)]
    answer = verifier.api(
        "POST", "/api/v1/verifications", {"policy_body": {"vct": VCT, "rules": rules}}
    )
    assert answer.status == 400, answer.text()
    assert "too long for a QR code" in answer.json()["error_description"]
    assert sql_of(verifier.app).all("SELECT id FROM verifications") == []
    assert verifier.api("POST", "/api/v1/verifications", {"policy": "kyc"}).status == 201


def test_a_body_over_the_size_cap_is_a_documented_413(verifier: RunningVerifier) -> None:
    body = {"policy_body": {"vct": VCT, "claims": [["x" * 1_200_000]]}}
    answer = verifier.api("POST", "/api/v1/verifications", body)
    assert answer.status == 413, answer.text()
    assert answer.json()["error"] == "invalid_request"
    document = verifier.fetch.get(verifier.url + "/api/v1/openapi.json").json()
    assert "413" in document["paths"]["/api/v1/verifications"]["post"]["responses"]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("limit=0", "'limit' is one whole number, 1-100"),
        ("limit=101", "'limit' is one whole number, 1-100"),
        ("limit=01", "'limit' is one whole number"),
        ("limit=x", "'limit' is one whole number"),
        ("limit=1&limit=2", "'limit' is one whole number"),
        ("offset=-1", "'offset' is one whole number"),
        ("status=verified", "unknown query parameters ['status']"),
    ],
)
def test_a_bad_list_query_is_refused_with_its_reason(
    verifier: RunningVerifier, query: str, reason: str
) -> None:
    answer = verifier.api("GET", f"/api/v1/verifications?{query}")
    assert answer.status == 400, answer.text()
    assert reason in answer.json()["error_description"]


def test_the_list_pages_through_the_keys_verifications_newest_first(
    verifier: RunningVerifier,
) -> None:
    ids = []
    for _ in range(3):
        ids.append(verifier.create("kyc")["id"])
        verifier.clock.now += 1
    first = verifier.api("GET", "/api/v1/verifications?limit=2").json()
    assert [v["id"] for v in first["verifications"]] == ids[:0:-1]
    assert first["next_offset"] == 2
    rest = verifier.api("GET", "/api/v1/verifications?limit=2&offset=2").json()
    assert [v["id"] for v in rest["verifications"]] == ids[:1]
    assert rest["next_offset"] is None
    assert set(rest["verifications"][0]) == {
        "id",
        "status",
        "policy",
        "created_at",
        "expires_at",
        "completed_at",
        "flow",  # which link answered (review of issue 19 item 6)
    }
