"""One total deadline per request, enforced by a single shared watchdog thread.

A per-read socket timeout does not bound a request: a server sending a byte
just before each timeout holds the worker forever. The watchdog shuts the
request's socket down when its deadline passes, which unblocks any pending
``recv`` (also under TLS: the plain socket's ``shutdown`` is used). One
daemon thread serves every request (a heap ordered by deadline), so a request
costs a heap push, not a thread start.
"""

from __future__ import annotations

import heapq
import itertools
import socket
import threading
import time

from ..errors import FetchTimeout

__all__ = ["Deadline"]


class _Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline) -> None:
        with self._cond:
            heapq.heappush(self._heap, (deadline.end, next(self._order), deadline))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="ssi-fetch-watchdog", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while True:
                now = time.monotonic()
                while self._heap and (self._heap[0][2].done or self._heap[0][0] <= now):
                    _, _, deadline = heapq.heappop(self._heap)
                    if not deadline.done:
                        deadline.expire()
                wait = self._heap[0][0] - now if self._heap else None
                self._cond.wait(wait)


_WATCHDOG = _Watchdog()


class Deadline:
    """The remaining time of one request; its socket is shut when the time is up."""

    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.sock: socket.socket | None = None
        self.done = False
        _WATCHDOG.watch(self)

    def remaining(self) -> float:
        """Seconds left, or :class:`FetchTimeout` when none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchTimeout("no complete answer within the time limit")
        return left

    @property
    def passed(self) -> bool:
        return time.monotonic() >= self.end

    def expire(self) -> None:
        sock = self.sock
        if sock is not None:
            try:  # the plain socket's shutdown, also under TLS: unblocks a pending recv
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        """The request is over: the watchdog drops it when it reaches the top of the heap.

        Taken under the watchdog's lock: once this returns, :meth:`expire` never runs,
        so the socket may go back to the keep-alive pool unharmed."""
        with _WATCHDOG._cond:
            self.done = True
