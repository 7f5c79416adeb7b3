"""A private HTTP cache over the guarded fetcher (RFC 9111), for the documents a
verifier reads per presentation: JWT VC Issuer Metadata, JWK Sets, did:web
documents.

Only a ``200`` answer to a plain ``GET`` is stored, for its freshness lifetime
(RFC 9111 §4.2.1): ``Cache-Control: max-age`` (minus ``Age``, §4.2.3), else
``Expires`` minus ``Date``; never longer than the configured ``max_age``.
Nothing is stored without an explicit lifetime (no heuristic freshness, §4.2.2),
with ``no-store`` or ``no-cache`` (we do not revalidate), with ``Vary: *``, or
with a directive given twice or an invalid ``Expires`` (§4.2.1, §5.3: stale).
Every miss is an ordinary :class:`~ssi.fetch.Fetcher` request, with all its
guards (address checks, size cap, no redirects, deadline); at most
``max_entries`` documents of at most ``max_total_bytes`` are kept (least
recently used first out). The clock is injected (a test moves it); a clock
that went back past an entry's storage time makes it stale.

``get(url, refresh=True)`` fetches again and replaces the entry (a key named
by a presentation that the cached document lacks: :mod:`verifier.issuer_documents`
rate-limits that). :attr:`HTTPCache.hits` counts answers served from the cache
in the current context (:func:`track_hits`).
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from .client import Fetcher
from .policy import FetchResponse

__all__ = ["HTTPCache", "freshness_lifetime", "track_hits"]

_LOCKS = 64
_HITS: ContextVar[list[int] | None] = ContextVar("ssi_http_cache_hits", default=None)


@contextmanager
def track_hits() -> Iterator[list[int]]:
    """Count, in ``counter[0]``, the answers served from any cache within the block."""
    counter = [0]
    token = _HITS.set(counter)
    try:
        yield counter
    finally:
        _HITS.reset(token)


def _directives(value: str) -> dict[str, list[str | None]]:
    found: dict[str, list[str | None]] = {}
    for part in value.split(","):
        name, sep, argument = part.strip().partition("=")
        if name:
            found.setdefault(name.strip().lower(), []).append(
                argument.strip().strip('"') if sep else None
            )
    return found


def _date(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return None if parsed.tzinfo is None else parsed.timestamp()


def freshness_lifetime(headers: dict[str, str] | Any, received: float) -> float:
    """Seconds the response stays fresh from ``received`` (0: do not store it)."""
    directives = _directives(headers.get("cache-control", ""))
    if {"no-store", "no-cache"} & set(directives) or headers.get("vary", "").strip() == "*":
        return 0.0
    age_text = headers.get("age", "0").strip()
    age = int(age_text) if age_text.isdigit() else 0
    if "max-age" in directives:
        values = directives["max-age"]
        if len(values) != 1 or values[0] is None or not values[0].isdigit():
            return 0.0
        return max(0.0, int(values[0]) - age)
    if "expires" in headers:
        expires = _date(headers["expires"])
        if expires is None or "," in headers["expires"].split(" ", 1)[-1]:
            return 0.0  # invalid, or two Expires lines joined
        date = _date(headers.get("date")) or received
        return max(0.0, expires - date - age)
    return 0.0


@dataclass(frozen=True, slots=True)
class _Entry:
    response: FetchResponse
    stored: float
    expires: float


class HTTPCache:
    """GETs through ``fetcher``, answered from memory while fresh (module docstring)."""

    def __init__(
        self,
        fetcher: Fetcher,
        *,
        max_age: float,
        clock: Callable[[], float] = time.time,
        max_entries: int = 256,
        max_total_bytes: int = 16_000_000,
    ) -> None:
        if max_age < 0 or max_entries < 1 or max_total_bytes < 0:
            raise ValueError("max_age, max_entries and max_total_bytes must be positive")
        self.fetcher = fetcher
        self.max_age = max_age
        self._clock = clock
        self._max_entries = max_entries
        self._max_bytes = max_total_bytes
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._size = 0
        self._guard = threading.Lock()
        self._locks = [threading.Lock() for _ in range(_LOCKS)]  # one fetch per URL at a time
        self.fetches = 0
        """Requests sent through the fetcher (misses and refreshes)."""

    def __call__(self, url: str) -> FetchResponse:
        return self.get(url)

    def json(self, url: str) -> Any:
        """The cached or fetched document's body as strict JSON."""
        return self.get(url).json()

    def _fresh(self, url: str, now: float) -> FetchResponse | None:
        with self._guard:
            entry = self._entries.get(url)
            if entry is None:
                return None
            if not entry.stored <= now < entry.expires:
                self._drop(url)
                return None
            self._entries.move_to_end(url)
        hits = _HITS.get()
        if hits is not None:
            hits[0] += 1
        return entry.response

    def get(self, url: str, *, refresh: bool = False) -> FetchResponse:
        """The response to ``GET url``: from the cache while fresh, unless ``refresh``."""
        if not refresh:
            cached = self._fresh(url, self._clock())
            if cached is not None:
                return cached
        with self._locks[hash(url) % _LOCKS]:
            if not refresh:  # another thread may have fetched it while this one waited
                cached = self._fresh(url, self._clock())
                if cached is not None:
                    return cached
            self.fetches += 1
            response = self.fetcher.get(url)
            self._store(url, response)
            return response

    def _store(self, url: str, response: FetchResponse) -> None:
        now = self._clock()
        lifetime = min(self.max_age, freshness_lifetime(response.headers, now))
        with self._guard:
            self._drop(url)
            if response.status != 200 or lifetime <= 0 or len(response.body) > self._max_bytes:
                return
            self._entries[url] = _Entry(response, now, now + lifetime)
            self._size += len(response.body)
            while len(self._entries) > self._max_entries or self._size > self._max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, url: str) -> None:
        entry = self._entries.pop(url, None)
        if entry is not None:
            self._size -= len(entry.response.body)

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()
            self._size = 0
