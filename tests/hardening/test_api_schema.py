"""Schemathesis against the issuer's REST API as served (issue 13 "API schema
testing"): the OpenAPI 3.1 document is fetched from ``/api/v1/openapi.json``
on the running server, and every generated call goes over real HTTP on
127.0.0.1 with the API key. All of schemathesis's checks run: no 5xx, every
status documented, every response matching its schema and content type, and
the API key enforced (``ignored_auth``).

Examples: 60 per operation in the normal suite, the ``--fuzz`` profile's
count (10,000) per operation under ``--fuzz``.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from issuer.openapi import openapi_document
from tests.hardening.client import IssuerClient
from tests.support import API_KEY, RunningIssuer

AUTH = {"Authorization": f"Bearer {API_KEY}"}
OPERATIONS = [
    f"{method.upper()} {path}"
    for path, item in openapi_document("http://127.0.0.1")["paths"].items()
    for method in item
]


@pytest.mark.slow
@pytest.mark.timeout(1800)  # 10,000 offers under --fuzz take longer than the default 300 s
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("label", OPERATIONS)
def test_issuer_api_conforms_to_its_openapi_document(
    issuer: RunningIssuer, client: IssuerClient, fuzzing: bool, label: str, mode: GenerationMode
) -> None:
    """Positive cases must be accepted (or refused only as documented), negative
    cases refused with a 4xx; both must match the document."""
    client.create_offer()
    schema = schemathesis.openapi.from_url(f"{issuer.url}/api/v1/openapi.json")
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the served document"

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=10_000 if fuzzing else 60,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case[Any]) -> None:
        # a case whose credential schemathesis negated is sent as generated
        negated = schema.is_security_param_negated(case)
        case.call_and_validate(headers=None if negated else AUTH)

    check()
