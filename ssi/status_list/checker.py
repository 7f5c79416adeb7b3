"""Fail-closed status checking for a Relying Party (Token Status List §8, SECURITY.md).

:class:`StatusChecker` resolves a Referenced Token's ``status_list`` reference:
it fetches the Status List Token with ``Accept: application/statuslist+jwt``
(§8.1) through an injected fetch callable (``ssi.fetch``'s ``Fetcher.get``),
verifies it (§8.3), caches it by its ``ttl`` clamped to [60 s, 24 h] and never
past its ``exp`` (§12.5, SECURITY.md "Revocation, fail-closed"), and reads the
status at the index.

Every failure raises; nothing is ever treated as VALID by default:

=========================  ==============================================
unreachable                ``FetchError`` (what the fetcher raised, or a
                           ``FetchError`` wrapping any other exception)
5xx / any non-2xx          ``FetchHTTPStatus``
timeout                    ``FetchTimeout`` (raised by the fetcher)
wrong media type           ``WrongMediaType`` (§8.2: MUST be statuslist+jwt)
badly signed               ``InvalidSignature`` / ``AlgorithmNotAllowed``
another issuer's ``iss``   ``UntrustedIssuer`` (``iss`` is optional, §5.1)
a signer not admitted      ``UntrustedIssuer`` / ``CertificateError``
                           (:func:`~ssi.status_list.status_list_key`)
expired, no ``iat``        ``TimeInvalid``
wrong ``typ``              ``WrongType``
``sub`` ≠ ``uri``          ``ClaimMismatch``
index out of range         ``StatusIndexOutOfRange``
INVALID / SUSPENDED / ≠0   ``CredentialRevoked`` / ``CredentialSuspended`` /
                           ``CredentialStatusError`` (from ``assert_valid``)
=========================  ==============================================
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import (
    CredentialStatusError,
    FetchError,
    FetchHTTPStatus,
    MalformedInput,
    SSIError,
)
from ..jose import DEFAULT_SKEW
from .limits import MAX_DECOMPRESSED_BYTES, MAX_FETCH_BYTES
from .signers import ReferencedIssuer
from .status_list import INVALID, SUSPENDED, VALID
from .token import (
    STATUS_LIST_MEDIA_TYPE,
    KeyResolver,
    StatusListToken,
    StatusReference,
    parse_status_reference,
    verify_status_list_token,
)

__all__ = [
    "MIN_CACHE_SECONDS",
    "MAX_CACHE_SECONDS",
    "FetchResponse",
    "StatusChecker",
    "CredentialRevoked",
    "CredentialSuspended",
    "WrongMediaType",
    "assert_status_valid",
    "status_list_fetch",
]

MIN_CACHE_SECONDS = 60.0
"""SECURITY.md: a ``ttl`` below one minute is raised to one minute."""
MAX_CACHE_SECONDS = 86_400.0
"""SECURITY.md: a ``ttl`` above one day (or no ``ttl``) is lowered to one day."""


class CredentialRevoked(CredentialStatusError):
    """The status is INVALID (0x01): the credential is revoked."""


class CredentialSuspended(CredentialStatusError):
    """The status is SUSPENDED (0x02): blocked like a revocation."""


class WrongMediaType(FetchError):
    """§8.2: the response is not ``application/statuslist+jwt``."""


class FetchResponse(Protocol):
    """What ``ssi.fetch`` returns: the parts this module reads."""

    @property
    def status(self) -> int: ...

    @property
    def headers(self) -> Any: ...

    @property
    def body(self) -> bytes: ...


FetchCallable = Callable[..., FetchResponse]
"""Called as ``fetch(url, headers={"Accept": ...})``; raises ``FetchError`` on failure."""


def status_list_fetch(get: Callable[..., FetchResponse]) -> FetchCallable:
    """``get`` (:meth:`ssi.fetch.Fetcher.get`) reading at most
    :data:`~ssi.status_list.limits.MAX_FETCH_BYTES` of a Status List Token: the
    fetch a :class:`StatusChecker` is given (the fetcher's own cap is for
    metadata, 1 MB; the largest list we accept needs more)."""
    return functools.partial(get, max_bytes=MAX_FETCH_BYTES)


@dataclass(frozen=True, slots=True)
class _Cached:
    token: StatusListToken
    fresh_until: float


class StatusChecker:
    """Resolve and check status references, failing closed.

    ``fetch``: ``Fetcher.get``-like callable; ``key_resolver``: ``(header,
    claims, issuer) -> Key`` for the Status List Token of a Referenced Token of
    ``issuer``; ``clock``: ``() -> seconds``; ``allow_header_keys``: ``{"x5c"}``
    when the resolver validates ``x5c`` chains.

    Every check names the Referenced Token's verified issuer
    (:class:`~ssi.status_list.ReferencedIssuer`); a list is cached per URI *and*
    issuer, so a list admitted for one issuer never answers for another.
    """

    def __init__(
        self,
        fetch: FetchCallable,
        key_resolver: KeyResolver,
        clock: Callable[[], float],
        *,
        skew: float = DEFAULT_SKEW,
        max_bytes: int = MAX_DECOMPRESSED_BYTES,
        min_cache: float = MIN_CACHE_SECONDS,
        max_cache: float = MAX_CACHE_SECONDS,
        allow_header_keys: frozenset[str] = frozenset(),
    ) -> None:
        self._fetch = fetch
        self._key_resolver = key_resolver
        self._clock = clock
        self._skew = skew
        self._max_bytes = max_bytes
        self._min_cache = min_cache
        self._max_cache = max_cache
        self._allow_header_keys = allow_header_keys
        self._cache: dict[tuple[str, ReferencedIssuer], _Cached] = {}
        self._lock = threading.Lock()

    # --- public API ----------------------------------------------------------------

    @property
    def fetch(self) -> FetchCallable:
        """The fetch callable lists are fetched with."""
        return self._fetch

    def status(
        self,
        reference: StatusReference,
        *,
        issuer: ReferencedIssuer,
        force_refresh: bool = False,
    ) -> int:
        """The status value at ``reference.idx`` (§8.3 step 6) of a Referenced Token
        of ``issuer``; raises on any failure."""
        token = self.status_list_token(reference.uri, issuer=issuer, force_refresh=force_refresh)
        return token.status_list.get(reference.idx)

    def assert_valid(
        self,
        reference: StatusReference,
        *,
        issuer: ReferencedIssuer,
        force_refresh: bool = False,
    ) -> None:
        """Raise unless the status is VALID (0x00); SUSPENDED blocks like INVALID."""
        assert_status_valid(
            reference, self.status(reference, issuer=issuer, force_refresh=force_refresh)
        )

    def assert_token_valid(
        self, claims: dict[str, Any], *, issuer: ReferencedIssuer, force_refresh: bool = False
    ) -> None:
        """:meth:`assert_valid` for a Referenced Token's verified claims (§8.3 step 1)."""
        self.assert_valid(
            parse_status_reference(claims), issuer=issuer, force_refresh=force_refresh
        )

    def status_list_token(
        self,
        uri: str,
        *,
        issuer: ReferencedIssuer,
        force_refresh: bool = False,
        fetch: FetchCallable | None = None,
    ) -> StatusListToken:
        """The verified Status List Token at ``uri`` for a Referenced Token of
        ``issuer``, from the cache when still fresh; ``fetch`` replaces the
        checker's own for this call (:class:`~ssi.status_list.StatusRun`: one
        fetch per list and run)."""
        now = self._clock()
        key = (uri, issuer)
        if not force_refresh:
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None and now < cached.fresh_until and not self._expired(cached, now):
                return cached.token
        token = self._fetch_and_verify(uri, issuer, now, fetch or self._fetch)
        with self._lock:
            self._cache[key] = _Cached(token, now + self._cache_seconds(token, now))
        return token

    def forget(self, uri: str | None = None) -> None:
        """Drop one cached list (for every issuer), or all of them."""
        with self._lock:
            if uri is None:
                self._cache.clear()
            else:
                for key in [k for k in self._cache if k[0] == uri]:
                    del self._cache[key]

    # --- internals -----------------------------------------------------------------

    def _expired(self, cached: _Cached, now: float) -> bool:
        exp = cached.token.exp
        return exp is not None and now - self._skew >= exp

    def _cache_seconds(self, token: StatusListToken, now: float) -> float:
        """§12.5: cache for ``ttl``, clamped to [min_cache, max_cache]."""
        seconds = token.ttl if token.ttl is not None else self._max_cache
        return min(max(seconds, self._min_cache), self._max_cache)

    def _fetch_and_verify(
        self, uri: str, issuer: ReferencedIssuer, now: float, fetch: FetchCallable
    ) -> StatusListToken:
        try:
            response = fetch(uri, headers={"Accept": STATUS_LIST_MEDIA_TYPE})
        except SSIError:
            raise
        except Exception as exc:  # fail closed: any failure of the fetch is a FetchError
            raise FetchError(f"status list {uri} is unreachable: {exc}") from exc
        status = response.status
        if not 200 <= status < 300:
            raise FetchHTTPStatus(f"status list {uri} answered HTTP {status}", http_status=status)
        content_type = _header(response.headers, "Content-Type")
        media_type = (content_type or "").split(";", 1)[0].strip().lower()
        if media_type != STATUS_LIST_MEDIA_TYPE:
            raise WrongMediaType(
                f"status list {uri} answered Content-Type {content_type!r}, "
                f"not {STATUS_LIST_MEDIA_TYPE!r} (§8.2)"
            )
        try:
            token = response.body.decode("ascii").strip()
        except UnicodeDecodeError as exc:
            raise MalformedInput(f"status list {uri} is not a compact JWS") from exc
        return verify_status_list_token(
            token,
            self._key_resolver,
            uri=uri,
            issuer=issuer,
            now=now,
            skew=self._skew,
            max_bytes=self._max_bytes,
            allow_header_keys=self._allow_header_keys,
        )


def assert_status_valid(reference: StatusReference, value: int) -> None:
    """Raise unless ``value`` (the status at ``reference``) is VALID (0x00);
    SUSPENDED blocks like INVALID (SECURITY.md "Revocation, fail-closed")."""
    if value == VALID:
        return
    where = f"index {reference.idx} of {reference.uri}"
    if value == INVALID:
        raise CredentialRevoked(f"the credential is revoked (status 0x01 at {where})")
    if value == SUSPENDED:
        raise CredentialSuspended(f"the credential is suspended (status 0x02 at {where})")
    raise CredentialStatusError(f"the credential's status is 0x{value:02x} at {where}")


def _header(headers: Any, name: str) -> str | None:
    """A header from a dict, an ``email.message.Message`` or similar, case-insensitively."""
    if headers is None:
        return None
    value = headers.get(name) if hasattr(headers, "get") else None
    if value is None and isinstance(headers, Mapping):
        lowered = name.lower()
        for key, candidate in headers.items():
            if isinstance(key, str) and key.lower() == lowered:
                value = candidate
                break
    return value if isinstance(value, str) else None
