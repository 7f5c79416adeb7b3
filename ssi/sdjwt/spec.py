"""Wire strings of RFC 9901 (Selective Disclosure for JWTs), in one place.

https://www.rfc-editor.org/rfc/rfc9901
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

__all__ = [
    "SD_KEY",
    "ARRAY_DIGEST_KEY",
    "SD_ALG_KEY",
    "DEFAULT_SD_ALG",
    "HASH_ALGORITHMS",
    "KB_JWT_TYP",
    "SEPARATOR",
    "SALT_BYTES",
    "JSON_DISCLOSURES",
    "JSON_KB_JWT",
]

SD_KEY = "_sd"
"""RFC 9901 §4.2.4.1: the array of digests of an object's disclosable properties."""

ARRAY_DIGEST_KEY = "..."
"""RFC 9901 §4.2.4.2: the only key of an array element that stands for a digest."""

SD_ALG_KEY = "_sd_alg"
"""RFC 9901 §4.1.1: the hash algorithm, top level only."""

DEFAULT_SD_ALG = "sha-256"
"""RFC 9901 §4.1.1: the default when ``_sd_alg`` is absent, and the one we issue."""

HASH_ALGORITHMS: dict[str, Callable[..., Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
}
"""The ``_sd_alg`` values we accept (IANA Named Information Hash Algorithm names)."""

KB_JWT_TYP = "kb+jwt"
"""RFC 9901 §4.3: the ``typ`` of a Key Binding JWT."""

SEPARATOR = "~"
"""RFC 9901 §4: the separator of the compact serialization."""

SALT_BYTES = 16
"""RFC 9901 §9.3: 128 bits of salt."""

JSON_DISCLOSURES = "disclosures"
"""RFC 9901 §8.1: unprotected header member carrying the disclosures."""

JSON_KB_JWT = "kb_jwt"
"""RFC 9901 §8.1: unprotected header member carrying the KB-JWT."""
