"""Idle keep-alive connections of the guarded fetcher, per (scheme, host, port).

A pooled connection goes to an address that was checked when it was opened
(:meth:`ssi.fetch.Fetcher.addresses`), so reusing it reaches no other target;
it is kept at most ``idle`` seconds (which also bounds how long a changed DNS
answer goes unseen), and dropped when the server closed it or sent anything
unasked (the socket is readable while idle).
"""

from __future__ import annotations

import http.client
import select
import socket
import threading
import time
import weakref

__all__ = ["Pool", "PooledConnection"]

_MAX_TOTAL = 64


class PooledConnection(http.client.HTTPConnection):
    """An HTTPConnection on a socket we opened; ``close`` forgets the socket (the
    fetcher closes it, after reading the body under the deadline)."""

    raw: socket.socket
    """The socket as opened (TLS-wrapped for https)."""

    def close(self) -> None:
        self.sock = None


Key = tuple[str, str, int]


class Pool:
    def __init__(self, size: int, idle: float) -> None:
        self.size, self.idle = size, idle
        self._idle: dict[Key, list[tuple[float, PooledConnection]]] = {}
        self._count = 0
        self._lock = threading.Lock()
        # when the pool is collected (also in a reference cycle), before its sockets
        weakref.finalize(self, _close_all, self._idle, self._lock)

    def take(self, key: Key) -> PooledConnection | None:
        """The most recently used idle connection to ``key`` still usable, or ``None``."""
        while True:
            with self._lock:
                stack = self._idle.get(key)
                if not stack:
                    return None
                since, conn = stack.pop()
                self._count -= 1
            if time.monotonic() - since < self.idle and not _readable(conn.raw):
                return conn
            conn.raw.close()

    def put(self, key: Key, conn: PooledConnection) -> None:
        with self._lock:
            stack = self._idle.setdefault(key, [])
            if len(stack) < self.size and self._count < _MAX_TOTAL:
                stack.append((time.monotonic(), conn))
                self._count += 1
                return
        conn.raw.close()

    def close(self) -> None:
        """Close every idle connection."""
        with self._lock:
            self._count = 0
        _close_all(self._idle, self._lock)


def _close_all(idle: dict[Key, list[tuple[float, PooledConnection]]], lock: threading.Lock) -> None:
    with lock:
        conns = [conn for stack in idle.values() for _, conn in stack]
        idle.clear()
    for conn in conns:
        conn.raw.close()


def _readable(sock: socket.socket) -> bool:
    """Closed by the server, or unasked bytes: either way not reusable."""
    try:
        return bool(select.select([sock], [], [], 0)[0])
    except (OSError, ValueError):
        return True
