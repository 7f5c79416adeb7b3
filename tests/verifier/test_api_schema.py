"""Schemathesis against the verifier's platform API as served (issue 13 "API
schema testing"): the document is fetched from ``/api/v1/openapi.json`` on
the running verifier, whose policies are an SD-JWT VC one, one with a token
(address proof) and a W3C one, so the document lists three policy names and
the inline policy forms. All of schemathesis's checks run
(``tests/hardening/schema_check.py``), over real HTTP on 127.0.0.1.

``eip55-address`` is the one format JSON Schema cannot spell (a keccak
checksum): schemathesis draws such addresses from real keys' checksums.

Examples: 60 per operation and mode in the normal suite, 10,000 under ``--fuzz``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from eth_utils.address import to_checksum_address
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi import unregister_string_format

from tests.hardening.schema_check import check_operation, operation_labels
from tests.verifier.conftest import API_KEY, POLICIES, RunningVerifier, StartVerifier
from verifier.openapi import EIP55_FORMAT, openapi_document

ADULTS = {
    "format": "jwt_vc_json",
    "credential_type": "KycAgeCredential",
    "rules": ["over18 == true"],
}
OPERATIONS = operation_labels(openapi_document("http://127.0.0.1", {}))


@pytest.fixture(scope="module", autouse=True)
def eip55_addresses() -> Iterator[None]:
    addresses = st.binary(min_size=20, max_size=20).map(to_checksum_address)
    schemathesis.openapi.format(EIP55_FORMAT, addresses)
    yield
    unregister_string_format(EIP55_FORMAT)


@pytest.fixture
def served(start_verifier: StartVerifier) -> RunningVerifier:
    policies = {"policies": {**POLICIES["policies"], "adults": ADULTS}}
    return start_verifier(POLICIES=policies)


def test_the_document_lists_the_configured_policies(served: RunningVerifier) -> None:
    document = served.fetch.get(served.url + "/api/v1/openapi.json").json()
    variants = document["components"]["schemas"]["CreateVerification"]["oneOf"]
    named = {v["properties"]["policy"]["const"]: v for v in variants if "policy" in v["required"]}
    assert sorted(named) == ["adults", "kyc", "solar7"]
    assert "token" in named["solar7"]["properties"]
    assert "token" not in named["adults"]["properties"]  # a W3C credential has no address proof


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
@pytest.mark.parametrize("label", OPERATIONS)
def test_verifier_api_conforms_to_its_openapi_document(
    served: RunningVerifier, request: pytest.FixtureRequest, label: str, mode: GenerationMode
) -> None:
    examples = 10_000 if request.config.getoption("--fuzz") else 60
    check_operation(f"{served.url}/api/v1/openapi.json", label, mode, examples, API_KEY)
