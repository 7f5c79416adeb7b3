"""Offers and requests the investor is looking at, not yet answered (issue 18).

Each belongs to the browser session that opened it (its vault session handle,
:mod:`wallet.sessions`): another session can neither see nor answer it. The
store is bounded: at most :data:`PER_SESSION` entries per session and
:data:`TOTAL` in all, each kept at most :data:`MAX_AGE` seconds, or until the
request's own expiry when it is sooner (an entry with an ``expires_at``
attribute, a Unix time). A full store refuses a new entry with a clear page
(429); it never drops one already open, so nobody can push out the owner's.
When a session ends (Lock, timeout), its entries are forgotten.

An answered entry (:meth:`PendingStore.finish`: how a request ended, for the
page the investor lands on) is no longer open: it does not count against
these limits, is never refused, and keeps at most :data:`PER_SESSION` per
session and :data:`TOTAL` in all, the oldest forgotten first (a landing page
seen long ago, never an open entry). It is kept :data:`MAX_AGE` seconds, not
until the request's expiry: the answer was given in time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ssi.errors import RateLimited

__all__ = [
    "MAX_AGE",
    "PER_SESSION",
    "TOTAL",
    "PendingFull",
    "PendingStore",
    "SessionPending",
]

PER_SESSION = 10
TOTAL = 100
MAX_AGE = 600.0
T = TypeVar("T")


class PendingFull(RateLimited):
    """Too many offers and requests are open: finish one or wait."""


@dataclass
class _Entry:
    owner: str
    kind: str
    value: Any
    expires_at: float
    open: bool = True
    """Not answered yet (counted against the limits)."""


def _expiry(value: Any) -> float | None:
    """The entry's own expiry (``expires_at``, e.g. a Request Object's ``exp``)."""
    expires_at = getattr(value, "expires_at", None)
    if isinstance(expires_at, int | float) and not isinstance(expires_at, bool):
        return float(expires_at)
    return None


class PendingStore:
    """Open offers and requests of every session, bounded in number and age."""

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        per_session: int = PER_SESSION,
        total: int = TOTAL,
        max_age: float = MAX_AGE,
    ) -> None:
        self._clock = clock
        self.per_session = per_session
        self.total = total
        self.max_age = max_age
        self._entries: dict[tuple[str, str], _Entry] = {}
        self._lock = threading.Lock()

    def _purge(self, now: float) -> None:
        for key in [k for k, e in self._entries.items() if e.expires_at <= now]:
            del self._entries[key]

    def add(self, owner: str, kind: str, entry_id: str, value: Any) -> None:
        """Keep ``value`` for ``owner``'s session, or :class:`PendingFull`."""
        now = self._clock()
        expires_at = now + self.max_age
        own = _expiry(value)
        if own is not None:
            expires_at = min(expires_at, own)
        with self._lock:
            self._purge(now)
            mine = sum(1 for e in self._entries.values() if e.open and e.owner == owner)
            if mine >= self.per_session:
                raise PendingFull(
                    f"{mine} offers and requests are open in this browser session: accept or "
                    "decline one, or wait until they expire (at most "
                    f"{round(self.max_age / 60)} minutes), then try again"
                )
            if sum(1 for e in self._entries.values() if e.open) >= self.total:
                raise PendingFull(
                    "this wallet has too many offers and requests open: "
                    "wait a few minutes, then try again"
                )
            self._entries[(owner, entry_id)] = _Entry(owner, kind, value, expires_at)

    def finish(self, owner: str, kind: str, entry_id: str, value: Any) -> None:
        """Keep ``value``, an answered entry of ``owner``'s session, for its landing
        page; never refused: the oldest answered entries are forgotten to make room."""
        now = self._clock()
        with self._lock:
            self._purge(now)
            self._entries.pop((owner, entry_id), None)  # the newest goes last
            self._entries[(owner, entry_id)] = _Entry(
                owner, kind, value, now + self.max_age, open=False
            )
            mine = [k for k, e in self._entries.items() if not e.open and e.owner == owner]
            self._forget_oldest(mine, self.per_session)
            self._forget_oldest([k for k, e in self._entries.items() if not e.open], self.total)

    def _forget_oldest(self, keys: list[tuple[str, str]], keep: int) -> None:
        for key in keys[: max(0, len(keys) - keep)]:
            del self._entries[key]

    def get(self, owner: str, kind: str, entry_id: str) -> Any | None:
        with self._lock:
            self._purge(self._clock())
            entry = self._entries.get((owner, entry_id))
        return entry.value if entry is not None and entry.kind == kind else None

    def pop(self, owner: str, kind: str, entry_id: str) -> Any | None:
        with self._lock:
            self._purge(self._clock())
            entry = self._entries.get((owner, entry_id))
            if entry is None or entry.kind != kind:
                return None
            del self._entries[(owner, entry_id)]
        return entry.value

    def forget(self, owner: str) -> None:
        """Drop every entry of a session that ended."""
        with self._lock:
            for key in [k for k, e in self._entries.items() if e.owner == owner]:
                del self._entries[key]

    def count(self, owner: str | None = None) -> int:
        with self._lock:
            self._purge(self._clock())
            return sum(1 for e in self._entries.values() if owner in (None, e.owner))


class SessionPending(Generic[T]):
    """One session's open entries of one kind, used like a dictionary."""

    def __init__(self, store: PendingStore, owner: str, kind: str) -> None:
        self._store = store
        self._owner = owner
        self._kind = kind

    def __setitem__(self, entry_id: str, value: T) -> None:
        self._store.add(self._owner, self._kind, entry_id, value)

    def finish(self, entry_id: str, value: T) -> None:
        """Keep ``value`` as answered (:meth:`PendingStore.finish`)."""
        self._store.finish(self._owner, self._kind, entry_id, value)

    def get(self, entry_id: str, default: T | None = None) -> T | None:
        value: T | None = self._store.get(self._owner, self._kind, entry_id)
        return default if value is None else value

    def pop(self, entry_id: str, default: T | None = None) -> T | None:
        value: T | None = self._store.pop(self._owner, self._kind, entry_id)
        return default if value is None else value
