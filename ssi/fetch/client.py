"""The guarded HTTP(S) client: the one way ``ssi`` and the apps reach the network.

Every request (ARCHITECTURE.md "Rules that hold everywhere"; SECURITY.md "SSRF"):

1. the URL is checked before any lookup (:func:`~ssi.fetch.address.check_url`);
2. the host is resolved once and *every* address is checked
   (:func:`~ssi.fetch.address.address_refusal`); the connection goes to a
   checked address, never through a second lookup, so DNS rebinding cannot
   swap the target, while ``Host``, SNI and certificate checks use the name;
3. TLS verifies the certificate against the system roots (plus
   ``extra_ca_file``), TLS 1.2 at least;
4. a 3xx is never followed (:class:`FetchRedirect`); the body is read up to
   ``max_bytes`` (:class:`FetchTooLarge`, by ``Content-Length`` or while
   streaming); a body shorter than its ``Content-Length`` (the server died
   mid-answer) is a :class:`FetchError`, not a short document;
   ``Accept-Encoding: identity``, so nothing is decompressed;
5. one deadline covers connection, TLS, headers and body: a watchdog shuts
   the socket when it passes, so a server sending a byte a second cannot hold
   a worker (:class:`FetchTimeout`, :mod:`ssi.fetch._deadline`);
6. a GET whose answer was read whole and does not close the connection leaves
   it in a keep-alive pool (:mod:`ssi.fetch._pool`, ``pool_size``/``pool_idle``)
   for the next GET to the same scheme, host and port; such a connection goes
   to an address checked when it was opened. If the server closed it while
   idle, the GET is sent once more on a new connection. POSTs always use a new
   connection (``Connection: close``), never retried.

Host name resolution (``getaddrinfo``) counts against the deadline but cannot
be interrupted: it is bounded by the system resolver's own timeout.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from ..encoding import json_dumps
from ..errors import (
    FetchBlocked,
    FetchError,
    FetchHTTPStatus,
    FetchRedirect,
    FetchTimeout,
    FetchTooLarge,
    SSIError,
)
from ._deadline import Deadline
from ._pool import Pool, PooledConnection
from .address import Target, address_refusal, check_url
from .policy import FetchPolicy, FetchResponse

__all__ = ["Fetcher", "Resolve", "system_resolve"]

Resolve = Callable[[str, int], list[str]]
"""``resolve(host, port) -> [ip, …]``: name resolution, injectable for tests."""

_CHUNK = 65536
_RESERVED_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "accept-encoding", "te"}
)
"""Headers the fetcher writes itself: a caller's copy would make the request ambiguous."""


