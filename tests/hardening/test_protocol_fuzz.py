"""Hypothesis against the issuer's protocol endpoints over real HTTP (issue 13
"Fuzzing"): ``/token``, ``/nonce``, ``/credential``, ``/offers/<id>`` and
``/statuslists/<id>`` get generated and mutated bodies, headers, tokens and
proofs. Never a 5xx; every refusal is a JSON body whose ``error`` is one of
the codes the endpoint may answer (RFC 6749 §5.2 for the Token Endpoint,
OpenID4VCI 1.0 §8.3.1.2 and RFC 6750 §3.1 for the Credential Endpoint, the
app's ``not_found`` for a missing offer or status list), and an acceptance is
a well-formed success (a valid proof may win once, then its values are used).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ssi.jose import Key
from ssi.oid4vci import spec
from tests.hardening.budget import examples
from tests.hardening.client import Answer, IssuerClient
from tests.support import RunningIssuer

TOKEN_ERRORS = {
    spec.ERROR_INVALID_REQUEST,
    spec.ERROR_INVALID_GRANT,
    spec.ERROR_INVALID_CLIENT,
    spec.ERROR_UNSUPPORTED_GRANT_TYPE,
    "unauthorized_client",
    "invalid_scope",
}
CREDENTIAL_ERRORS = {
    spec.ERROR_INVALID_REQUEST,
    spec.ERROR_INVALID_TOKEN,
    spec.ERROR_INVALID_CREDENTIAL_REQUEST,
    spec.ERROR_UNKNOWN_CREDENTIAL_CONFIGURATION,
    spec.ERROR_UNKNOWN_CREDENTIAL_IDENTIFIER,
    spec.ERROR_INVALID_PROOF,
    spec.ERROR_INVALID_NONCE,
    spec.ERROR_INVALID_ENCRYPTION_PARAMETERS,
    spec.ERROR_CREDENTIAL_REQUEST_DENIED,
}
FUZZ = settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# header names and values http.client will send; framing headers left alone
_HEADER_NAME = st.text(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", min_size=1
)
_HEADER_VALUE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)
_FRAMING = {"content-length", "transfer-encoding", "host", "connection", "expect"}
_HEADERS = st.dictionaries(
    _HEADER_NAME.filter(lambda n: n.lower() not in _FRAMING), _HEADER_VALUE, max_size=4
)
_CONTENT_TYPES = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "application/json",
        "application/x-www-form-urlencoded; charset=utf-8",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/jwt",
    ]
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutations(valid: str) -> st.SearchStrategy[str]:
    """A valid compact JWS, then cut, with a character changed, or re-segmented."""
    parts = valid.split(".")
    return st.one_of(
        st.just(valid),
        st.integers(0, len(valid)).map(lambda i: valid[:i]),
        st.tuples(st.integers(0, len(valid) - 1), st.characters()).map(
            lambda t: valid[: t[0]] + t[1] + valid[t[0] + 1 :]
        ),
        st.permutations(parts).map(".".join),
        st.lists(st.sampled_from([*parts, "", "e30"]), max_size=6).map(".".join),
        st.text(max_size=60),
    )


def _header_safe(text: str) -> str:
    """What http.client can send in a header value: printable ASCII."""
    return "".join(c for c in text if " " <= c <= "~")


def _assert_error(answer: Answer, allowed: set[str]) -> None:
    assert answer.status < 500, answer.body
    assert 400 <= answer.status < 500, (answer.status, answer.body)
    assert answer.headers.get("content-type", "").startswith("application/json"), answer.headers
    assert answer.error in allowed, answer.body


def test_token_endpoint_fuzzed_forms_and_headers(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    offer = client.create_offer()
    values = st.one_of(st.just(offer.code), st.just(offer.tx_code), st.text(max_size=40))
    names = st.sampled_from(
        ["grant_type", "pre-authorized_code", "tx_code", "authorization_details", "client_id"]
    ) | st.text(max_size=12)
    forms = st.lists(st.tuples(names, values), max_size=6).map(urlencode)
    grant = st.just(f"grant_type={quote(spec.GRANT_PRE_AUTHORIZED_CODE)}&")
    bodies = st.one_of(
        forms.map(str.encode),
        st.tuples(grant, forms).map(lambda t: (t[0] + t[1]).encode()),
        st.binary(max_size=200),
    )

    @FUZZ
    @given(body=bodies, content_type=_CONTENT_TYPES, headers=_HEADERS)
    def check(body: bytes, content_type: str, headers: dict[str, str]) -> None:
        answer = client.request("POST", "/token", body, {**headers, "Content-Type": content_type})
        if answer.status == 200:
            assert answer.json()["token_type"] == "Bearer"
        else:
            _assert_error(answer, TOKEN_ERRORS)

    check()


def test_nonce_endpoint_fuzzed_bodies_and_headers(client: IssuerClient) -> None:
    @FUZZ
    @given(body=st.binary(max_size=200), content_type=_CONTENT_TYPES, headers=_HEADERS)
    def check(body: bytes, content_type: str, headers: dict[str, str]) -> None:
        answer = client.request("POST", "/nonce", body, {**headers, "Content-Type": content_type})
        assert answer.status == 200, answer.body
        assert isinstance(answer.json()["c_nonce"], str)
        assert answer.headers["cache-control"] == "no-store"

    check()


def test_credential_endpoint_fuzzed_requests_tokens_and_proofs(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    access_token = client.access_token(client.create_offer())
    valid = client.credential_body([Key.generate("ES256")], client.nonce(), int(issuer.clock.now))
    proof = st.one_of(_mutations(valid["proofs"]["jwt"][0]), _JSON)
    request: Any = st.fixed_dictionaries(
        {},
        optional={
            "credential_configuration_id": st.sampled_from(["kyc_sd_jwt_vc", ""]) | _JSON,
            "proofs": st.fixed_dictionaries({"jwt": st.lists(proof, max_size=6)}) | _JSON,
            "proof": st.fixed_dictionaries({"proof_type": st.just("jwt"), "jwt": proof}),
            "credential_identifier": _JSON,
            "credential_response_encryption": _JSON,
            "format": _JSON,
        },
    )
    bodies = st.one_of(request.map(json.dumps), _JSON.map(json.dumps), st.text(max_size=80))
    tokens = st.one_of(
        st.just(access_token), _mutations(access_token).map(_header_safe), _HEADER_VALUE
    )
    schemes = st.sampled_from(["Bearer ", "bearer ", "DPoP ", "Basic ", "", "Bearer  "])

    @FUZZ
    @given(body=bodies, scheme=schemes, token=tokens, headers=_HEADERS)
    def check(body: str, scheme: str, token: str, headers: dict[str, str]) -> None:
        sent = {**headers, "Content-Type": "application/json", "Authorization": scheme + token}
        answer = client.request("POST", "/credential", body.encode("utf-8", "replace"), sent)
        if answer.status == 200:
            assert answer.json()["credentials"], answer.body
        else:
            _assert_error(answer, CREDENTIAL_ERRORS)

    check()


@pytest.mark.parametrize("prefix", ["/offers/", "/statuslists/"])
def test_offer_and_status_list_paths_fuzzed_ids(client: IssuerClient, prefix: str) -> None:
    client.create_offer()
    segment = st.text(min_size=1, max_size=40).map(lambda t: quote(t, safe=""))

    @FUZZ
    @given(segment=segment, headers=_HEADERS, method=st.sampled_from(["GET", "GET", "POST", "PUT"]))
    def check(segment: str, headers: dict[str, str], method: str) -> None:
        answer = client.request(method, prefix + segment, b"", headers)
        if answer.status == 308:  # Werkzeug merges '//' into '/': same origin, same prefix
            assert answer.headers["location"].startswith(client.url + prefix), answer.headers
            return
        allowed = {"not_found", "method_not_allowed", "invalid_request"}
        _assert_error(answer, allowed)
        if method != "GET":  # 404 when the segment routes nowhere ('', '/')
            assert answer.status in (404, 405), answer.body

    check()
