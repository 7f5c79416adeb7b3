"""The verifier's own check that a response satisfies its DCQL query.

OpenID4VP 1.0 §8.6 step 2.2 and step 3, §14.11: the verifier MUST NOT rely on
the wallet to enforce the query. Given what each presentation actually
disclosed (after its signatures were verified elsewhere), refuse unknown query
ids, more than one presentation where ``multiple`` is false, a wrong format or
type, a missing holder binding, missing claims or values that do not match,
and an unsatisfied required credential set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import ClaimMismatch
from .matching import Candidate, _type_matches, select_claims
from .query import CredentialQuery, DcqlQuery

__all__ = ["QueryNotSatisfied", "check_presentation", "check_response"]


class QueryNotSatisfied(ClaimMismatch):
    """The presentations do not satisfy the verifier's DCQL query."""


def check_presentation(query: CredentialQuery, presented: Candidate) -> None:
    """One presentation against its credential query; raises :class:`QueryNotSatisfied`."""
    if presented.format != query.format:
        raise QueryNotSatisfied(
            f"{query.id!r}: format {presented.format!r} is not {query.format!r}"
        )
    if not _type_matches(query, presented):
        raise QueryNotSatisfied(f"{query.id!r}: credential type {presented.vct!r} not requested")
    if query.requires_holder_binding and not presented.holder_binding:
        raise QueryNotSatisfied(f"{query.id!r}: a holder binding proof is required")
    if select_claims(query, presented.claims) is None:
        raise QueryNotSatisfied(f"{query.id!r}: the disclosed claims do not satisfy the query")


def check_response(query: DcqlQuery, presented: Mapping[str, Sequence[Candidate]]) -> None:
    """Every presentation, keyed by credential query id, and the credential sets."""
    for query_id, presentations in presented.items():
        try:
            credential_query = query.credential(query_id)
        except KeyError:
            raise QueryNotSatisfied(f"{query_id!r} is not a credential query id") from None
        if not presentations:
            raise QueryNotSatisfied(f"{query_id!r}: an empty array of presentations")
        if len(presentations) > 1 and not credential_query.allows_multiple:
            raise QueryNotSatisfied(f"{query_id!r}: one presentation only ('multiple' is false)")
        for item in presentations:
            check_presentation(credential_query, item)
    if query.credential_sets is None:
        missing = [i for i in query.ids if i not in presented]
        if missing:
            raise QueryNotSatisfied(f"no presentation for the credential queries {missing}")
        return
    for credential_set in query.credential_sets:
        if credential_set.is_required and not any(
            all(i in presented for i in option) for option in credential_set.options
        ):
            raise QueryNotSatisfied(
                f"no option of a required credential set is satisfied: {credential_set.options}"
            )
