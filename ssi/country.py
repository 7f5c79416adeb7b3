"""ISO 3166-1 country codes, as the KYC credential carries them (docs/credential.md).

A country claim (``address.country``, ``nationalities``, ``investor_jurisdiction``)
is an ISO 3166-1 alpha-2 code: two upper-case letters *assigned* to a country.
Two letters are not enough: ``XX`` is no country and ``UK`` is reserved, not the
code of the United Kingdom (``GB``); a whitelisting with such a code cannot be
written on chain, where the identity registry stores the numeric code (issue 19
item 1). The table is the ``iso3166`` package's (the 249 assigned codes and
``XK``, Kosovo, the user-assigned code the European Commission uses).

One definition for the issuer (records it signs) and the verifier (claims it
accepts and the numeric code it registers).
"""

from __future__ import annotations

import re

from iso3166 import countries_by_alpha2

from .errors import MalformedInput

__all__ = ["ALPHA2_CODES", "alpha2_code", "alpha2_pattern", "numeric_code"]

_ALPHA2 = re.compile(r"[A-Z]{2}")
ALPHA2_CODES = frozenset(countries_by_alpha2)
"""The assigned alpha-2 codes, upper case."""


def alpha2_code(value: object, what: str = "country") -> str:
    """``value`` when it is an assigned ISO 3166-1 alpha-2 code (upper case), else
    :class:`~ssi.errors.MalformedInput` naming ``what``."""
    if not isinstance(value, str) or _ALPHA2.fullmatch(value) is None:
        raise MalformedInput(f"{what}: {value!r} is not an ISO 3166-1 alpha-2 country code")
    if value not in ALPHA2_CODES:
        raise MalformedInput(
            f"{what}: {value!r} is not an assigned ISO 3166-1 alpha-2 country code"
            + (" (the United Kingdom is GB)" if value == "UK" else "")
        )
    return value


def alpha2_pattern(*, any_case: bool = False) -> str:
    """A regular expression (no anchors; the same in Python and ECMA-262, for JSON
    Schema ``pattern``) matching exactly the assigned codes; ``any_case`` also
    matches them in lower or mixed case (what a form may send)."""

    def code(alpha2: str) -> str:
        return "".join(f"[{c}{c.lower()}]" for c in alpha2) if any_case else alpha2

    return "(?:" + "|".join(code(c) for c in sorted(ALPHA2_CODES)) + ")"


def numeric_code(alpha2: str, what: str = "country") -> int:
    """The ISO 3166-1 numeric code of an alpha-2 code (what an ERC-3643 registry stores)."""
    return int(countries_by_alpha2[alpha2_code(alpha2, what)].numeric)
