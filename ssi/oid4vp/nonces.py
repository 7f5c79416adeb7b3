"""Fresh request values for the verifier: ``nonce``, ``state`` (OpenID4VP 1.0 §5.2, §5.3).

Both are at least 128 bits from an injectable source of random bytes
(``secrets.token_bytes`` by default), written in base62 (``0-9A-Za-z``, GMP's
order): letters and digits only, so a nonce suits OpenID4VP (URL-safe
characters) and EIP-4361 (at least 8 alphanumerics) at once (LIBRARIES.md,
"Interoperability notes").
"""

from __future__ import annotations

import math
import secrets
import string
from collections.abc import Callable

__all__ = ["RandomBytes", "new_nonce", "new_state"]

RandomBytes = Callable[[int], bytes]
_ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase


def _base62(bits: int, random_bytes: RandomBytes) -> str:
    if bits < 128:
        raise ValueError("request values need at least 128 bits of entropy")
    octets = random_bytes(math.ceil(bits / 8))
    value = int.from_bytes(octets, "big")
    length = math.ceil(len(octets) * 8 / math.log2(62))
    digits = []
    for _ in range(length):
        value, digit = divmod(value, 62)
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def new_nonce(bits: int = 128, random_bytes: RandomBytes = secrets.token_bytes) -> str:
    """A request ``nonce``: base62 of ``bits`` random bits (22 characters for 128)."""
    return _base62(bits, random_bytes)


def new_state(bits: int = 128, random_bytes: RandomBytes = secrets.token_bytes) -> str:
    """A request ``state`` (also the EIP-4361 request-id)."""
    return _base62(bits, random_bytes)
