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

import pytest
from schemathesis import GenerationMode

from issuer.openapi import openapi_document
from tests.hardening.client import IssuerClient
from tests.hardening.schema_check import check_operation, operation_labels
from tests.support import API_KEY, RunningIssuer

OPERATIONS = operation_labels(openapi_document("http://127.0.0.1"))


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
    examples = 10_000 if fuzzing else 60
    check_operation(f"{issuer.url}/api/v1/openapi.json", label, mode, examples, API_KEY)
