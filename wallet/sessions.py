"""The browser sessions that unlocked the vault, and nothing else.

Unlocking belongs to the browser session that entered the passphrase
(issue 18; SECURITY.md "Who may do what": bind unlocked state to the session
that unlocked it). The derived data key stays in this process's memory under
a random session handle (256 bits from ``secrets``); the session cookie holds
only the handle. A handle opens the vault until

- ``idle_timeout`` seconds pass without a request of that session,
- ``absolute_timeout`` seconds pass since it was unlocked, whatever its use,
- or the session locks (Lock, or a passphrase change ends the other sessions).

Then the key is forgotten: the entry is deleted, and a replayed cookie opens
nothing. Each session unlocks for itself; a client without a handle (another
browser profile, another local process, a DNS-rebinding page) has no key.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from nacl.secret import SecretBox

from ssi.errors import AccessDenied

__all__ = ["SESSION_KEY", "Sessions", "VaultLocked"]

SESSION_KEY = "vault"
"""The member of the (signed) Flask session cookie that holds the handle (read by
:func:`wallet.web_context.session_handle`, the only reader of the cookie)."""


class VaultLocked(AccessDenied):
    """This session has not unlocked the vault (or its unlock has ended)."""

    error = "vault_locked"
    status = 423


@dataclass
class _Unlocked:
    box: SecretBox
    started: float
    last_use: float


class Sessions:
    """Handle → data key of each unlocked session, with its timeouts."""

    def __init__(
        self,
        *,
        idle_timeout: float,
        absolute_timeout: float,
        clock: Callable[[], float] = time.time,
        on_end: Callable[[str], None] | None = None,
    ) -> None:
        self.idle_timeout = idle_timeout
        self.absolute_timeout = absolute_timeout
        self._clock = clock
        self._on_end = on_end
        self._unlocked: dict[str, _Unlocked] = {}
        self._lock = threading.Lock()  # held for dictionary work only, never for a KDF

    def _expired(self, entry: _Unlocked, now: float) -> bool:
        return (
            now - entry.last_use > self.idle_timeout or now - entry.started > self.absolute_timeout
        )

    def _purge(self, now: float) -> list[str]:
        ended = [h for h, e in self._unlocked.items() if self._expired(e, now)]
        for handle in ended:
            del self._unlocked[handle]
        return ended

    def _ended(self, handles: list[str]) -> None:
        if self._on_end is not None:
            for handle in handles:
                self._on_end(handle)

    def start(self, data_key: bytes) -> str:
        """A new session that holds ``data_key``; returns its handle."""
        handle = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            ended = self._purge(now)
            self._unlocked[handle] = _Unlocked(SecretBox(data_key), now, now)
        self._ended(ended)
        return handle

    def box(self, handle: str | None) -> SecretBox:
        """The data key of ``handle``'s session (its use resets the idle timer);
        :class:`VaultLocked` when it has none."""
        now = self._clock()
        with self._lock:
            ended = self._purge(now)
            entry = self._unlocked.get(handle) if isinstance(handle, str) else None
            if entry is not None:
                entry.last_use = now
        self._ended(ended)
        if entry is None:
            raise VaultLocked("the wallet is locked: unlock it with your passphrase")
        return entry.box

    def touch(self, handle: str | None) -> bool:
        """Whether ``handle``'s session is unlocked (a request of it resets the idle timer)."""
        try:
            self.box(handle)
        except VaultLocked:
            return False
        return True

    def end(self, handle: str | None) -> None:
        """Lock ``handle``'s session: its key is forgotten."""
        with self._lock:
            known = isinstance(handle, str) and self._unlocked.pop(handle, None) is not None
        self._ended([handle] if known and handle is not None else [])

    def end_others(self, handle: str) -> None:
        """Lock every session but ``handle``'s."""
        with self._lock:
            ended = [h for h in self._unlocked if h != handle]
            for other in ended:
                del self._unlocked[other]
        self._ended(ended)

    def count(self) -> int:
        """How many sessions hold the key now."""
        now = self._clock()
        with self._lock:
            ended = self._purge(now)
            count = len(self._unlocked)
        self._ended(ended)
        return count
