"""The Status List: a ZLIB-compressed byte array of 1, 2, 4 or 8-bit statuses.

Token Status List (draft-ietf-oauth-status-list, oauth-wg @ 2fb61cd):

* §4.1: ``bits`` is 1, 2, 4 or 8; each index is a block of ``bits`` bits packed
  into bytes from the least significant bit to the most significant one; the
  byte array is compressed with DEFLATE in the ZLIB format, "the highest
  compression level available";
* §4.2: the JSON form ``{"bits": n, "lst": base64url(compressed)}`` with an
  optional ``aggregation_uri``;
* §7: status types VALID 0x00, INVALID 0x01, SUSPENDED 0x02;
* §8.3 steps 5-6: decompress, then refuse an index out of bounds.

Decompression is capped (SECURITY.md, "Web"): zlib's ``max_length`` stops the
output at the cap, and a stream with output left past it is refused, so a
small ``lst`` cannot expand into gigabytes (a decompression bomb). The cap
(:data:`~ssi.status_list.limits.MAX_DECOMPRESSED_BYTES`, 2^24 entries x 2 bits)
also bounds ``lst`` before it is decoded (:mod:`ssi.status_list.limits`).
"""

from __future__ import annotations

import zlib
from typing import Any

from ..encoding import b64url_decode, b64url_encode
from ..errors import MalformedInput, VerificationError
from .limits import MAX_DECOMPRESSED_BYTES, lst_chars

__all__ = [
    "VALID",
    "INVALID",
    "SUSPENDED",
    "ALLOWED_BITS",
    "MAX_DECOMPRESSED_BYTES",
    "StatusList",
    "StatusIndexOutOfRange",
    "DecompressionLimitExceeded",
    "compress",
    "decompress",
]

VALID = 0x00
"""§7.1: the Referenced Token is valid."""
INVALID = 0x01
"""§7.1: the Referenced Token is revoked (annulled, taken back, cancelled)."""
SUSPENDED = 0x02
"""§7.1: the Referenced Token is temporarily invalid."""

ALLOWED_BITS = (1, 2, 4, 8)


class StatusIndexOutOfRange(VerificationError):
    """§8.3 step 6: the index is beyond the Status List; no statement can be made."""


class DecompressionLimitExceeded(MalformedInput):
    """The compressed list expands past the configured byte cap."""


def compress(data: bytes) -> bytes:
    """§4.1 step 4: DEFLATE in the ZLIB format at the highest compression level."""
    return zlib.compress(data, zlib.Z_BEST_COMPRESSION)


