"""Claims path pointers (OpenID4VP 1.0 §7) over JSON-based credentials.

A pointer is a non-empty array of strings (object keys), ``null`` (every
element of the selected arrays) and non-negative integers (one array index).
:func:`select` follows §7.1.1 step by step and returns the selected elements
together with the concrete path of each (nulls replaced by indices), which is
what a wallet must disclose.
"""

from __future__ import annotations

from typing import Any

from ..errors import MalformedInput

__all__ = ["PathComponent", "ClaimsPath", "PathError", "validate_path", "select"]

PathComponent = str | int | None
ClaimsPath = tuple[PathComponent, ...]


class PathError(Exception):
    """§7.1.1: "abort processing and return an error" (the claim is not there)."""


def validate_path(value: object, what: str = "claims path pointer") -> ClaimsPath:
    """§7: a non-empty array of strings, nulls and non-negative integers."""
    if not isinstance(value, list) or not value:
        raise MalformedInput(f"{what} must be a non-empty array")
    for component in value:
        if component is None or isinstance(component, str):
            continue
        if isinstance(component, bool) or not isinstance(component, int) or component < 0:
            raise MalformedInput(f"{what} components must be strings, null or integers >= 0")
    return tuple(value)


def select(document: dict[str, Any], path: ClaimsPath) -> list[tuple[ClaimsPath, Any]]:
    """§7.1.1: the elements ``path`` selects in ``document``, each with its concrete path.

    Raises :class:`PathError` where the specification says to abort with an
    error: a key applied to a non-object, an index or null applied to a
    non-array, or an empty selection at the end.
    """
    selection: list[tuple[ClaimsPath, Any]] = [((), document)]
    for component in path:
        following: list[tuple[ClaimsPath, Any]] = []
        for where, element in selection:
            if isinstance(component, str):
                if not isinstance(element, dict):
                    raise PathError(f"{component!r} applied to a non-object")
                if component in element:
                    following.append(((*where, component), element[component]))
            elif component is None:
                if not isinstance(element, list):
                    raise PathError("null applied to a non-array")
                following.extend(((*where, i), item) for i, item in enumerate(element))
            else:
                if not isinstance(element, list):
                    raise PathError(f"index {component} applied to a non-array")
                if component < len(element):
                    following.append(((*where, component), element[component]))
        selection = following
    if not selection:
        raise PathError("the claims path pointer selects nothing")
    return selection
