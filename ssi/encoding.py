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

import binascii
import json
import re
from collections.abc import Callable
from typing import Any, NoReturn

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
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode("ascii")


_URLSAFE = bytes.maketrans(b"+/", b"-_")
# "-" and "_" become the standard alphabet's "+" and "/"; a "+", "/" or "=" in the input
# becomes "!", which the strict decoder refuses (so does it any other byte outside the alphabet)
_FROM_URLSAFE = bytes.maketrans(b"-_+/=", b"+/!!!")
_PADDING = (b"", b"", b"==", b"=")
_UNUSED_BITS = {2: 0x0F, 3: 0x03}  # low bits of the last character that must be zero
_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_B64_VALUES = {c: i for i, c in enumerate(_ALPHABET)}
# per length mod 4, per byte: is it an alphabet character with unused low bits set at the
# end of such a text (bytes outside the alphabet are refused by the decoder)
_NON_CANONICAL = tuple(
    tuple(bool(_B64_VALUES.get(chr(byte), 0) & mask) for byte in range(256))
    for mask in (0, 0, _UNUSED_BITS[2], _UNUSED_BITS[3])
)


def b64url_decode(text: str | bytes, what: str = "base64url value") -> bytes:
    """Decode canonical unpadded base64url; refuse anything else.

    Canonical: the unused low bits of the last character are zero (RFC 4648
    §3.5), so a byte string has exactly one accepted encoding. The common case
    is one translation and one strict C decode; any refusal is explained by
    :func:`_refuse_base64url`.
    """
    if isinstance(text, str) and text.isascii():
        raw = text.encode("ascii")
    elif isinstance(text, bytes) and text.isascii():
        raw = bytes(text)
    else:
        _refuse_base64url(text, what)
    rest = len(raw) & 3
    if rest and (rest == 1 or _NON_CANONICAL[rest][raw[-1]]):
        _refuse_base64url(text, what)
    try:
        return binascii.a2b_base64(raw.translate(_FROM_URLSAFE) + _PADDING[rest], strict_mode=True)
    except binascii.Error:
        _refuse_base64url(text, what)


def _refuse_base64url(text: object, what: str) -> NoReturn:
    """Raise the :class:`MalformedInput` that says why ``text`` is not canonical
    unpadded base64url (only called for a text the fast path refused)."""
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
    raise MalformedInput(f"{what} is not base64url")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise DuplicateMember(f"duplicate JSON member name {key!r}")
            seen.add(key)
    return result


def _no_constant(name: str) -> Any:
    raise MalformedInput(f"JSON constant {name} is not allowed")


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
_SCAN: Callable[[str, int], tuple[Any, int]] = _DECODER.scan_once  # type: ignore[attr-defined]
_WHITESPACE_RUN = re.compile(r"[ \t\n\r]*")
_JSON_SPACE = " \t\n\r"


def _skip_whitespace(text: str, start: int) -> int:
    """The index of the first character at or after ``start`` that is not JSON
    white space (RFC 8259 §2)."""
    match = _WHITESPACE_RUN.match(text, start)
    return start if match is None else match.end()  # the pattern always matches


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
    elif not isinstance(data, str):
        raise MalformedInput(f"{what} is not text")
    elif not data.isascii():  # an ASCII string holds no surrogate
        _valid_unicode(data, what)
    if data.count("[") + data.count("{") > MAX_JSON_DEPTH:
        _shallow(data, what)
    try:
        # JSONDecoder.decode without its two extra frames: leading whitespace,
        # one value, trailing whitespace, then nothing
        value, end = _SCAN(data, _skip_whitespace(data, 0) if data[:1] in _JSON_SPACE else 0)
    except StopIteration as exc:
        raise MalformedInput(f"{what} is not valid JSON: Expecting value") from exc
    except RecursionError as exc:  # pragma: no cover - _shallow guards
        raise MalformedInput(f"{what} is nested too deeply") from exc
    except json.JSONDecodeError as exc:
        raise MalformedInput(f"{what} is not valid JSON: {exc.msg}") from exc
    except ValueError as exc:  # an integer of more than 4300 digits (CVE-2020-10735 limit)
        raise MalformedInput(f"{what} is not valid JSON: {exc}") from exc
    if end != len(data) and _skip_whitespace(data, end) != len(data):
        raise MalformedInput(f"{what} is not valid JSON: Extra data")
    if "\\" in data and _SURROGATE_ESCAPE.search(data):  # pairs are fine, lone ones not
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
