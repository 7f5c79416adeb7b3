"""The one hash the verifier keeps of a secret (a browser session secret, a
``response_code``): SHA-256 hex (§14 session binding: only hashes are stored).
The same function as ``kyc_wallet.web.auth.secret_hash``, with which the web
layer compares what it is given (tests/verifier/test_core.py checks they agree)."""

from __future__ import annotations

import hashlib

__all__ = ["secret_hash"]


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()
