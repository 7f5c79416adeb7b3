"""Selecting credentials and claims for a DCQL query (OpenID4VP 1.0 §6.4).

The wallet passes every credential it holds as a :class:`Candidate` (format,
type, and every claim it could disclose, as a plain dict). :func:`match`
returns, for each credential query, the matching candidates and the concrete
claim paths to disclose (§6.4.1: for ``claim_sets`` the first satisfiable set),
then evaluates ``credential_sets`` (§6.4.2). Credentials that do not match are
treated as if they did not exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ..errors import AccessDenied
from . import spec
from .claims_path import ClaimsPath, PathError, select
from .query import ClaimsQuery, ClaimValue, CredentialQuery, DcqlQuery

__all__ = [
    "Candidate",
    "CandidateCredential",
    "CredentialMatch",
    "DcqlMatch",
    "match",
    "match_credential",
    "select_claims",
]


@runtime_checkable
class Candidate(Protocol):
    """What matching needs to know of a credential."""

    @property
    def format(self) -> str: ...

    @property
    def vct(self) -> str | None:
        """``vct`` for dc+sd-jwt, ``doctype`` for mso_mdoc, else ``None``."""
        ...

    @property
    def claims(self) -> Mapping[str, Any]:
        """Everything the credential could disclose, as JSON."""
        ...

    @property
    def holder_binding(self) -> bool:
        """Whether a cryptographic holder binding proof can be produced."""
        ...


@dataclass(frozen=True)
class CandidateCredential:
    """A plain :class:`Candidate`; ``ref`` lets the wallet find its own record again.

    ``holder_binding`` has no default on purpose: a wallet says whether it can
    prove possession (``cnf`` present), a verifier whether a KB-JWT verified.
    """

    format: str
    vct: str | None
    claims: Mapping[str, Any]
    holder_binding: bool
    ref: Any = None


@dataclass(frozen=True)
class CredentialMatch:
    """One candidate that satisfies a credential query, and what to disclose."""

    query_id: str
    candidate: Candidate
    disclose: tuple[ClaimsPath, ...]
    claim_set: tuple[str, ...] | None = None


def _value_matches(value: Any, expected: tuple[ClaimValue, ...]) -> bool:
    """§6.3: type and value both match exactly (``true`` is not ``1``)."""
    return any(type(value) is type(item) and value == item for item in expected)


def _claim_paths(claims: Mapping[str, Any], query: ClaimsQuery) -> tuple[ClaimsPath, ...] | None:
    """The concrete paths satisfying one claims query, or ``None``."""
    try:
        selected = select(dict(claims), query.path)
    except PathError:
        return None
    if query.values is not None:
        values = query.values
        selected = [(p, v) for p, v in selected if _value_matches(v, values)]
        if not selected:
            return None
    return tuple(path for path, _value in selected)


def select_claims(
    query: CredentialQuery, claims: Mapping[str, Any]
) -> tuple[tuple[ClaimsPath, ...], tuple[str, ...] | None] | None:
    """§6.4.1: the paths to disclose and the claim set used, or ``None`` if unsatisfiable."""
    if query.claims is None:
        return (), None
    found = {i: _claim_paths(claims, c) for i, c in enumerate(query.claims)}
    if query.claim_sets is None:
        if any(paths is None for paths in found.values()):
            return None
        return tuple(p for paths in found.values() if paths for p in paths), None
    by_id = {c.id: found[i] for i, c in enumerate(query.claims)}
    for claim_set in query.claim_sets:
        chosen = [by_id[i] for i in claim_set]
        if all(paths is not None for paths in chosen):
            return tuple(p for paths in chosen if paths for p in paths), claim_set
    return None


def _type_matches(query: CredentialQuery, candidate: Candidate) -> bool:
    if query.format != candidate.format:
        return False
    if query.format == spec.FORMAT_SD_JWT_VC:
        return candidate.vct in query.vct_values
    if query.format == spec.FORMAT_MSO_MDOC:
        return candidate.vct == query.meta.get(spec.META_DOCTYPE_VALUE)
    if query.format in (spec.FORMAT_JWT_VC_JSON, spec.FORMAT_LDP_VC):
        types = candidate.claims.get("type")
        held = set(types) if isinstance(types, list) else {types}
        return any(set(option) <= held for option in query.meta.get(spec.META_TYPE_VALUES, []))
    return True


def match_credential(query: CredentialQuery, candidate: Candidate) -> CredentialMatch | None:
    """Whether ``candidate`` satisfies ``query`` (format, type, binding, claims)."""
    if not _type_matches(query, candidate):
        return None
    if query.requires_holder_binding and not candidate.holder_binding:
        return None
    selection = select_claims(query, candidate.claims)
    if selection is None:
        return None
    return CredentialMatch(query.id, candidate, selection[0], selection[1])


@dataclass(frozen=True)
class DcqlMatch:
    """The outcome of :func:`match`."""

    query: DcqlQuery
    by_query: dict[str, list[CredentialMatch]]
    set_options: tuple[tuple[tuple[str, ...], ...], ...] = field(default=())
    """For each credential set query, its satisfiable options, in order."""

    @property
    def satisfied(self) -> bool:
        """§6.4.2: every required credential set (or every query) can be answered."""
        if self.query.credential_sets is None:
            return all(self.by_query[i] for i in self.query.ids)
        return all(
            options or not credential_set.is_required
            for credential_set, options in zip(
                self.query.credential_sets, self.set_options, strict=True
            )
        )

    def selection(self) -> dict[str, list[CredentialMatch]]:
        """The default answer: the first satisfiable option of each set, the first
        candidate of each query (every candidate where ``multiple`` is true).

        Raises :class:`AccessDenied` when the query cannot be satisfied (§8.5).
        """
        if not self.satisfied:
            raise AccessDenied("the wallet holds no credentials that satisfy the DCQL query")
        if self.query.credential_sets is None:
            wanted: list[str] = list(self.query.ids)
        else:
            wanted = [i for options in self.set_options if options for i in options[0]]
        chosen: dict[str, list[CredentialMatch]] = {}
        for query_id in dict.fromkeys(wanted):
            matches = self.by_query[query_id]
            multiple = self.query.credential(query_id).allows_multiple
            chosen[query_id] = list(matches) if multiple else matches[:1]
        return chosen


def match(query: DcqlQuery, candidates: Sequence[Candidate]) -> DcqlMatch:
    """§6.4: match every credential query, then evaluate the credential sets."""
    by_query: dict[str, list[CredentialMatch]] = {}
    for credential_query in query.credentials:
        found = (match_credential(credential_query, c) for c in candidates)
        by_query[credential_query.id] = [m for m in found if m is not None]
    set_options: tuple[tuple[tuple[str, ...], ...], ...] = ()
    if query.credential_sets is not None:
        set_options = tuple(
            tuple(option for option in s.options if all(by_query[i] for i in option))
            for s in query.credential_sets
        )
    return DcqlMatch(query, by_query, set_options)
