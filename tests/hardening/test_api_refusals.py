"""Inputs found by schema testing and fuzzing that the issuer's REST API once
answered with a 500 or accepted against its OpenAPI document; each is now a
4xx with the OAuth-style error body, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
from typing import Any

from issuer import records
from tests.hardening.client import Answer, IssuerClient
from tests.support import API_KEY, APPLICANT, RunningIssuer

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


def test_kyc_level_true_is_refused_though_true_equals_1_in_python(client: IssuerClient) -> None:
    _assert_refused(_offer(client, kyc_level=True), "'kyc_level' must be one of")


def test_country_that_upper_cases_to_two_letters_is_refused(client: IssuerClient) -> None:
    """'ß'.upper() == 'SS': it was recorded as country SS."""
    _assert_refused(_offer(client, country="ß"), "'country' must be an ISO 3166-1 alpha-2")


def test_nationality_that_upper_cases_to_two_letters_is_refused(client: IssuerClient) -> None:
    _assert_refused(_offer(client, nationalities=["ﬀ"]), "'nationalities' must be an ISO")


def test_birthdate_in_iso_basic_format_is_refused(client: IssuerClient) -> None:
    """The API documents YYYY-MM-DD; date.fromisoformat also took '19900812'."""
    _assert_refused(_offer(client, birthdate="19900812"), "'birthdate' must be a date YYYY-MM-DD")


def test_screening_date_as_an_iso_week_date_is_refused(client: IssuerClient) -> None:
    answer = _offer(client, sanctions_screening_date="2026-W01-1")
    _assert_refused(answer, "'sanctions_screening_date' must be a date YYYY-MM-DD")


def test_pep_as_an_arbitrary_text_is_refused_not_read_as_false(client: IssuerClient) -> None:
    """A PEP flag of 'maybe' was silently recorded as not politically exposed."""
    _assert_refused(_offer(client, pep="maybe"), "'pep' must be true or false")


def test_investor_jurisdiction_false_is_refused_not_replaced_by_country(
    client: IssuerClient,
) -> None:
    answer = _offer(client, investor_jurisdiction=False)
    _assert_refused(answer, "'investor_jurisdiction' must be an ISO 3166-1 alpha-2")


def test_kyc_level_2_0_is_recorded_as_the_integer_2(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    """JSON numbers 2 and 2.0 are the same level; the record keeps the integer."""
    answer = _offer(client, kyc_level=2.0)
    assert answer.status == 201, answer.body
    with issuer.app.extensions["issuer"].db.read() as conn:
        record = records.open_record(conn, answer.json()["applicant_id"])
    assert record is not None
    assert type(record["kyc_level"]) is int and record["kyc_level"] == 2


def test_listing_with_a_misspelt_filter_is_refused_not_a_list_of_everyone(
    client: IssuerClient,
) -> None:
    """``?applicant=…`` (for ``applicant_id``) answered with every credential."""
    answer = client.request("GET", "/api/v1/credentials?applicant=0123456789abcdef", headers=AUTH)
    _assert_refused(answer, "unknown query parameter 'applicant'")


def test_listing_with_an_empty_applicant_filter_is_refused_not_a_list_of_everyone(
    client: IssuerClient,
) -> None:
    """``?applicant_id=`` (a caller's empty variable) answered with every credential."""
    answer = client.request("GET", "/api/v1/credentials?applicant_id=", headers=AUTH)
    _assert_refused(answer, "'applicant_id' must not be empty")


def test_name_made_of_control_characters_is_refused(client: IssuerClient) -> None:
    """'\\x1c' is whitespace to str.strip() but not to JSON Schema's \\S; a name
    holding control characters is refused outright."""
    _assert_refused(_offer(client, given_name="\x1c"), "'given_name' must be")
    _assert_refused(_offer(client, family_name="Muster\x07mann"), "control characters")


def test_credential_request_nested_200k_deep_is_refused_not_a_crash(client: IssuerClient) -> None:
    """The Credential Request was parsed by ``json.loads`` alone: with py_ecc's
    recursion limit of 100,000 a deep ``[[[…`` overflowed the C stack."""
    token = client.access_token(client.create_offer())
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    answer = client.request("POST", "/credential", b"[" * 200_000, headers)
    assert answer.status == 400, answer.body
    assert answer.error == "invalid_credential_request"
    assert "nested too deeply" in answer.json()["error_description"]


def test_credential_request_with_a_duplicate_member_is_refused(client: IssuerClient) -> None:
    token = client.access_token(client.create_offer())
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = b'{"credential_configuration_id": "x", "credential_configuration_id": "kyc_sd_jwt_vc"}'
    answer = client.request("POST", "/credential", body, headers)
    assert answer.status == 400, answer.body
    assert answer.error == "invalid_credential_request"
    assert "duplicate JSON member" in answer.json()["error_description"]
