"""JWT Claims Set checks (RFC 7519 §4.1, RFC 8725 §3.8-3.10) with an injected clock.

Time claims must be JSON numbers (a string ``exp`` is refused, not ignored:
PyJWT CVE-2024-53861 class); ``iss`` is compared exactly; ``aud`` must be the
expected string, or an array holding exactly that one string; the clock ``now``
is passed in by the caller and compared with a stated skew (60 s by default).
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ClaimMismatch, MalformedInput, TimeInvalid

__all__ = [
    "DEFAULT_SKEW",
    "numeric_date",
    "check_times",
    "check_audience",
    "check_issuer",
]

DEFAULT_SKEW = 60
"""Allowed clock skew, in seconds, for ``exp``, ``nbf`` and ``iat``."""


def numeric_date(claims: dict[str, Any], name: str, *, required: bool) -> float | None:
    """The NumericDate ``name`` (RFC 7519 §2), or ``None`` when absent and optional."""
    if name not in claims:
        if required:
            raise TimeInvalid(f"the token has no {name!r} claim")
        return None
    value = claims[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MalformedInput(f"{name!r} must be a NumericDate (a JSON number)")
    return float(value)


def check_times(
    claims: dict[str, Any],
    now: float,
    *,
    skew: float = DEFAULT_SKEW,
    require_exp: bool = False,
    require_iat: bool = False,
    max_age: float | None = None,
) -> None:
    """Check ``exp``, ``nbf`` and ``iat`` against ``now`` with ``skew``.

    ``max_age`` bounds how old ``iat`` may be (key binding and proof JWTs).
    """
    exp = numeric_date(claims, "exp", required=require_exp)
    nbf = numeric_date(claims, "nbf", required=False)
    iat = numeric_date(claims, "iat", required=require_iat or max_age is not None)
    if exp is not None and now - skew >= exp:
        raise TimeInvalid("the token has expired ('exp')")
    if nbf is not None and now + skew < nbf:
        raise TimeInvalid("the token is not yet valid ('nbf')")
    if iat is not None:
        if iat > now + skew:
            raise TimeInvalid("the token was issued in the future ('iat')")
        if max_age is not None and now - iat > max_age + skew:
            raise TimeInvalid(f"the token is older than {max_age:g} s ('iat')")


def check_audience(claims: dict[str, Any], expected: str) -> None:
    """``aud`` is ``expected``, or a one-element array of it (RFC 7519 §4.1.3, strict)."""
    aud = claims.get("aud")
    if aud == expected or (isinstance(aud, list) and aud == [expected]):
        return
    if aud is None:
        raise ClaimMismatch("the token has no 'aud' claim")
    raise ClaimMismatch(f"'aud' must be exactly {expected!r}")


def check_issuer(claims: dict[str, Any], expected: str) -> None:
    """``iss`` equals ``expected`` exactly (no prefix or case folding)."""
    iss = claims.get("iss")
    if not isinstance(iss, str) or iss != expected:
        raise ClaimMismatch(f"'iss' must be exactly {expected!r}")
