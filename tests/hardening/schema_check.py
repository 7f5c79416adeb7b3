"""Schemathesis on one operation of a running server's OpenAPI document
(issue 13 "API schema testing"), shared by the issuer's and the verifier's
tests. Every generated call goes over real HTTP on 127.0.0.1; all of
schemathesis's checks run: no 5xx, every status documented, every response
matching its schema and content type, positive data accepted, negative data
refused, and the API key enforced (``ignored_auth``)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

__all__ = ["check_operation", "operation_labels"]


def operation_labels(document: dict[str, Any]) -> list[str]:
    return [
        f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item
    ]


def check_operation(
    document_url: str, label: str, mode: GenerationMode, examples: int, api_key: str
) -> None:
    """Positive cases must be accepted (or refused only as documented), negative
    cases refused with a 4xx; both must match the document."""
    schema = schemathesis.openapi.from_url(document_url)
    operation = schema.find_operation_by_label(label)
    assert operation is not None, f"{label} is not in the served document"
    auth = {"Authorization": f"Bearer {api_key}"}

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case[Any]) -> None:
        # a case whose credential schemathesis negated is sent as generated
        negated = schema.is_security_param_negated(case)
        case.call_and_validate(headers=None if negated else auth)

    check()
