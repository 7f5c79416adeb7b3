"""Typed request fields: each one checks a received value and describes itself in
JSON Schema, so the issuer's API checks and its OpenAPI 3.1 document
(:mod:`issuer.openapi`) come from one definition (issue 21 item 11).

A field's ``read(data, today)`` takes the value from a JSON object (or a form,
already a dict), refuses a bad one with a clear :class:`~ssi.errors.InvalidRequest`
(400) naming the member, and returns it normalised; ``schema(today)`` is what the
document publishes. Where a check is a pattern, the check uses the published
pattern itself (texts, a form's list of countries); where it is not (a real
calendar date, an assigned country code), the schema is the closest JSON Schema
and schemathesis holds the running server to both (tests/hardening/test_api_schema.py).
Patterns are in the dialect common to Python and ECMA-262 with the ``u`` flag
(JSON Schema 2020-12 §6.4): no ``\\s``, no lookaround.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ssi.country import alpha2_code, alpha2_pattern
from ssi.errors import InvalidRequest, MalformedInput

__all__ = ["Choice", "Countries", "Country", "Day", "Field", "Flag", "String", "Text"]


class Field(Protocol):
    """What every field offers: its member name, whether the schema requires it,
    its check and its JSON Schema."""

    @property
    def name(self) -> str: ...

    @property
    def required(self) -> bool: ...

    def read(self, data: Mapping[str, Any], today: dt.date) -> Any: ...

    def schema(self, today: dt.date) -> dict[str, Any]: ...


# Python's str.isspace(), written out (ECMA-262's \s is another set)
_WIDE_SPACE = r"\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
SPACE = r"\t\n\v\f\r \x1c-\x1f\x85\xa0" + _WIDE_SPACE
CONTROL = r"\x00-\x1f\x7f-\x9f"  # Unicode category Cc
_VISIBLE = rf"[^\x00-\x20\x7f-\xa0{_WIDE_SPACE}]"  # neither a control nor a space
TEXT_PATTERN = f"^[^{CONTROL}]*{_VISIBLE}[^{CONTROL}]*$"

_ALPHA2 = alpha2_pattern(any_case=True)  # assigned ISO 3166-1 codes only (issue 19 item 1)
_COUNTRY = re.compile(r"[A-Za-z]{2}")  # before upper(): 'ß'.upper() is 'SS'
_SEPARATOR = f"[{SPACE},]"  # a form's list of countries: commas or spaces
_MONTH_DAY = "(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_DATE_PATTERN = f"^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{{2}}|[1-9][0-9]{{3}})-{_MONTH_DAY}$"
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # fromisoformat also takes 20261123
_FIRST_BIRTHDATE = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class Text:
    """A text with something visible and no control characters, stripped;
    an optional one may be absent, empty or null (read as "")."""

    name: str
    max_length: int = 200
    required: bool = True

    def read(self, data: Mapping[str, Any], today: dt.date) -> str:
        value = data.get(self.name)
        if value is None or value == "":
            if self.required:
                raise InvalidRequest(f"{self.name!r} is required")
            return ""
        message = f"{self.name!r} must be a non-empty text of at most {self.max_length} characters"
        if not isinstance(value, str) or len(value) > self.max_length:
            raise InvalidRequest(message)
        if re.fullmatch(TEXT_PATTERN, value) is None:  # the published pattern is the check
            if value.strip():
                raise InvalidRequest(f"{self.name!r} must not hold control characters")
            raise InvalidRequest(message)
        return value.strip()

    def schema(self, today: dt.date) -> dict[str, Any]:
        if self.required:
            return {"type": "string", "maxLength": self.max_length, "pattern": TEXT_PATTERN}
        pattern = f"^$|{TEXT_PATTERN}"
        return {"type": ["string", "null"], "maxLength": self.max_length, "pattern": pattern}


@dataclass(frozen=True)
class String:
    """Any string (``min_length``..``max_length``); absent reads as ""."""

    name: str
    max_length: int | None = None
    min_length: int = 0
    hint: str = ""
    required: bool = False

    def read(self, data: Mapping[str, Any], today: dt.date | None = None) -> str:
        return self.check(data.get(self.name, ""))

    def check(self, value: object) -> str:
        if not isinstance(value, str) or (
            self.max_length is not None and len(value) > self.max_length
        ):
            at_most = "" if self.max_length is None else f" of at most {self.max_length} characters"
            raise InvalidRequest(f"{self.name!r} must be a text{at_most}")
        if len(value) < self.min_length:
            raise InvalidRequest(f"{self.name!r} must not be empty{self.hint}")
        return value

    def schema(self, today: dt.date | None = None) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "string"}
        if self.min_length:
            schema["minLength"] = self.min_length
        if self.max_length is not None:
            schema["maxLength"] = self.max_length
        return schema


def _country(value: object, name: str) -> str:
    """An assigned ISO 3166-1 alpha-2 code (``XX`` or ``UK`` are two letters, no
    country); lower case is accepted from forms and upper-cased."""
    if not isinstance(value, str) or _COUNTRY.fullmatch(value) is None:
        raise InvalidRequest(f"{name!r} must be an ISO 3166-1 alpha-2 country code")
    try:
        return alpha2_code(value.upper(), repr(name))
    except MalformedInput as exc:
        raise InvalidRequest(exc.description) from exc


@dataclass(frozen=True)
class Country:
    """A country code; an optional one, absent, empty or null, is ``default_from``'s."""

    name: str
    default_from: str | None = None

    @property
    def required(self) -> bool:
        return self.default_from is None

    def read(self, data: Mapping[str, Any], today: dt.date) -> str:
        value = data.get(self.name)
        if self.default_from is not None and value in (None, ""):
            value = data.get(self.default_from)
        return _country(value, self.name)

    def schema(self, today: dt.date) -> dict[str, Any]:
        if self.required:
            return {"type": "string", "pattern": f"^{_ALPHA2}$"}
        return {
            "type": ["string", "null"],
            "description": f"defaults to {self.default_from}",
            "pattern": f"^({_ALPHA2})?$",
        }


