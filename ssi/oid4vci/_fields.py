"""Strict readers for the members of received OpenID4VCI messages.

One :class:`Reader` per JSON object: each accessor checks the member's JSON
type and raises the message's error class with a message naming the member.
Members the model does not know are kept (:meth:`Reader.extra`) so a message
re-serializes to what was received; OpenID4VCI says to ignore them, not to
drop them silently from what we store or forward.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from ..errors import MalformedInput, SSIError

__all__ = ["Reader", "drop_none", "to_list"]


class Reader:
    """Typed access to ``data``, a JSON object received as ``what``."""

    def __init__(self, data: object, what: str, error: type[SSIError] = MalformedInput) -> None:
        if not isinstance(data, dict):
            raise error(f"{what} must be a JSON object")
        self.data: dict[str, Any] = data
        self.what = what
        self.error = error

    def fail(self, message: str) -> SSIError:
        return self.error(f"{self.what}: {message}")

    def has(self, name: str) -> bool:
        return name in self.data

    def _required(self, name: str) -> Any:
        if name not in self.data:
            raise self.fail(f"'{name}' is required")
        return self.data[name]

    def req_str(self, name: str) -> str:
        value = self._required(name)
        if not isinstance(value, str) or not value:
            raise self.fail(f"'{name}' must be a non-empty string")
        return value

    def opt_str(self, name: str) -> str | None:
        return self.req_str(name) if name in self.data else None

    def opt_bool(self, name: str) -> bool | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if not isinstance(value, bool):
            raise self.fail(f"'{name}' must be a boolean")
        return value

    def opt_int(self, name: str, minimum: int = 0) -> int | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(f"'{name}' must be an integer of at least {minimum}")
        return value

    def opt_positive_number(self, name: str) -> int | float | None:
        if name not in self.data:
            return None
        value = self.data[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise self.fail(f"'{name}' must be a positive number")
        return value

    def object(self, name: str) -> dict[str, Any]:
        value = self._required(name)
        if not isinstance(value, dict):
            raise self.fail(f"'{name}' must be a JSON object")
        return value

    def opt_object(self, name: str) -> dict[str, Any] | None:
        return self.object(name) if name in self.data else None

    def str_list(self, name: str, *, unique: bool = False) -> tuple[str, ...]:
        """A non-empty array of non-empty strings."""
        value = self._required(name)
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise self.fail(f"'{name}' must be a non-empty array of strings")
        if unique and len(set(value)) != len(value):
            raise self.fail(f"'{name}' must not repeat a value")
        return tuple(value)

    def opt_str_list(self, name: str, *, unique: bool = False) -> tuple[str, ...] | None:
        return self.str_list(name, unique=unique) if name in self.data else None

    def alg_list(self, name: str) -> tuple[str | int, ...] | None:
        """A non-empty array of algorithm identifiers (JOSE names, or COSE integers)."""
        if name not in self.data:
            return None
        value = self.data[name]
        if (
            not isinstance(value, list)
            or not value
            or not all(
                (isinstance(v, str) and v) or (isinstance(v, int) and not isinstance(v, bool))
                for v in value
            )
        ):
            raise self.fail(f"'{name}' must be a non-empty array of algorithm identifiers")
        return tuple(value)

    def opt_object_list(self, name: str) -> tuple[dict[str, Any], ...] | None:
        """A non-empty array of JSON objects, or ``None`` when absent."""
        if name not in self.data:
            return None
        value = self.data[name]
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"'{name}' must be a non-empty array of objects")
        return tuple(value)

    def extra(self, known: Iterable[str]) -> dict[str, Any]:
        """The members not in ``known``, kept as received."""
        names = set(known)
        return {k: v for k, v in self.data.items() if k not in names}


def drop_none(members: dict[str, Any]) -> dict[str, Any]:
    """``members`` without the ``None`` values (absent optional members)."""
    return {k: v for k, v in members.items() if v is not None}


def to_list(values: tuple[Any, ...] | None) -> list[Any] | None:
    """A tuple member back to a JSON array (``None`` stays absent)."""
    return None if values is None else list(values)
