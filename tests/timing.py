"""Deadlines that scale with the machine: a slow machine is slow, not red.

A test that waits for another process or thread (a server starting, a signal
handled, a wallet answered) polls a readiness condition (:func:`wait_until`)
and gives up only after a deadline scaled by :data:`TIMEOUT_SCALE`:
``KYCW_TEST_TIMEOUT_SCALE`` when set, else the load of the machine (the
1-minute load average per core, at least 1, at most 10). pytest-timeout's
limits are scaled the same way (tests/conftest.py). Nothing asserts a
duration (speed lives in bench/).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["TIMEOUT_SCALE", "scaled", "timeout_scale", "wait_until"]

T = TypeVar("T")

MAX_SCALE = 10.0


def timeout_scale() -> float:
    """``KYCW_TEST_TIMEOUT_SCALE``, else the machine's load per core now (1 to 10)."""
    configured = os.environ.get("KYCW_TEST_TIMEOUT_SCALE")
    if configured:
        return max(1.0, float(configured))
    try:
        load = os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:  # no load average on this system
        return 1.0
    return min(MAX_SCALE, max(1.0, load))


TIMEOUT_SCALE = timeout_scale()
"""How much longer than on an idle machine a deadline is (at the start of the run)."""


def scaled(seconds: float) -> float:
    """``seconds`` on an idle machine, as a deadline on this one (the load is read
    again each time: a machine may get busy mid-run)."""
    return seconds * max(TIMEOUT_SCALE, timeout_scale())


def wait_until(
    condition: Callable[[], T | None], seconds: float, what: str, *, poll: float = 0.05
) -> T:
    """Poll ``condition()`` until it returns something true (returned), for at
    most :func:`scaled` ``(seconds)``; then fail saying ``what`` did not happen."""
    limit = scaled(seconds)
    deadline = time.monotonic() + limit
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} (waited {limit:.0f} s)")
        time.sleep(poll)
