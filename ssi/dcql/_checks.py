"""Shape checks shared by the DCQL model (OpenID4VP 1.0 §6): each failure is an
:class:`InvalidDcqlQuery` naming what is wrong."""

from __future__ import annotations

import re
from typing import Any

from ..errors import MalformedInput

__all__ = ["InvalidDcqlQuery"]

_ID = re.compile(r"[A-Za-z0-9_-]+")
"""§6.1, §6.3: ids are non-empty strings of alphanumerics, ``_`` and ``-``."""


class InvalidDcqlQuery(MalformedInput):
    """A DCQL query that breaks OpenID4VP 1.0 §6 (error ``invalid_request``)."""


def _object(value: object, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidDcqlQuery(f"{what} must be a JSON object")
    return value


def _array(value: object, what: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise InvalidDcqlQuery(f"{what} must be a non-empty array")
    return value


def _identifier(value: object, what: str) -> str:
    if not isinstance(value, str) or _ID.fullmatch(value) is None:
        raise InvalidDcqlQuery(f"{what} must be a non-empty string of A-Z a-z 0-9 _ -")
    return value


def _strings(value: object, what: str) -> tuple[str, ...]:
    items = _array(value, what)
    if not all(isinstance(item, str) and item for item in items):
        raise InvalidDcqlQuery(f"{what} must hold non-empty strings")
    return tuple(items)


def _optional_bool(data: dict[str, Any], name: str, what: str) -> bool | None:
    value = data.get(name)
    if value is not None and not isinstance(value, bool):
        raise InvalidDcqlQuery(f"{what}: {name!r} must be a boolean")
    return value
