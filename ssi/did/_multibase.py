"""Multibase base58btc (``z`` prefix) and unsigned-varint multicodec prefixes.

* base58btc: the Bitcoin alphabet (draft-msporny-base58-03 §2); each leading
  zero byte is one leading ``1``. Decoding refuses any character outside the
  alphabet, so every byte string has exactly one encoding.
* Multibase (draft-multiformats-multibase-08 §2): one prefix character names
  the base; did:key uses only ``z`` (base58btc).
* unsigned-varint (multiformats/unsigned-varint): 7 bits per byte, least
  significant group first, at most 9 bytes, and *minimal*: a trailing
  ``0x00`` continuation group is refused so a key has one encoding.
"""

from __future__ import annotations

from ..errors import MalformedInput

__all__ = [
    "b58_decode",
    "b58_encode",
    "multibase_decode",
    "multibase_encode",
    "varint_decode",
    "varint_encode",
]

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(_ALPHABET)}
MAX_ENCODED = 4096
"""Longest base58 text we decode (the conversion is quadratic)."""


def b58_encode(data: bytes) -> str:
    """base58btc of ``data`` (no multibase prefix)."""
    zeros = len(data) - len(data.lstrip(b"\0"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(_ALPHABET[rest])
    return "1" * zeros + "".join(reversed(digits))


def b58_decode(text: str, what: str = "base58btc value") -> bytes:
    """Decode base58btc; refuse characters outside the alphabet and oversize input."""
    if not isinstance(text, str) or not text:
        raise MalformedInput(f"{what} must be a non-empty string")
    if len(text) > MAX_ENCODED:
        raise MalformedInput(f"{what} is longer than {MAX_ENCODED} characters")
    number = 0
    for char in text:
        digit = _INDEX.get(char)
        if digit is None:
            raise MalformedInput(f"{what} contains {char!r}, which is not base58btc")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc: ``z`` + base58btc."""
    return "z" + b58_encode(data)


def multibase_decode(text: str, what: str = "multibase value") -> bytes:
    """Decode a multibase string; only base58btc (``z``) is accepted."""
    if not isinstance(text, str) or not text:
        raise MalformedInput(f"{what} must be a non-empty string")
    if text[0] != "z":
        raise MalformedInput(f"{what} must be base58btc (multibase prefix 'z')")
    return b58_decode(text[1:], what)


def varint_encode(value: int) -> bytes:
    """The minimal unsigned-varint of ``value``."""
    if value < 0:
        raise ValueError("a varint is unsigned")
    out = bytearray()
    while True:
        group = value & 0x7F
        value >>= 7
        if value:
            out.append(group | 0x80)
        else:
            out.append(group)
            return bytes(out)


def varint_decode(data: bytes, what: str = "multicodec prefix") -> tuple[int, int]:
    """Decode a minimal unsigned-varint at the start of ``data``: (value, length)."""
    value = 0
    for index, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * index)
        if not byte & 0x80:
            if byte == 0 and index > 0:
                raise MalformedInput(f"{what} is not minimally encoded")
            return value, index + 1
    raise MalformedInput(f"{what} is truncated or longer than 9 bytes")
