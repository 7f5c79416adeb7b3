"""Rules over disclosed claims: ``<path> <operator> <JSON value>``.

The verifier's own policy language (not a standard): one rule per line, e.g.

* ``age_equal_or_over.18 == true``
* ``kyc_level >= 2``
* ``sanctions_screening_result == "clear"``
* ``address.country not in ["KP", "IR"]``
* ``investor_classification in ["professional", "eligible_counterparty"]``

The path is dot-separated object member names (``age_equal_or_over.18`` is
the member ``"18"``); the value is a JSON scalar (a string, a number written
without exponent, ``true``, ``false`` or ``null``) or an array of scalars.
Operators: ``==``, ``!=`` (any value), ``>=``, ``<=``, ``>``, ``<`` (a number,
or a string such as an ISO date), ``in`` and ``not in`` (an array). Spaces,
tabs and newlines separate the parts. A claim that is absent, or a comparison
between different types, fails the rule: a rule never passes by default. That
holds for the negative operators too: ``country != "KP"`` and ``country not in
["KP", "IR"]`` fail for ``["KP"]`` or ``5``, since a value of another type is not
evidence that the claim differs; nor is a claim disclosed as ``null`` (an unknown
country is not "not KP"). ``x != null`` passes for any disclosed value but ``null``.

The grammar is one regular expression, :func:`rule_pattern`, which the
verifier's OpenAPI document publishes as the ``pattern`` of a rule: what the
document calls a rule is exactly what :meth:`Rule.parse` accepts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ssi.encoding import json_loads
from ssi.errors import MalformedInput, PolicyViolation

__all__ = ["MAX_RULE_LENGTH", "InvalidRule", "Rule", "RuleFailed", "rule_pattern"]

_WS = r"[ \t\n]"
_NAME = "[A-Za-z0-9_-]+"
_PATH = rf"{_NAME}(?:\.{_NAME})*"
# JSON (RFC 8259 §6, §7) without exponents (no overflow to infinity) and without
# surrogate escapes (no lone surrogate: ssi.encoding refuses them anyway)
_NUMBER = r"-?(?:0|[1-9][0-9]{0,15})(?:\.[0-9]{1,15})?"
_STRING = (
    r'"(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]'
    r'|\\u(?:[0-9a-cA-CeEfF][0-9a-fA-F]{3}|[dD][0-7][0-9a-fA-F]{2}))*"'
)
_SCALAR = rf"(?:true|false|null|{_NUMBER}|{_STRING})"
_ARRAY = rf"\[{_WS}*(?:{_SCALAR}(?:{_WS}*,{_WS}*{_SCALAR})*)?{_WS}*\]"
_OPERATIONS = (
    rf"(?:==|!=){_WS}+(?:{_SCALAR}|{_ARRAY})"
    rf"|(?:not{_WS}+in|in){_WS}+{_ARRAY}"
    rf"|(?:>=|<=|>|<){_WS}+(?:{_NUMBER}|{_STRING})"
)
_PARTS = re.compile(
    rf"{_WS}*(?P<path>{_PATH}){_WS}+(?P<op>==|!=|>=|<=|>|<|not{_WS}+in|in){_WS}+(?P<value>.+?){_WS}*",
    re.DOTALL,
)
MAX_RULE_LENGTH = 1000


def rule_pattern(paths: Sequence[str] | None = None) -> str:
    """The grammar of a rule as an anchored regular expression, in the dialect
    common to Python and ECMA-262 (JSON Schema ``pattern``): no named groups,
    no ``\\s``, no lookaround. ``paths`` limits the claim paths a rule may read."""
    path = _PATH if paths is None else "|".join(re.escape(p) for p in paths)
    return rf"^{_WS}*(?:{path}){_WS}+(?:{_OPERATIONS}){_WS}*$"


_RULE = re.compile(rule_pattern())
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
        if len(text) > MAX_RULE_LENGTH:
            raise InvalidRule(f"a rule is at most {MAX_RULE_LENGTH} characters")
        match = _PARTS.fullmatch(text)
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
        if _RULE.fullmatch(text) is None:
            raise InvalidRule(
                f"rule {text!r}: the value is a JSON string, a number without exponent, true,"
                " false, null, or an array of those"
            )
        return cls(text.strip(), tuple(match["path"].split(".")), op, value)

    def claim(self, claims: Mapping[str, Any]) -> Any:
        """The claim at the path, or raise :class:`RuleFailed` when it is absent."""
        node: Any = claims
        for name in self.path:
            if not isinstance(node, Mapping) or name not in node:
                raise RuleFailed(f"rule {self.text!r}: the claim is not disclosed")
            node = node[name]
        return node

    def _comparable(self, actual: Any, values: Sequence[Any]) -> None:
        """For ``!=`` and ``not in``: the claim must not be ``null`` and must be of
        the type of a value it is compared with (any type against ``null``)."""
        if actual is None:
            raise RuleFailed(f"rule {self.text!r}: the claim is null")
        kinds = {_kind(v) for v in values if v is not None}
        if kinds and _kind(actual) not in kinds:
            raise RuleFailed(f"rule {self.text!r}: the claim is a {_kind(actual)}")

    def check(self, claims: Mapping[str, Any]) -> None:
        """Raise :class:`RuleFailed` unless the disclosed claims satisfy the rule."""
        actual = self.claim(claims)
        if self.op in ("==", "!="):
            if self.op == "!=":
                self._comparable(actual, [self.value])
            equal = _kind(actual) == _kind(self.value) and actual == self.value
            ok = equal if self.op == "==" else not equal
        elif self.op in ("in", "not in"):
            if self.op == "not in":
                self._comparable(actual, self.value)
            member = any(_kind(actual) == _kind(v) and actual == v for v in self.value)
            ok = member if self.op == "in" else not member
        else:
            if _kind(actual) != _kind(self.value):
                raise RuleFailed(f"rule {self.text!r}: the claim is a {_kind(actual)}")
            ok = _ORDER[self.op](actual, self.value)
        if not ok:
            raise RuleFailed(f"rule {self.text!r} is not satisfied")
