"""One pass over many Referenced Tokens: each Status List Token fetched once.

A Relying Party that re-checks many credentials at once (the verifier's
compliance monitor: SECURITY.md "Revocation, fail-closed") reads every
Referenced Token of one list from the same copy of it (Token Status List §8.1:
the list is fetched by its ``uri``; §8.3 step 6: the status is read at the
token's ``idx``). :class:`StatusRun` wraps a :class:`StatusChecker` for the
length of one such pass:

* each ``uri`` is fetched at most once (``force_refresh``: even when the
  checker's cache is fresh; otherwise only when it is not);
* the list is verified once per ``(uri, issuer)`` (a list admitted for one
  issuer never answers for another: :class:`StatusChecker`);
* a list that cannot be fetched or verified fails every check on it with the
  same error, and only those: the other lists are checked as usual (fail
  closed for its tokens, no effect on the others').
"""

from __future__ import annotations

from typing import Any

from ..errors import SSIError
from .checker import FetchCallable, FetchResponse, StatusChecker, assert_status_valid
from .signers import ReferencedIssuer
from .token import StatusListToken, StatusReference

__all__ = ["StatusRun"]


class StatusRun:
    """``checker`` for one pass: one fetch per list, one verification per
    ``(list, issuer)``. Not shared between threads: one run, one caller."""

    def __init__(self, checker: StatusChecker, *, force_refresh: bool = False) -> None:
        self._checker = checker
        self._fetch: FetchCallable = checker.fetch
        self._force_refresh = force_refresh
        self._responses: dict[str, FetchResponse | Exception] = {}
        self._tokens: dict[tuple[str, ReferencedIssuer], StatusListToken | SSIError] = {}
        self.fetches = 0
        """How many lists this run fetched (not those the checker's cache answered)."""

    def _fetch_once(self, uri: str, **kwargs: Any) -> FetchResponse:
        if uri not in self._responses:
            self.fetches += 1
            try:
                self._responses[uri] = self._fetch(uri, **kwargs)
            except Exception as exc:  # noqa: BLE001 - the checker turns it into a FetchError
                self._responses[uri] = exc
        answer = self._responses[uri]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def status_list_token(self, uri: str, *, issuer: ReferencedIssuer) -> StatusListToken:
        """The verified list at ``uri`` for a Referenced Token of ``issuer`` (this
        run's copy); raises what fetching or verifying it raised, every time."""
        key = (uri, issuer)
        if key not in self._tokens:
            try:
                self._tokens[key] = self._checker.status_list_token(
                    uri,
                    issuer=issuer,
                    # forced: past the checker's cache, to this run's copy
                    force_refresh=self._force_refresh,
                    fetch=self._fetch_once,
                )
            except SSIError as exc:
                self._tokens[key] = exc
        token = self._tokens[key]
        if isinstance(token, SSIError):
            raise token
        return token

    def assert_valid(self, reference: StatusReference, *, issuer: ReferencedIssuer) -> None:
        """:meth:`StatusChecker.assert_valid` from this run's copy of the list."""
        token = self.status_list_token(reference.uri, issuer=issuer)
        assert_status_valid(reference, token.status_list.get(reference.idx))
