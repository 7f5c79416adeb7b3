"""How large a Status List we accept: one maximum, every other cap derived from it.

Token Status List (draft-ietf-oauth-status-list @ 2fb61cd) §1.2: "the Status
List shall scale up to millions of tokens"; §12.3 (Status List Size): the
size of a list depends on its number of entries, ``bits`` and how well it
compresses (random content near 50 % compresses worst). We accept lists of at
most :data:`MAX_ENTRIES` entries of :data:`MAX_ENTRY_BITS` bits (2^24 x 2 bits,
4 MiB uncompressed: the largest list we support, whatever its content, even
incompressible), and derive from it:

* :data:`MAX_DECOMPRESSED_BYTES`: the decompression cap (§8.3 step 5; SECURITY.md
  "Web": a small ``lst`` never inflates past it);
* :data:`MAX_COMPRESSED_BYTES`: zlib's ``compressBound`` of it, the largest
  DEFLATE/ZLIB stream (§4.1 step 4) of such a list;
* :data:`MAX_LST_CHARS`: its base64url form (§4.2 ``lst``);
* :data:`MAX_PAYLOAD_BYTES`: the JWT Claims Set: ``lst`` plus
  :data:`TOKEN_ALLOWANCE` for the other claims (§5.1);
* :data:`MAX_TOKEN_BYTES`: the compact JWS (§5.1): the base64url payload plus
  :data:`TOKEN_ALLOWANCE` for the header (an ``x5c`` chain) and the signature;
* :data:`MAX_FETCH_BYTES`: the body the guarded fetcher reads for a Status
  List Token (§8.1), the token itself.

A list one entry larger is refused by the decompression cap, a token larger
than the worst case by the JWS and fetch caps (tests/ssi/test_status_list_max.py).
"""

from __future__ import annotations

__all__ = [
    "MAX_COMPRESSED_BYTES",
    "MAX_DECOMPRESSED_BYTES",
    "MAX_ENTRIES",
    "MAX_ENTRY_BITS",
    "MAX_FETCH_BYTES",
    "MAX_LST_CHARS",
    "MAX_PAYLOAD_BYTES",
    "MAX_TOKEN_BYTES",
    "TOKEN_ALLOWANCE",
    "base64url_length",
    "lst_chars",
    "payload_bytes",
    "token_bytes",
    "zlib_bound",
]


def zlib_bound(size: int) -> int:
    """zlib's ``compressBound(size)``: no ZLIB stream of ``size`` bytes from
    ``zlib.compress`` is longer (stored blocks for incompressible data)."""
    return size + (size >> 12) + (size >> 14) + (size >> 25) + 13


def base64url_length(size: int) -> int:
    """Characters of ``size`` bytes in unpadded base64url (RFC 7515 §2)."""
    return (size * 4 + 2) // 3


MAX_ENTRIES = 1 << 24
"""The most Referenced Tokens one list may hold (at :data:`MAX_ENTRY_BITS`)."""
MAX_ENTRY_BITS = 2
"""VALID, INVALID, SUSPENDED (§7.1) need 2 bits per entry."""
MAX_DECOMPRESSED_BYTES = MAX_ENTRIES * MAX_ENTRY_BITS // 8
"""The decompression cap: 4 MiB (also 2^25 entries at 1 bit, 2^22 at 8 bits)."""
TOKEN_ALLOWANCE = 64 * 1024
"""Room in a token besides ``lst``: the other claims (``sub`` is a URI of up to
8 KiB), the protected header with an ``x5c`` chain, the signature."""


def lst_chars(max_decompressed: int) -> int:
    """The longest ``lst`` of a list of at most ``max_decompressed`` bytes."""
    return base64url_length(zlib_bound(max_decompressed))


def payload_bytes(max_decompressed: int) -> int:
    """The longest JWT Claims Set carrying such a list."""
    return lst_chars(max_decompressed) + TOKEN_ALLOWANCE


def token_bytes(max_decompressed: int) -> int:
    """The longest compact JWS (Status List Token) carrying such a list."""
    return base64url_length(payload_bytes(max_decompressed)) + TOKEN_ALLOWANCE


MAX_COMPRESSED_BYTES = zlib_bound(MAX_DECOMPRESSED_BYTES)
MAX_LST_CHARS = lst_chars(MAX_DECOMPRESSED_BYTES)
MAX_PAYLOAD_BYTES = payload_bytes(MAX_DECOMPRESSED_BYTES)
MAX_TOKEN_BYTES = token_bytes(MAX_DECOMPRESSED_BYTES)
MAX_FETCH_BYTES = MAX_TOKEN_BYTES
"""The guarded fetcher's body cap for a Status List Token (``Fetcher.get(max_bytes=…)``)."""
