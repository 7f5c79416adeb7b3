"""The issuer API's checks and its OpenAPI document come from one definition
(issue 21 item 11): every member of the KYC record is published by the field
that checks it, and where the check is a pattern it is the published one."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import sys

from hypothesis import given
from hypothesis import strategies as st

from issuer.api_requests import offer_request_schema
from issuer.fields import _VISIBLE, CONTROL, SPACE, Countries, Text
from issuer.kyc_claims import APPLICANT_FIELDS, REFERENCE, KycRecord, applicant_schema
from issuer.openapi import openapi_document
from ssi.errors import InvalidRequest


def test_api_fields_publish_every_member_of_the_kyc_record() -> None:
    schema = applicant_schema()
    members = [f.name for f in dataclasses.fields(KycRecord)]
    assert [f.name for f in APPLICANT_FIELDS] == members
    assert list(schema["properties"]) == members
    assert set(schema["required"]) == set(members) - {
        "street_address",
        "locality",
        "postal_code",
        "pep",
        "investor_jurisdiction",
    }
    document = openapi_document("https://issuer.example")
    assert document["components"]["schemas"]["Applicant"] == schema
    offer = document["paths"]["/api/v1/offers"]["post"]["requestBody"]["content"]
    assert offer["application/json"]["schema"] == offer_request_schema()
    assert offer_request_schema()["properties"]["reference"] == REFERENCE.schema()


def test_api_fields_spaces_are_pythons_isspace_and_visible_is_neither_space_nor_control() -> None:
    space, control, visible = (
        re.compile(f"[{SPACE}]"),
        re.compile(f"[{CONTROL}]"),
        re.compile(_VISIBLE),
    )
    for point in range(sys.maxunicode + 1):
        c = chr(point)
        assert bool(space.match(c)) == c.isspace(), hex(point)
        assert bool(visible.match(c)) == (not c.isspace() and not control.match(c)), hex(point)


TODAY = dt.date(2026, 5, 17)


def _ecma(pattern: str) -> str:
    """The published pattern as JSON Schema reads it (ECMA-262, no multiline
    flag): ``$`` is the end of the text, where Python's ``$`` also matches before
    a final newline."""
    return re.sub(r"(?<!\\)\$", r"\\Z", pattern)


def _accepts(field: Text | Countries, value: str) -> bool:
    try:
        field.read({field.name: value}, TODAY)
    except InvalidRequest:
        return False
    return True


_TRICKY = st.sampled_from(
    ["a", "Z", " ", "\t", "\n", "\x07", "\x1c", "\x85", "\xa0", "\u3000", ","]
)


@given(st.text(alphabet=_TRICKY | st.characters(), max_size=25))
def test_api_fields_a_text_is_accepted_exactly_when_its_published_schema_admits_it(
    value: str,
) -> None:
    field = Text("given_name", max_length=20)
    schema = field.schema(TODAY)
    published = len(value) <= schema["maxLength"] and re.search(_ecma(schema["pattern"]), value)
    assert _accepts(field, value) == bool(published)


@given(
    st.lists(st.sampled_from(["DE", "fr", "XX", "uk", " ", ",", "\u2003", "\x85"]), max_size=8).map(
        "".join
    )
)
def test_api_fields_a_forms_country_list_is_accepted_exactly_when_its_pattern_admits_it(
    value: str,
) -> None:
    field = Countries("nationalities", max_items=3)
    text_form = field.schema(TODAY)["oneOf"][1]
    published = re.search(_ecma(text_form["pattern"]), value)
    assert _accepts(field, value) == bool(published)
