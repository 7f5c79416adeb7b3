"""Strict base64url and JSON (``ssi.encoding``): canonical decoding agrees with
the definition "re-encoding gives the same text", for any input."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssi.encoding import MAX_JSON_DEPTH, b64url_decode, b64url_encode, json_loads
from ssi.errors import MalformedInput

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/ \n"


def _by_definition(text: str) -> bytes | None:
    if re.fullmatch(r"[A-Za-z0-9_-]*", text) is None or len(text) % 4 == 1:
        return None
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return data if b64url_encode(data) == text else None


@given(st.text(alphabet=ALPHABET, max_size=12))
def test_decode_accepts_exactly_the_canonical_encodings(text: str) -> None:
    expected = _by_definition(text)
    try:
        got: bytes | None = b64url_decode(text)
    except MalformedInput:
        got = None
    assert got == expected


@given(st.binary(max_size=64))
def test_round_trip(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data


def test_non_ascii_refused() -> None:
    try:
        b64url_decode("QQ\u00e9")
    except MalformedInput as exc:
        assert "base64url" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("accepted")


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
        ),
        max_leaves=10,
    )
)
def test_json_round_trip(value: object) -> None:
    assert json_loads(json.dumps(value)) == value


@pytest.mark.parametrize(
    "text",
    [
        '"\\ud800"',  # a lone high surrogate
        '"\\udfff"',  # a lone low surrogate
        '"\\udc00\\ud800"',  # a pair in the wrong order
        '{"\\ud83d": 1}',  # in a member name
        '[1, {"a": ["x\\uDBFF"]}]',  # nested, upper-case escape
    ],
)
def test_json_with_a_lone_surrogate_escape_is_refused(text: str) -> None:
    """RFC 8259 §8.2: such an escape names no character; no UTF-8 text holds it."""
    with pytest.raises(MalformedInput, match="not valid Unicode"):
        json_loads(text)
    with pytest.raises(MalformedInput, match="not valid Unicode"):
        json_loads(text.encode())


def test_json_str_holding_a_raw_lone_surrogate_is_refused() -> None:
    with pytest.raises(MalformedInput, match="not valid Unicode"):
        json_loads('"\ud800"')


def test_json_surrogate_pair_escape_is_one_character() -> None:
    assert json_loads('"\\ud83d\\ude00"') == "\U0001f600"
    assert json_loads(b'"\\\\ud800"') == "\\ud800"  # an escaped backslash, then text


def test_json_nesting_is_capped_outside_strings() -> None:
    deepest = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert json_loads(deepest) is not None
    in_strings = ["[" * 999, '\\"{' * 999]  # brackets in strings, after escaped quotes
    assert json_loads(json.dumps(in_strings)) == in_strings
    for text in ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), '{"a":' * 300 + "1"):
        with pytest.raises(MalformedInput, match="nested too deeply"):
            json_loads(text)


DEEP_IN_A_VERIFIER_PROCESS = """
import sys
import py_ecc  # raises the recursion limit to 100,000, as in the verifier's process
from ssi.encoding import json_loads
from ssi.errors import MalformedInput
assert sys.getrecursionlimit() >= 100_000
try:
    json_loads("[" * 400_000 + "]" * 400_000)
except MalformedInput as exc:
    print(exc)
"""


def test_deep_json_is_refused_where_the_recursion_limit_is_raised() -> None:
    """It overflowed the C stack: one request killed the verifier (SIGSEGV)."""
    run = subprocess.run(
        [sys.executable, "-c", DEEP_IN_A_VERIFIER_PROCESS],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "JSON document is nested too deeply"


def test_json_integer_beyond_the_conversion_limit_is_malformed_not_a_crash() -> None:
    with pytest.raises(MalformedInput, match="not valid JSON"):
        json_loads("1" * 5000)
