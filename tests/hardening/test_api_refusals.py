"""Inputs found by schema testing and fuzzing that the issuer's REST API once
answered with a 500 or accepted against its OpenAPI document; each is now a
4xx with the OAuth-style error body, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

from tests.hardening.client import Answer, IssuerClient
from tests.support import API_KEY, APPLICANT

AUTH = {"Authorization": f"Bearer {API_KEY}"}


def _offer(client: IssuerClient, **changes: Any) -> Answer:
    return client.post_json("/api/v1/offers", {"applicant": {**APPLICANT, **changes}}, AUTH)


def _assert_refused(answer: Answer, fragment: str) -> None:
    assert answer.status == 400, answer.body
    assert answer.error == "invalid_request"
    assert fragment in answer.json()["error_description"]


def test_kyc_level_in_non_ascii_digits_is_refused_not_a_500(client: IssuerClient) -> None:
    """'²'.isdigit() is true but int('²') raises: it was a 500."""
    _assert_refused(_offer(client, kyc_level="²"), "'kyc_level' must be one of")


def test_lone_surrogate_in_the_json_body_is_refused_not_a_500(client: IssuerClient) -> None:
    """JSON may escape a lone surrogate (``"\\ud800"``), which no UTF-8 text
    (nor SQLite) can hold: it was a 500 at the INSERT."""
    body = json.dumps({"applicant": APPLICANT, "reference": "\ud800"}).encode()
    headers = {**AUTH, "Content-Type": "application/json"}
    answer = client.request("POST", "/api/v1/offers", body, headers)
    _assert_refused(answer, "not valid Unicode")


def test_lone_surrogate_in_a_claim_is_refused_not_a_500(client: IssuerClient) -> None:
    _assert_refused(_offer(client, given_name="Erika\udfff"), "not valid Unicode")
