"""The KYC predicate credentials: one small W3C VC per predicate group.

A W3C VC secured by a VC-JWT or a Data Integrity proof cannot be partly
disclosed, so instead of one KYC credential the issuer offers five small
ones (issue 12; docs/specs/w3c-vc.md, "Predicate credentials"), each
answering one question a token platform asks, with no name, birthdate or
street in any of them:

* ``KycAgeCredential``: ``over18``, ``over21`` (booleans), from ``age_equal_or_over``;
* ``KycLevelCredential``: ``kycLevel`` (1-3), ``kycMethod``, from ``kyc_level``, ``kyc_method``;
* ``KycSanctionsCredential``: ``sanctionsClear`` (boolean), ``sanctionsScreeningDate``,
  from ``sanctions_screening_result`` (``clear``) and ``sanctions_screening_date``;
* ``KycInvestorCredential``: ``investorClassification``, ``investorJurisdiction``,
  from ``investor_classification``, ``investor_jurisdiction``;
* ``KycResidenceCredential``: ``residenceCountry`` (ISO 3166-1 alpha-2), from
  ``address.country``.

:func:`predicate_subjects` derives the members from the SD-JWT VC claims of
docs/credential.md; a group whose required claim is missing is not issued.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import MalformedInput
from .context import kyc_iri

__all__ = ["PREDICATE_GROUPS", "PredicateGroup", "predicate_subjects", "type_values"]

_COUNTRY = re.compile(r"[A-Z]{2}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise MalformedInput("expected true or false")
    return value


def _level(value: Any) -> int:
    if isinstance(value, bool) or value not in (1, 2, 3):
        raise MalformedInput("kyc_level must be 1, 2 or 3")
    return int(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value or len(value) > 64:
        raise MalformedInput("expected a short non-empty string")
    return value


def _country(value: Any) -> str:
    if not isinstance(value, str) or _COUNTRY.fullmatch(value) is None:
        raise MalformedInput("expected an ISO 3166-1 alpha-2 code")
    return value


def _date(value: Any) -> str:
    if not isinstance(value, str) or _DATE.fullmatch(value) is None:
        raise MalformedInput("expected a date YYYY-MM-DD")
    return value


def _clear(value: Any) -> bool:
    if value not in ("clear", "hit"):
        raise MalformedInput("sanctions_screening_result must be 'clear' or 'hit'")
    return bool(value == "clear")


@dataclass(frozen=True)
class PredicateGroup:
    """One predicate credential type: its members and where each comes from."""

    type: str
    required: Mapping[str, tuple[tuple[str, ...], Callable[[Any], Any]]]
    optional: Mapping[str, tuple[tuple[str, ...], Callable[[Any], Any]]]

    @property
    def type_iri(self) -> str:
        return kyc_iri(self.type)

    @property
    def members(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)


PREDICATE_GROUPS: tuple[PredicateGroup, ...] = (
    PredicateGroup(
        "KycAgeCredential",
        {"over18": (("age_equal_or_over", "18"), _boolean)},
        {"over21": (("age_equal_or_over", "21"), _boolean)},
    ),
    PredicateGroup(
        "KycLevelCredential",
        {"kycLevel": (("kyc_level",), _level)},
        {"kycMethod": (("kyc_method",), _text)},
    ),
    PredicateGroup(
        "KycSanctionsCredential",
        {"sanctionsClear": (("sanctions_screening_result",), _clear)},
        {"sanctionsScreeningDate": (("sanctions_screening_date",), _date)},
    ),
    PredicateGroup(
        "KycInvestorCredential",
        {"investorClassification": (("investor_classification",), _text)},
        {"investorJurisdiction": (("investor_jurisdiction",), _country)},
    ),
    PredicateGroup(
        "KycResidenceCredential",
        {"residenceCountry": (("address", "country"), _country)},
        {},
    ),
)
"""The five groups, in the order an issuer offers them."""


def _lookup(claims: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = claims
    for name in path:
        if not isinstance(value, Mapping) or name not in value:
            return None
        value = value[name]
    return value


def predicate_subjects(claims: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{type: credentialSubject members}`` for each group the KYC ``claims`` can fill.

    ``claims`` are the SD-JWT VC KYC claims (docs/credential.md). A malformed
    value raises :class:`~ssi.errors.MalformedInput` naming the claim.
    """
    subjects: dict[str, dict[str, Any]] = {}
    for group in PREDICATE_GROUPS:
        if any(_lookup(claims, path) is None for path, _convert in group.required.values()):
            continue
        members: dict[str, Any] = {}
        for member, (path, convert) in {**group.required, **group.optional}.items():
            value = _lookup(claims, path)
            if value is None:
                continue
            try:
                members[member] = convert(value)
            except MalformedInput as exc:
                raise MalformedInput(f"{'.'.join(path)}: {exc.description}") from None
        subjects[group.type] = members
    return subjects


def type_values(group_type: str) -> list[list[str]]:
    """The DCQL ``meta.type_values`` that asks for one group (OpenID4VP 1.0 B.1.1)."""
    if group_type not in {g.type for g in PREDICATE_GROUPS}:
        raise KeyError(group_type)
    return [[kyc_iri(group_type)]]