@dataclass(frozen=True)
class Countries:
    """1 to ``max_items`` country codes: an array, or a form's text separated by
    commas or spaces."""

    name: str
    max_items: int = 10
    required: bool = True

    def read(self, data: Mapping[str, Any], today: dt.date) -> tuple[str, ...]:
        value = data.get(self.name)
        if isinstance(value, str):
            value = [n for n in re.split(f"{_SEPARATOR}+", value) if n]
        if not isinstance(value, list) or not value or len(value) > self.max_items:
            raise InvalidRequest(f"{self.name!r} must list 1 to {self.max_items} country codes")
        return tuple(_country(n, self.name) for n in value)

    def schema(self, today: dt.date) -> dict[str, Any]:
        code = {"type": "string", "pattern": f"^{_ALPHA2}$"}
        more = f"({_SEPARATOR}+{_ALPHA2}){{0,{self.max_items - 1}}}"
        return {
            "oneOf": [
                {"type": "array", "items": code, "minItems": 1, "maxItems": self.max_items},
                {
                    "type": "string",
                    "description": "codes separated by commas or spaces (a form's field)",
                    "pattern": f"^{_SEPARATOR}*{_ALPHA2}{more}{_SEPARATOR}*$",
                },
            ]
        }


@dataclass(frozen=True)
class Day:
    """A date YYYY-MM-DD; a ``birthdate`` one from 1900-01-01 to ``today``."""

    name: str
    birthdate: bool = False
    required: bool = True

    def read(self, data: Mapping[str, Any], today: dt.date) -> dt.date:
        value = data.get(self.name)
        day = value if isinstance(value, dt.date) else None
        if isinstance(value, str) and _ISO_DATE.fullmatch(value):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                pass
        if day is None:
            raise InvalidRequest(f"{self.name!r} must be a date YYYY-MM-DD")
        if self.birthdate and not _FIRST_BIRTHDATE <= day <= today:
            raise InvalidRequest(f"{self.name!r} is not a plausible date of birth")
        return day

    def schema(self, today: dt.date) -> dict[str, Any]:
        if not self.birthdate:
            return {"type": "string", "format": "date", "pattern": _DATE_PATTERN}
        years = "|".join(["19[0-9]{2}", *(str(y) for y in range(2000, today.year))])
        branches = [f"({years})-{_MONTH_DAY}"]
        if today.month > 1:
            months = "|".join(f"{m:02d}" for m in range(1, today.month))
            branches.append(f"{today.year}-({months})-(0[1-9]|[12][0-9]|3[01])")
        days = "|".join(f"{d:02d}" for d in range(1, today.day + 1))
        branches.append(f"{today.year}-{today.month:02d}-({days})")
        return {"type": "string", "format": "date", "pattern": f"^({'|'.join(branches)})$"}


@dataclass(frozen=True)
class Choice:
    """One of ``choices``; integer choices are also taken as a form's digits
    (never ``int()`` of any Unicode digit) and never as a boolean."""

    name: str
    choices: tuple[str, ...] | tuple[int, ...]
    required: bool = True

    def read(self, data: Mapping[str, Any], today: dt.date | None = None) -> Any:
        value: Any = data.get(self.name)
        numbers = {str(c): c for c in self.choices if isinstance(c, int)}
        if numbers and isinstance(value, str):
            value = numbers.get(value, value)
        if isinstance(value, bool) or value not in self.choices:  # True == 1 in Python
            raise InvalidRequest(
                f"{self.name!r} must be one of {', '.join(map(str, self.choices))}"
            )
        return int(value) if numbers else value

    def schema(self, today: dt.date | None = None) -> dict[str, Any]:
        if all(isinstance(c, int) for c in self.choices):
            return {"enum": [*self.choices, *(str(c) for c in self.choices)]}
        return {"type": "string", "enum": list(self.choices)}


@dataclass(frozen=True)
class Flag:
    """true or false (a form's checkbox is turned into a bool by its view); absent is false."""

    name: str
    required: bool = False

    def read(self, data: Mapping[str, Any], today: dt.date) -> bool:
        value = data.get(self.name, False)
        if not isinstance(value, bool):
            raise InvalidRequest(f"{self.name!r} must be true or false")
        return value

    def schema(self, today: dt.date) -> dict[str, Any]:
        return {"type": "boolean"}