def system_resolve(host: str, port: int) -> list[str]:
    """All TCP addresses of ``host`` from the system resolver, in its order."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class Fetcher:
    """GET and POST under a :class:`FetchPolicy`. ``fetcher(url)`` is ``fetcher.get(url)``."""

    def __init__(
        self, policy: FetchPolicy | None = None, *, resolve: Resolve | None = None
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._resolve = resolve or system_resolve
        self._tls = ssl.create_default_context(cafile=self.policy.extra_ca_file)
        if self.policy.extra_ca_file is not None:
            self._tls.load_default_certs()
        self._tls.minimum_version = ssl.TLSVersion.TLSv1_2
        self._pool = Pool(self.policy.pool_size, self.policy.pool_idle)

    def __call__(self, url: str) -> FetchResponse:
        return self.get(url)

    def close(self) -> None:
        """Close the idle keep-alive connections (the fetcher stays usable)."""
        self._pool.close()

    def get(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        accept: str | None = None,
        *,
        raise_for_status: bool = True,
        max_bytes: int | None = None,
    ) -> FetchResponse:
        """GET ``url``; ``max_bytes`` replaces the policy's body cap for this request
        (a Status List Token: :func:`ssi.status_list.status_list_fetch`)."""
        extra = dict(headers or {})
        if accept is not None:
            extra["Accept"] = accept
        return self.request(
            "GET", url, None, extra, raise_for_status=raise_for_status, max_bytes=max_bytes
        )

    def post(
        self,
        url: str,
        data: Mapping[str, str] | bytes | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        *,
        raise_for_status: bool = True,
    ) -> FetchResponse:
        """POST a form (``data`` mapping), raw bytes (``data``), or ``json``."""
        extra = dict(headers or {})
        if data is not None and json is not None:
            raise ValueError("give data or json, not both")
        body: bytes
        if json is not None:
            body = json_dumps(json).encode()
            extra.setdefault("Content-Type", "application/json")
        elif isinstance(data, bytes):
            body = data
        else:
            body = urlencode(dict(data or {})).encode("ascii")
            extra.setdefault("Content-Type", "application/x-www-form-urlencoded")
        return self.request("POST", url, body, extra, raise_for_status=raise_for_status)

    # --- one request --------------------------------------------------------------

    def addresses(self, target: Target) -> list[str]:
        """The checked addresses of ``target``: all must be allowed, or the request is refused."""
        try:
            found = self._resolve(target.host, target.port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve host {target.host!r}: {exc}") from exc
        if not found:
            raise FetchError(f"host {target.host!r} has no address")
        for ip in found:
            reason = address_refusal(ip)
            loopback = reason == "loopback" and self.policy.allow_http_loopback
            if reason == "loopback" and not loopback:
                raise FetchBlocked(
                    f"{target.host} resolves to {ip}, which is loopback: allowed only in "
                    f"development, with {self.policy.development_setting}"
                )
            if reason is not None and not loopback:
                raise FetchBlocked(f"{target.host} resolves to {ip}, which is {reason}")
            if target.scheme == "http" and reason != "loopback":
                raise FetchBlocked(f"plain HTTP to {target.host} ({ip}), which is not loopback")
        return found

    def request(
        self,
        method: str,
        url: str,
        body: bytes | None,
        headers: Mapping[str, str],
        *,
        raise_for_status: bool = True,
        max_bytes: int | None = None,
    ) -> FetchResponse:
        """Send one request under the policy (its body cap, or ``max_bytes``); see
        the module docstring for the rules."""
        policy = self.policy
        limit = policy.max_bytes if max_bytes is None else max_bytes
        reserved = _RESERVED_HEADERS & {name.lower() for name in headers}
        if reserved:
            raise FetchBlocked(
                f"header {sorted(reserved)[0]!r} is set by the fetcher, not the caller"
            )
        target = check_url(
            url,
            allow_http_loopback=policy.allow_http_loopback,
            max_length=policy.max_url_length,
            development_setting=policy.development_setting,
        )
        deadline = Deadline(policy.timeout)
        keep = method == "GET" and policy.pool_size > 0
        key = (target.scheme, target.host, target.port)
        conn: PooledConnection | None = None
        reusable = False
        try:
            pooled = self._pool.take(key) if keep else None
            if pooled is not None:
                conn = pooled
                try:
                    answer, reusable = self._exchange(
                        conn,
                        target,
                        deadline,
                        method,
                        body,
                        headers,
                        url,
                        raise_for_status,
                        keep,
                        limit,
                    )
                    return answer
                except (http.client.RemoteDisconnected, ConnectionError) as exc:
                    if deadline.passed or getattr(exc, "answered", False):
                        raise
                    conn.raw.close()  # closed by the server while idle: once more, anew
                    conn = None
            addresses = self.addresses(target)  # the lookup's time counts against the deadline
            conn = self._open(target, addresses, deadline)
            answer, reusable = self._exchange(
                conn, target, deadline, method, body, headers, url, raise_for_status, keep, limit
            )
            return answer
        except SSIError:
            raise
        except ssl.SSLCertVerificationError as exc:
            raise FetchError(f"TLS certificate of {target.host} not accepted: {exc}") from exc
        except (OSError, http.client.HTTPException, ValueError) as exc:
            if deadline.passed or isinstance(exc, TimeoutError):
                raise FetchTimeout(f"{url}: no complete answer within {policy.timeout} s") from exc
            raise FetchError(f"{url}: {exc.__class__.__name__}: {exc}") from exc
        finally:
            deadline.cancel()  # from here on the watchdog leaves the socket alone
            if conn is not None:
                if reusable and not deadline.passed:
                    self._pool.put(key, conn)
                else:
                    conn.raw.close()
            elif deadline.sock is not None:
                deadline.sock.close()

    def _connect(self, target: Target, addresses: list[str], deadline: Deadline) -> socket.socket:
        last: OSError | None = None
        for ip in addresses:
            try:
                sock = socket.create_connection((ip, target.port), timeout=deadline.remaining())
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as http.client
                return sock
            except OSError as exc:
                last = exc
        if isinstance(last, TimeoutError):
            raise FetchTimeout(f"connecting to {target.host}:{target.port} timed out")
        raise FetchError(f"cannot connect to {target.host}:{target.port}: {last}")

    def _open(self, target: Target, addresses: list[str], deadline: Deadline) -> PooledConnection:
        deadline.sock = sock = self._connect(target, addresses, deadline)
        if target.scheme == "https":
            sock.settimeout(deadline.remaining())
            deadline.sock = sock = self._tls.wrap_socket(sock, server_hostname=target.host)
        conn = PooledConnection(target.host, target.port)
        conn.sock = conn.raw = sock
        return conn

    def _exchange(
        self,
        conn: PooledConnection,
        target: Target,
        deadline: Deadline,
        method: str,
        body: bytes | None,
        headers: Mapping[str, str],
        url: str,
        raise_for_status: bool,
        keep: bool,
        limit: int,
    ) -> tuple[FetchResponse, bool]:
        """One request on ``conn``: the answer, and whether the connection may be reused."""
        deadline.sock = sock = conn.raw
        conn.sock = sock
        sock.settimeout(deadline.remaining())
        self._send(conn, target, method, body, headers, keep)
        response = conn.getresponse()
        try:
            answer = self._answer(response, deadline, url, raise_for_status, limit)
        except BaseException as exc:
            exc.answered = True  # type: ignore[attr-defined]  # never sent again
            raise
        finally:
            response.close()
        return answer, keep and not response.will_close

    def _send(
        self,
        conn: http.client.HTTPConnection,
        target: Target,
        method: str,
        body: bytes | None,
        headers: Mapping[str, str],
        keep: bool,
    ) -> None:
        conn.putrequest(method, target.path, skip_host=True, skip_accept_encoding=True)
        default_port = 443 if target.scheme == "https" else 80
        host = f"[{target.host}]" if ":" in target.host else target.host
        conn.putheader("Host", host if target.port == default_port else f"{host}:{target.port}")
        conn.putheader("Accept-Encoding", "identity")
        conn.putheader("User-Agent", self.policy.user_agent)
        if not keep:
            conn.putheader("Connection", "close")
        for name, value in headers.items():
            conn.putheader(name, value)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)

    def _answer(
        self,
        response: http.client.HTTPResponse,
        deadline: Deadline,
        url: str,
        raise_for_status: bool,
        limit: int,
    ) -> FetchResponse:
        status = response.status
        if 300 <= status < 400:
            location = response.getheader("location", "(no Location)")
            raise FetchRedirect(f"{url} answered {status} to {location[:200]}: not followed")
        if raise_for_status and not 200 <= status < 300:
            raise FetchHTTPStatus(f"{url} answered HTTP {status}", status)
        data = self._read_body(response, deadline, url, limit)
        names: dict[str, str] = {}
        for name, value in response.getheaders():
            key = name.lower()
            names[key] = f"{names[key]}, {value}" if key in names else value
        return FetchResponse(status, names, data, url)

    def _read_body(
        self, response: http.client.HTTPResponse, deadline: Deadline, url: str, limit: int
    ) -> bytes:
        length = response.getheader("content-length")
        announced = int(length) if length is not None and length.strip().isdigit() else None
        if announced is not None and announced > limit:
            raise FetchTooLarge(f"{url} announces {announced} bytes, over {limit}")
        chunks: list[bytes] = []
        size = 0
        while True:
            if deadline.sock is not None:
                deadline.sock.settimeout(deadline.remaining())
            chunk = response.read(min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise FetchTooLarge(f"{url} sent more than {limit} bytes")
        deadline.remaining()
        if announced is not None and size < announced:  # http.client's read(n) hides this
            raise FetchError(f"{url}: the connection closed after {size} of the {announced} bytes")
        return b"".join(chunks)
