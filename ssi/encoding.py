"""Strict base64url (RFC 4648 §5, RFC 7515 §2) and strict JSON (RFC 8259, RFC 7493).

Everything received from outside is decoded here, so that one rule holds
everywhere:

* base64url without padding, only the URL-safe alphabet, and canonical: the
  unused low bits of the last character are zero, so a byte string has exactly
  one accepted encoding (a non-canonical encoding would let two different
  strings hash to different SD-JWT digests for the same disclosure);
* JSON with no duplicate member names (RFC 8725 §3.11; PyJWT CVE-2024-53861),
  no ``NaN``/``Infinity``, no lone surrogate (RFC 8259 §8.2: an escape such as
  ``"\\ud800"`` names no character, so no UTF-8 text, signature input or
  SQLite column can hold it), a size cap checked before parsing, and at most
  :data:`MAX_JSON_DEPTH` nested arrays and objects, also checked before parsing
  (the C parser's guard is the process-wide recursion limit, which py_ecc
  raises to 100,000: a 200 kB ``[[[…`` overflowed the C stack and killed the
  verifier with a segmentation fault instead of raising ``RecursionError``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from .errors import DuplicateMember, MalformedInput

__all__ = [
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "b64url_encode",
    "b64url_decode",
    "json_loads",
    "json_loads_object",
    "json_dumps",
]

MAX_JSON_BYTES = 1_000_000
"""Default cap on a JSON document we parse (1 MB, as the guarded fetcher)."""
MAX_JSON_DEPTH = 256
"""Nested arrays and objects in a JSON document (the SD-JWT rules allow 64)."""

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


_STANDARD = bytes.maketrans(b"-_", b"+/")
_UNUSED_BITS = {2: 0x0F, 3: 0x03}  # low bits of the last character that must be zero
_B64_VALUES = {
    c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
}


def b64url_decode(text: str | bytes, what: str = "base64url value") -> bytes:
    """Decode canonical unpadded base64url; refuse anything else.

    Canonical: the unused low bits of the last character are zero (RFC 4648
    §3.5), so a byte string has exactly one accepted encoding.
    """
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError as exc:
            raise MalformedInput(f"{what} is not ASCII") from exc
    if not isinstance(text, str):
        raise MalformedInput(f"{what} must be a string")
    if _B64URL.fullmatch(text) is None:
        raise MalformedInput(f"{what} is not unpadded base64url")
    rest = len(text) % 4
    if rest == 1:
        raise MalformedInput(f"{what} has an impossible length")
    if rest and _B64_VALUES[text[-1]] & _UNUSED_BITS[rest]:
        raise MalformedInput(f"{what} is not canonically encoded")
    raw = text.encode("ascii").translate(_STANDARD) + b"=" * (-len(text) % 4)
    try:
        return binascii.a2b_base64(raw, strict_mode=True)
    except binascii.Error as exc:  # pragma: no cover - the checks above guard
        raise MalformedInput(f"{what} is not base64url") from exc


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateMember(f"duplicate JSON member name {key!r}")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise MalformedInput(f"JSON constant {name} is not allowed")


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
# a string (to its closing quote, or to the end when unterminated: linear) or a bracket
_STRING_OR_BRACKET = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[][{}]', re.DOTALL)


def _shallow(text: str, what: str) -> None:
    """Refuse more than ``MAX_JSON_DEPTH`` nested arrays and objects, counted
    outside strings exactly as the parser reads them, before it recurses."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return
    depth = 0
    for match in _STRING_OR_BRACKET.finditer(text):
        token = match[0]
        if token == "[" or token == "{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise MalformedInput(f"{what} is nested too deeply")
        elif token == "]" or token == "}":
            depth -= 1


def _valid_unicode(value: Any, what: str) -> None:
    """Refuse a string (member name or value) holding a lone surrogate."""
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise MalformedInput(f"{what} has text that is not valid Unicode") from exc


def json_loads(
    data: str | bytes, what: str = "JSON document", max_bytes: int = MAX_JSON_BYTES
) -> Any:
    """Parse JSON strictly: size and depth caps first, no duplicate names, no
    NaN/Infinity, no lone surrogate (RFC 8259 §8.2)."""
    if len(data) > max_bytes:
        raise MalformedInput(f"{what} is larger than {max_bytes} bytes")
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedInput(f"{what} is not UTF-8") from exc
    else:
        _valid_unicode(data, what)
    _shallow(data, what)
    try:
        value = _DECODER.decode(data)
    except RecursionError as exc:  # pragma: no cover - _shallow guards
        raise MalformedInput(f"{what} is nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"{what} is not valid JSON: {exc.msg}") from exc
    except ValueError as exc:  # an integer of more than 4300 digits (CVE-2020-10735 limit)
        raise MalformedInput(f"{what} is not valid JSON: {exc}") from exc
    except TypeError as exc:  # pragma: no cover - data is str here
        raise MalformedInput(f"{what} is not text") from exc
    if _SURROGATE_ESCAPE.search(data):  # a surrogate escape: pairs are fine, lone ones not
        _valid_unicode(value, what)
    return value


def json_loads_object(
    data: str | bytes, what: str = "JSON object", max_bytes: int = MAX_JSON_BYTES
) -> dict[str, Any]:
    """:func:`json_loads` that also requires a JSON object at the top."""
    value = json_loads(data, what, max_bytes)
    if not isinstance(value, dict):
        raise MalformedInput(f"{what} must be a JSON object")
    return value


def json_dumps(value: Any) -> str:
    """Compact JSON, UTF-8 kept as is (what we sign)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
