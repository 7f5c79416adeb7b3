"""The issuer documents a verification reads, cached: JWT VC Issuer Metadata
and JWK Sets (SD-JWT VC §4) and did:web documents, fetched through the guarded
fetcher over pooled keep-alive connections (:mod:`ssi.fetch`) and kept for
their HTTP freshness lifetime, at most ``METADATA_CACHE_MAX_AGE`` seconds
(:class:`ssi.fetch.http_cache.HTTPCache`; ``no-store`` is never kept).

A key rotation at the issuer is seen when the cached documents expire. Sooner,
when a presentation names a key that the cached documents lack (an unknown
``kid``): the documents of that issuer are fetched once more, at most once per
``KEY_REFETCH_INTERVAL`` seconds per issuer and process, so presentations with
made-up key ids cannot make the verifier fetch on every request (no refetch
amplification). The cache outlives a reload of the trust list.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextvars import ContextVar

from ssi.did import Resolver
from ssi.errors import SSIError
from ssi.fetch import Fetcher, FetchResponse
from ssi.fetch.http_cache import HTTPCache, track_hits
from ssi.jose import Key

__all__ = ["IssuerDocuments"]

_REFRESH: ContextVar[bool] = ContextVar("verifier_refresh_issuer_documents", default=False)


class IssuerDocuments:
    """``fetch_json`` and ``resolve_did_key`` for the trust list, cached."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        max_age: float,
        refetch_interval: float,
        clock: Callable[[], float],
        allow_http_loopback: bool = False,
    ) -> None:
        self.cache = HTTPCache(fetcher, max_age=max_age, clock=clock)
        self._refetch_interval = refetch_interval
        self._clock = clock
        self._refetched: dict[str, float] = {}
        self._lock = threading.Lock()
        self._resolver = Resolver(self._get, allow_http_loopback=allow_http_loopback)

    def _get(self, url: str) -> FetchResponse:
        return self.cache.get(url, refresh=_REFRESH.get())

    def fetch_json(self, url: str) -> object:
        return self._get(url).json()

    def resolve_did_key(self, kid: str, expected_did: str) -> Key:
        return self._resolver.resolve_key(kid, expected_did)

    def may_refetch(self, iss: str) -> bool:
        """At most one refetch per issuer per interval (taken atomically)."""
        now = self._clock()
        with self._lock:
            last = self._refetched.get(iss)
            if last is not None and last <= now < last + self._refetch_interval:
                return False
            if len(self._refetched) > 1024:  # bounded: one entry per trusted issuer
                self._refetched.clear()
            self._refetched[iss] = now
            return True

    def key(self, iss: str, resolve: Callable[[], Key]) -> Key:
        """``resolve()``; if it failed on cached documents only, once more on fresh ones
        (when :meth:`may_refetch` allows)."""
        with track_hits() as hits:
            try:
                return resolve()
            except SSIError:
                if not hits[0] or not self.may_refetch(iss):
                    raise
        token = _REFRESH.set(True)
        try:
            return resolve()
        finally:
            _REFRESH.reset(token)
