"""Rules over disclosed claims: ``<path> <operator> <JSON value>``.

The verifier's own policy language (not a standard): one rule per line, e.g.

* ``age_equal_or_over.18 == true``
* ``kyc_level >= 2``
* ``sanctions_screening_result == "clear"``
* ``address.country not in ["KP", "IR"]``
* ``investor_classification in ["professional", "eligible_counterparty"]``

The path is dot-separated object member names (``age_equal_or_over.18`` is
the member ``"18"``); the value is strict JSON (:func:`ssi.encoding.json_loads`).
Operators: ``==``, ``!=``, ``>=``, ``<=``, ``>``, ``<`` (numbers, or strings
such as ISO dates), ``in`` and ``not in`` (a JSON array). A claim that is
absent, or a comparison between different types, fails the rule: a rule never
passes by default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ssi.encoding import json_loads
from ssi.errors import MalformedInput, PolicyViolation

__all__ = ["Rule", "RuleFailed", "InvalidRule"]

_RULE = re.compile(
    r"\s*(?P<path>[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*)\s+"
    r"(?P<op>==|!=|>=|<=|>|<|not\s+in|in)\s+(?P<value>.+?)\s*"
)
_ORDER = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
}


class InvalidRule(MalformedInput):
    """A rule of the policies file that cannot be parsed."""


class RuleFailed(PolicyViolation):
    """A disclosed claim does not satisfy a rule of the policy."""


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


@dataclass(frozen=True, slots=True)
class Rule:
    """One parsed rule."""

    text: str
    path: tuple[str, ...]
    op: str
    value: Any

    @classmethod
    def parse(cls, text: object) -> Rule:
        if not isinstance(text, str):
            raise InvalidRule("a rule must be a string")
        match = _RULE.fullmatch(text)
        if match is None:
            raise InvalidRule(f"cannot parse the rule {text!r}: '<path> <operator> <JSON value>'")
        op = " ".join(match["op"].split())
        try:
            value = json_loads(match["value"], "rule value")
        except MalformedInput as exc:
            raise InvalidRule(f"rule {text!r}: the value is not JSON: {exc}") from exc
        if op in ("in", "not in") and not isinstance(value, list):
            raise InvalidRule(f"rule {text!r}: '{op}' needs a JSON array")
        if op in _ORDER and _kind(value) not in ("number", "str"):
            raise InvalidRule(f"rule {text!r}: '{op}' compares numbers or strings")
        return cls(text.strip(), tuple(match["path"].split(".")), op, value)

    def claim(self, claims: Mapping[str, Any]) -> Any:
        """The claim at the path, or raise :class:`RuleFailed` when it is absent."""
        node: Any = claims
        for name in self.path:
            if not isinstance(node, Mapping) or name not in node:
                raise RuleFailed(f"rule {self.text!r}: the claim is not disclosed")
            node = node[name]
        return node

    def check(self, claims: Mapping[str, Any]) -> None:
        """Raise :class:`RuleFailed` unless the disclosed claims satisfy the rule."""
        actual = self.claim(claims)
        if self.op in ("==", "!="):
            equal = _kind(actual) == _kind(self.value) and actual == self.value
            ok = equal if self.op == "==" else not equal
        elif self.op in ("in", "not in"):
            member = any(_kind(actual) == _kind(v) and actual == v for v in self.value)
            ok = member if self.op == "in" else not member
        else:
            if _kind(actual) != _kind(self.value):
                raise RuleFailed(f"rule {self.text!r}: the claim is a {_kind(actual)}")
            ok = _ORDER[self.op](actual, self.value)
        if not ok:
            raise RuleFailed(f"rule {self.text!r} is not satisfied")
