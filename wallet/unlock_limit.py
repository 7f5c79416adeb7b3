"""How many passphrase guesses the wallet takes (issue 18, item 2).

After :data:`FREE_TRIES` failed tries in a row, each further try waits: 1 s
after the fifth failure, doubling with each failure, at most 15 minutes. A
try made while the wallet waits is refused (429 with ``Retry-After``)
before any key derivation, and is not counted. The count lives in the
wallet's database (table ``unlock_attempts``), so a restart keeps it; a
successful unlock starts it again.

A try is counted *before* its key is derived (and forgotten when it turns
out right), so guesses sent in parallel cannot all slip in while the first
ones are still being derived: at most :data:`FREE_TRIES` run at once, then one
per waiting period. Every check of the vault's passphrase goes through here
(unlock, passphrase change, backup).

Only requests that passed the trusted-host, ``Origin`` and CSRF checks reach
the vault, so a web page cannot lock the owner out; a process on the same
computer can still make the owner wait (docs/wallet.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from kyc_wallet.web import Store
from ssi.errors import RateLimited

__all__ = ["FREE_TRIES", "MAX_WAIT", "AttemptState", "TooManyTries", "UnlockLimit", "wait_after"]

FREE_TRIES = 5
FIRST_WAIT = 1.0
MAX_WAIT = 15 * 60.0


def wait_after(failures: int) -> float:
    """Seconds a try must wait after ``failures`` failed tries in a row."""
    if failures < FREE_TRIES:
        return 0.0
    return min(FIRST_WAIT * 2.0 ** min(failures - FREE_TRIES, 32), MAX_WAIT)


@dataclass(frozen=True)
class AttemptState:
    failures: int
    """Failed tries since the last unlock."""
    retry_after: int
    """Whole seconds before the next try is taken (0: now)."""


class TooManyTries(RateLimited):
    """Too many wrong passphrases: the next try must wait."""

    def __init__(self, state: AttemptState) -> None:
        super().__init__(
            f"{state.failures} failed tries since the last unlock: "
            f"wait {state.retry_after} second(s) before the next one"
        )
        self.state = state
        self.retry_after = state.retry_after


class UnlockLimit:
    """The persisted count of failed passphrase tries, and the wait it imposes."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self._clock = clock

    def _state(self, failures: int, last_at: float, now: float) -> AttemptState:
        remaining = last_at + wait_after(failures) - now
        return AttemptState(failures, max(0, math.ceil(remaining)))

    def state(self) -> AttemptState:
        row = self.store.one("SELECT failures, last_at FROM unlock_attempts WHERE id = 1")
        failures, last_at = (0, 0.0) if row is None else (row["failures"], row["last_at"])
        return self._state(int(failures), float(last_at), self._clock())

    def reserve(self) -> None:
        """Count one try, or raise :class:`TooManyTries` (nothing counted) while waiting."""
        now = self._clock()
        with self.store.transaction() as conn:
            found = conn.execute(
                "SELECT failures, last_at FROM unlock_attempts WHERE id = 1"
            ).fetchone()
            failures, last_at = (0, 0.0) if found is None else (found[0], found[1])
            state = self._state(int(failures), float(last_at), now)
            if state.retry_after > 0:
                raise TooManyTries(state)
            conn.execute(
                "INSERT INTO unlock_attempts (id, failures, last_at) VALUES (1, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET failures = excluded.failures,"
                " last_at = excluded.last_at",
                (failures + 1, now),
            )

    def succeeded(self) -> None:
        """The passphrase was right: start counting again."""
        self.store.execute("UPDATE unlock_attempts SET failures = 0 WHERE id = 1")
