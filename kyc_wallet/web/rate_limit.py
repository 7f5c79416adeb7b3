"""Per-client rate limits on the endpoints other parties call (SECURITY.md
"Web": the token endpoint, the nonce endpoints, the response endpoint).

A limit is a setting such as ``RATE_LIMIT_TOKEN = "60 per minute"`` (``N per
[M] second|minute|hour|day|month|year[s]``, or ``N/minute``; several
separated by ``;``, each with its own window), counted per endpoint and
client address in fixed windows by the store ``RATE_LIMIT_STORAGE`` names
(:mod:`.rate_limit_store`):

- ``database``: the service's own database, shared by every worker and
  replica (the issuer's and the verifier's default);
- ``memory://``: this process only (the wallet's, and development);
- ``redis://…``, ``rediss://…``, ``unix://…``: a Redis server
  (:mod:`.rate_limit_redis`, ``pip install 'kyc-wallet[redis]'``).

The client is ``request.remote_addr``: the peer's address, or behind the
documented TLS proxy the address that ``TRUSTED_PROXY_HOPS`` proxies vouch
for (Werkzeug's ``ProxyFix``, installed by :mod:`.factory`). IPv6 clients
are counted per /64, the block one subscriber usually holds.

A request past its limit gets 429 ``slow_down`` with ``Retry-After`` (the
seconds until its window ends; RFC 6585 §4) and the OAuth-style JSON body on
protocol endpoints. A store that cannot answer refuses the request (fail
closed): 503 ``temporarily_unavailable`` with ``Retry-After``, never a 500
and never an unlimited request; the reason goes to the log. Counting happens
before the view runs, so a refused request changes nothing else.

No thread is started, per request or otherwise.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any

from flask import Flask, current_app, request

from kyc_wallet.database import Database
from ssi.errors import RateLimited, SSIError

from .config import ConfigurationError
from .rate_limit_store import (
    Counters,
    DatabaseCounters,
    MemoryCounters,
    StoreUnavailable,
    counter_key,
)

__all__ = [
    "DATABASE",
    "MEMORY",
    "Limit",
    "RateLimitExceeded",
    "RateLimitUnavailable",
    "RateLimiter",
    "client_address",
    "counters_for",
    "parse_limit",
    "parse_limits",
]

log = logging.getLogger(__name__)

DATABASE = "database"
MEMORY = "memory://"
UNAVAILABLE_RETRY_AFTER = 5
_PERIODS = {  # a month and a year as Flask-Limiter counted them (30 and 360 days)
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "month": 30 * 86400,
    "year": 360 * 86400,
}
_LIMIT = re.compile(
    r"^\s*(\d+)\s*(?:per|/)\s*(\d+)?\s*(second|minute|hour|day|month|year)s?\s*$", re.IGNORECASE
)


class RateLimitExceeded(RateLimited):
    """429 ``slow_down``: this client sent too many requests to this endpoint."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many requests: try again in {retry_after} s")
        self.retry_after = retry_after


class RateLimitUnavailable(SSIError):
    """503: the rate-limit store did not answer, so the request is refused."""

    error = "temporarily_unavailable"
    status = 503

    def __init__(self) -> None:
        super().__init__("the service cannot take this request now: try again shortly")
        self.retry_after = UNAVAILABLE_RETRY_AFTER


@dataclass(frozen=True)
class Limit:
    """``count`` requests per ``period`` seconds."""

    count: int
    period: int


@lru_cache(maxsize=64)
def parse_limits(text: str) -> tuple[Limit, ...]:
    """``"60 per minute"``, ``"5 per 10 seconds"``, ``"100/hour"``, or several
    separated by ``;`` or ``,`` (``"10 per second; 500 per hour"``), as Flask-Limiter
    wrote them: each :class:`Limit` (:class:`ConfigurationError` for anything else)."""
    parts = re.split(r"[;,]", text) if isinstance(text, str) else [text]
    return tuple(parse_limit(part) for part in parts)


def parse_limit(text: str) -> Limit:
    """One limit (see :func:`parse_limits`)."""
    match = _LIMIT.match(text) if isinstance(text, str) else None
    if match is None or int(match.group(1)) < 1 or match.group(2) == "0":
        raise ConfigurationError(
            f"a rate limit must read like '60 per minute' or '5 per 10 seconds', not {text!r}"
        )
    multiple = int(match.group(2) or 1)
    return Limit(int(match.group(1)), multiple * _PERIODS[match.group(3).lower()])


def client_address() -> str:
    """The address the current request is counted under (IPv6: its /64)."""
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def counters_for(setting: Any, database: Database | None) -> Counters:
    """The store ``RATE_LIMIT_STORAGE`` names (:class:`ConfigurationError` with
    one line for an unknown one, or for ``database`` without a database)."""
    from .rate_limit_redis import SCHEMES, RedisCounters

    value = str(setting).strip() if isinstance(setting, str) else ""
    if value in (MEMORY, "memory"):
        return MemoryCounters()
    if value == DATABASE:
        if database is None:
            raise ConfigurationError(
                'RATE_LIMIT_STORAGE = "database" needs the service\'s database; use "memory://"'
            )
        return DatabaseCounters(database)
    if value.startswith(SCHEMES):
        return RedisCounters(value)
    scheme = value.partition("://")[0] if "://" in value else "no scheme"
    raise ConfigurationError(  # the value may hold a Redis password: only its scheme is named
        f'RATE_LIMIT_STORAGE must be "database", "memory://" or a redis:// URL ({scheme} is none)'
    )


class RateLimiter:
    """The app's limiter: its store, its clock, and the endpoints it guards."""

    def __init__(self, app_name: str, counters: Counters, clock: Callable[[], float]) -> None:
        self.app_name = app_name
        self.counters = counters
        self.clock = clock

    def check(self, endpoint: str, limits: tuple[Limit, ...]) -> None:
        """Count this request under each limit; :class:`RateLimitExceeded` past
        any, :class:`RateLimitUnavailable` when the store does not answer."""
        now = float(self.clock())
        client = client_address()
        wait = 0
        for limit in limits:
            scope = f"{self.app_name}:{endpoint}"
            if len(limits) > 1:  # each limit its own window
                scope += f":{limit.count}/{limit.period}"
            try:
                window = self.counters.hit(counter_key(scope, client), limit.period, now)
            except StoreUnavailable as exc:
                log.error("rate limit store unreachable, request refused: %s", exc)
                raise RateLimitUnavailable() from None
            if window.hits > limit.count:
                wait = max(wait, math.ceil(window.ends_at - now), 1)
        if wait:
            raise RateLimitExceeded(wait)

    def guard(self, app: Flask, endpoint: str, setting: str) -> None:
        """Limit ``endpoint``'s view to the limit in the ``setting`` (read at
        each request; checked now, so a bad value stops the start)."""
        parse_limits(app.config[setting])
        view: Any = app.view_functions[endpoint]

        @wraps(view)
        def limited(*args: Any, **kwargs: Any) -> Any:
            self.check(endpoint, parse_limits(current_app.config[setting]))
            return view(*args, **kwargs)

        app.view_functions[endpoint] = limited
