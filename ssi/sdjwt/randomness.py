"""Where the Issuer's randomness comes from: salts, decoy digests, decoy counts.

RFC 9901 §9.3: salts carry at least 128 bits from a cryptographically secure
source (:mod:`secrets`); §4.2.5: decoy digests are hashes over random values.
The source is injectable so that the RFC examples can be reproduced byte for
byte (tests pass a scripted source); production code uses :class:`SecureRandom`.
"""

from __future__ import annotations

import secrets
from typing import Protocol

from ..encoding import b64url_encode
from ..errors import SSIError
from .disclosure import digest
from .spec import SALT_BYTES

__all__ = ["BatchRandom", "RandomSource", "SecureRandom"]


class RandomSource(Protocol):
    """What the Issuer draws on; every method may be called any number of times."""

    def salt(self) -> str:
        """A fresh salt string (RFC 9901 §4.2.1)."""
        ...

    def decoy_digest(self, sd_alg: str) -> str:
        """A decoy digest (RFC 9901 §4.2.5)."""
        ...

    def decoy_count(self, low: int, high: int) -> int:
        """How many decoys to add to one object, in ``[low, high]``."""
        ...


class SecureRandom:
    """The default source: :mod:`secrets`, 128-bit salts."""

    def salt(self) -> str:
        return b64url_encode(secrets.token_bytes(SALT_BYTES))

    def decoy_digest(self, sd_alg: str) -> str:
        return digest(b64url_encode(secrets.token_bytes(SALT_BYTES)), sd_alg)

    def decoy_count(self, low: int, high: int) -> int:
        return low + secrets.randbelow(high - low + 1)


class BatchRandom:
    """One source for a batch of credentials: refuses a salt it already handed out.

    SECURITY.md: salts distinct across a batch (OpenID4VCI batch issuance).
    Create one per batch; it remembers every salt of the batch.
    """

    def __init__(self, source: RandomSource | None = None) -> None:
        self._source = source or SecureRandom()
        self._seen: set[str] = set()

    def salt(self) -> str:
        salt = self._source.salt()
        if salt in self._seen:
            raise SSIError("the random source repeated a salt within the batch")
        self._seen.add(salt)
        return salt

    def decoy_digest(self, sd_alg: str) -> str:
        return self._source.decoy_digest(sd_alg)

    def decoy_count(self, low: int, high: int) -> int:
        return self._source.decoy_count(low, high)