def decompress(data: bytes, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> bytes:
    """Inflate a ZLIB stream, refusing output past ``max_bytes`` and trailing data."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, max_bytes)
    except zlib.error as exc:
        raise MalformedInput(f"status list 'lst' is not a ZLIB stream: {exc}") from exc
    if inflater.unconsumed_tail:
        raise DecompressionLimitExceeded(
            f"status list decompresses to more than {max_bytes} bytes; refused"
        )
    if not inflater.eof:
        raise MalformedInput("status list 'lst' is a truncated ZLIB stream")
    if inflater.unused_data:
        raise MalformedInput("status list 'lst' has data after the ZLIB stream")
    return out


class StatusList:
    """A byte array of statuses, ``bits`` bits each (§4.1).

    ``StatusList(size, bits)`` makes an all-VALID list for ``size`` entries
    (the issuer side); :meth:`from_json` reads a received one.
    """

    __slots__ = ("bits", "_data", "_entries", "_mask")

    def __init__(self, size: int, bits: int = 1) -> None:
        _check_bits(bits)
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise MalformedInput("a status list size must be a non-negative integer")
        self.bits = bits
        self._mask = (1 << bits) - 1
        self._wrap(bytearray((size * bits + 7) // 8))

    def _wrap(self, data: bytearray) -> None:
        self._data = data
        self._entries = len(data) * 8 // self.bits

    @classmethod
    def from_bytes(cls, data: bytes, bits: int) -> StatusList:
        """Wrap an uncompressed byte array (§4.1 step 2)."""
        status_list = cls(0, bits)
        status_list._wrap(bytearray(data))
        return status_list

    @classmethod
    def from_statuses(cls, statuses: list[int], bits: int) -> StatusList:
        status_list = cls(len(statuses), bits)
        for index, value in enumerate(statuses):
            if value:
                status_list.set(index, value)
        return status_list

    # --- reading and writing ------------------------------------------------------

    def __len__(self) -> int:
        """The number of indices the byte array holds (``len(bytes) * 8 / bits``)."""
        return self._entries

    def _locate(self, index: int) -> tuple[int, int]:
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise MalformedInput("a status list index must be a non-negative integer")
        if index >= len(self):
            raise StatusIndexOutOfRange(
                f"index {index} is out of range of a status list of {len(self)} entries"
            )
        per_byte = 8 // self.bits
        return index // per_byte, (index % per_byte) * self.bits

    def get(self, index: int) -> int:
        """§4.1 step 3: the ``bits``-bit block at ``index``, least significant first
        (``bits`` divides 8, so a block never straddles two bytes)."""
        if type(index) is int and 0 <= index < self._entries:  # the fast path: not a bool
            bit = index * self.bits
            return (self._data[bit >> 3] >> (bit & 7)) & self._mask
        byte, shift = self._locate(index)  # raises
        return (self._data[byte] >> shift) & self._mask

    def set(self, index: int, value: int) -> None:
        """Set the status at ``index``; ``value`` must fit in ``bits`` bits (§7)."""
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedInput("a status value must be an integer")
        if not 0 <= value < (1 << self.bits):
            raise MalformedInput(f"status value {value} does not fit in {self.bits} bits")
        byte, shift = self._locate(index)
        mask = ((1 << self.bits) - 1) << shift
        self._data[byte] = (self._data[byte] & ~mask) | (value << shift)

    def to_bytes(self) -> bytes:
        return bytes(self._data)

    # --- JSON form (§4.2) -------------------------------------------------------------

    def encode_lst(self) -> str:
        """``lst``: base64url of the ZLIB-compressed byte array."""
        return b64url_encode(compress(bytes(self._data)))

    def to_json(self) -> dict[str, Any]:
        return {"bits": self.bits, "lst": self.encode_lst()}

    @classmethod
    def from_json(cls, obj: object, max_bytes: int = MAX_DECOMPRESSED_BYTES) -> StatusList:
        """Read ``{"bits", "lst"}`` strictly (§4.2), inflating under ``max_bytes``."""
        if not isinstance(obj, dict):
            raise MalformedInput("'status_list' must be a JSON object")
        if "bits" not in obj or "lst" not in obj:
            raise MalformedInput("'status_list' needs both 'bits' and 'lst'")
        bits = obj["bits"]
        _check_bits(bits)
        lst = obj["lst"]
        if not isinstance(lst, str):
            raise MalformedInput("status list 'lst' must be a string")
        if "aggregation_uri" in obj and not isinstance(obj["aggregation_uri"], str):
            raise MalformedInput("status list 'aggregation_uri' must be a string")
        if len(lst) > lst_chars(max_bytes):  # longer than any list under the cap compresses to
            raise DecompressionLimitExceeded(
                f"status list 'lst' is longer than a list of {max_bytes} bytes can be; refused"
            )
        data = decompress(b64url_decode(lst, "status list 'lst'"), max_bytes)
        return cls.from_bytes(data, bits)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, StatusList) and other.bits == self.bits and other._data == self._data
        )

    def __repr__(self) -> str:
        return f"<StatusList bits={self.bits} entries={len(self)}>"


def _check_bits(bits: object) -> None:
    if isinstance(bits, bool) or not isinstance(bits, int) or bits not in ALLOWED_BITS:
        raise MalformedInput(f"status list 'bits' must be one of 1, 2, 4, 8, got {bits!r}")
