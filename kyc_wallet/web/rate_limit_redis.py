"""Rate-limit counters in Redis (``RATE_LIMIT_STORAGE = "redis://host:6379/0"``,
``rediss://…`` with TLS, ``unix:///run/redis/redis.sock``), for deployments
that already run one; the optional client comes with
``pip install 'kyc-wallet[redis]'``.

One round trip per request, atomic in Redis (``MULTI``/``EXEC``): ``SET key 0
PX period NX`` starts a window when there is none, ``INCR`` counts (it keeps
the key's expiry), ``PTTL`` says when the window ends. Redis expires the
keys itself. The client's sockets time out after :data:`TIMEOUT` seconds, so
a Redis that is down answers quickly with :class:`StoreUnavailable`.
"""

from __future__ import annotations

from typing import Any

from .config import ConfigurationError
from .rate_limit_store import StoreUnavailable, Window

__all__ = ["PREFIX", "SCHEMES", "TIMEOUT", "RedisCounters"]

SCHEMES = ("redis://", "rediss://", "unix://")
PREFIX = "kyc-wallet:rate-limit:"
TIMEOUT = 2.0
MISSING_CLIENT = (
    "RATE_LIMIT_STORAGE names a Redis server but the Redis client is not installed:"
    " pip install 'kyc-wallet[redis]'"
)


class RedisCounters:
    """Counters in the Redis server at ``url`` (the client's own connection pool)."""

    def __init__(self, url: str) -> None:
        try:
            import redis
        except ImportError:
            raise ConfigurationError(MISSING_CLIENT) from None
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        try:
            self._client: Any = redis.Redis.from_url(
                url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
            )
        except ValueError as exc:
            raise ConfigurationError(f"RATE_LIMIT_STORAGE is not a Redis URL: {exc}") from None

    def hit(self, key: str, period: float, now: float) -> Window:
        name = PREFIX + key
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.set(name, 0, px=max(1, int(period * 1000)), nx=True)
            pipe.incr(name)
            pipe.pttl(name)
            _, hits, ttl_ms = pipe.execute()
        except self._errors as exc:
            raise StoreUnavailable(str(exc).splitlines()[0] if str(exc) else repr(exc)) from exc
        return Window(int(hits), now + max(int(ttl_ms), 0) / 1000)

    def dispose(self) -> None:
        self._client.close()
