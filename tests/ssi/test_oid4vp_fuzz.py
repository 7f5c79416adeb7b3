"""Property tests: the OpenID4VP parsers raise only their own errors on any input.

Run with ``--fuzz`` for 10,000 examples per parser.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ssi.errors import InvalidRequest, InvalidTransactionData, SSIError
from ssi.jose import Key
from ssi.oid4vp import (
    AuthorizationRequest,
    DecryptionFailed,
    InvalidEncryptedResponse,
    decode_transaction_data,
    decrypt_response,
    parse_direct_post,
    parse_request_link,
)

KEY = Key.generate("ES256")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
request_keys = st.sampled_from(
    [
        "client_id",
        "response_type",
        "response_mode",
        "response_uri",
        "nonce",
        "state",
        "dcql_query",
        "client_metadata",
        "transaction_data",
        "wallet_nonce",
        "scope",
    ]
)


@given(st.text(max_size=300))
def test_parse_direct_post_raises_only_invalid_request(body: str) -> None:
    try:
        parse_direct_post(body)
    except InvalidRequest:
        pass


@given(st.text(max_size=300))
def test_parse_request_link_raises_only_invalid_request(tail: str) -> None:
    for link in (tail, "openid4vp://?" + tail):
        try:
            parse_request_link(link)
        except InvalidRequest:
            pass


@given(st.dictionaries(request_keys, json_values, max_size=11))
def test_request_from_dict_raises_only_invalid_request(data: dict[str, Any]) -> None:
    try:
        AuthorizationRequest.from_dict(data)
    except InvalidRequest:
        pass


@given(st.text(max_size=400))
def test_decrypt_response_raises_only_its_errors(token: str) -> None:
    try:
        decrypt_response(token, KEY, kid="k1", enc_values=["A128GCM"])
    except (InvalidEncryptedResponse, DecryptionFailed):
        pass


@given(st.text(max_size=200) | st.binary(max_size=100).map(lambda b: b.hex()))
def test_decode_transaction_data_raises_only_invalid_transaction_data(raw: str) -> None:
    try:
        decode_transaction_data(raw)
    except InvalidTransactionData:
        pass


@given(json_values)
def test_transaction_data_from_any_json_object(value: Any) -> None:
    from ssi.encoding import b64url_encode, json_dumps

    try:
        decode_transaction_data(b64url_encode(json_dumps(value).encode()))
    except SSIError as exc:
        assert isinstance(exc, InvalidTransactionData)
