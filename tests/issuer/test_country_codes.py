"""Issue 19 item 1: the issuer refuses a KYC record whose country is two letters but
no ISO 3166-1 country (``XX``, or ``UK`` for the United Kingdom, which is ``GB``),
in the API (400, ``invalid_request``) and in the operator's form (a 400 page that
says which field), and stores nothing. Such a record once signed makes a
whitelisting that the identity registry cannot take."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.issuer.test_operator_and_api import AUTH, _csrf, _rows, _sign_in, app, client
from tests.support import APPLICANT

__all__ = ["app", "client"]  # the fixtures, imported for this module's tests

BAD = [
    ({"country": "XX"}, "country", "'XX'"),
    ({"country": "UK"}, "country", "GB"),
    ({"nationalities": ["DE", "XX"]}, "nationalities", "'XX'"),
    ({"investor_jurisdiction": "UK"}, "investor_jurisdiction", "GB"),
    ({"country": "EU"}, "country", "'EU'"),
]


@pytest.mark.parametrize(("change", "field", "detail"), BAD)
def test_country_code_api_refuses_two_letters_that_are_no_country(
    client: FlaskClient, app: Flask, change: dict[str, Any], field: str, detail: str
) -> None:
    response = client.post(
        "/api/v1/offers", json={"applicant": {**APPLICANT, **change}}, headers=AUTH
    )
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "invalid_request"
    assert field in body["error_description"] and detail in body["error_description"]
    assert "ISO 3166-1" in body["error_description"]
    assert _rows(app, "applicants") == [] and _rows(app, "audit_log") == []


@pytest.mark.parametrize(("change", "field", "detail"), BAD[:2])
def test_country_code_operator_form_refuses_two_letters_that_are_no_country(
    client: FlaskClient, app: Flask, change: dict[str, Any], field: str, detail: str
) -> None:
    _sign_in(client)
    token = _csrf(client, "/operator/applicants/new")
    form = {**APPLICANT, **change, "nationalities": "DE", "csrf_token": token}
    response = client.post("/operator/applicants/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "text/html" in response.headers["Content-Type"]
    assert field in page and detail.replace("'", "&#39;") in page and "ISO 3166-1" in page
    assert _rows(app, "applicants") == []


def test_country_code_lower_case_assigned_code_is_recorded_upper_case(
    client: FlaskClient, app: Flask
) -> None:
    """The forms' lenience stays: ``gb`` is GB (and only assigned codes pass)."""
    applicant = {**APPLICANT, "country": "gb", "nationalities": ["de", "GB"]}
    response = client.post("/api/v1/offers", json={"applicant": applicant}, headers=AUTH)
    assert response.status_code == 201, response.get_json()
    assert len(_rows(app, "applicants")) == 1
