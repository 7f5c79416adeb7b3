"""Token Status List §8 through ``ssi.fetch`` against a real HTTP server on 127.0.0.1.

A plain ``http.server`` publishes Status List Tokens; the checker fetches them
with the guarded fetcher (loopback HTTP allowed, the development setting).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from ssi.errors import FetchError, FetchHTTPStatus, FetchRedirect, FetchTimeout
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from ssi.status_list import (
    INVALID,
    SUSPENDED,
    VALID,
    CredentialRevoked,
    CredentialSuspended,
    ReferencedIssuer,
    StatusChecker,
    StatusList,
    StatusReference,
    build_status_list_token,
)
from tests.servers import PlainHandler, serve_handler

ISSUER_KEY = Key.generate("ES256")
ISSUER = ReferencedIssuer("https://issuer.example")
NOW = int(time.time())


class Publisher(PlainHandler):
    """Serves ``/statuslists/1``, and the failure modes under other paths."""

    accepts: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).accepts.append(self.headers.get("Accept", ""))
        host = "http://" + self.headers.get("Host", "")
        if self.path == "/statuslists/1":
            statuses = StatusList.from_statuses([VALID, INVALID, SUSPENDED, VALID], 2)
            token = build_status_list_token(
                statuses, host + self.path, ISSUER_KEY, now=NOW, exp=NOW + 3600, ttl=300
            )
            self.answer(200, token.encode(), "application/statuslist+jwt")
        elif self.path == "/down":
            self.answer(503, b"maintenance", "text/plain")
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", host + "/statuslists/1")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/slow":
            time.sleep(2.0)
            self.answer(200, b"late", "application/statuslist+jwt")
        else:
            self.answer(404, b"", "text/plain")


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_handler(Publisher) as url:
        yield url


@pytest.fixture
def checker() -> StatusChecker:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=1.0))
    return StatusChecker(fetcher.get, lambda header, claims, issuer: ISSUER_KEY, lambda: float(NOW))


def test_statuses_read_over_http(base_url: str, checker: StatusChecker) -> None:
    uri = base_url + "/statuslists/1"
    checker.assert_valid(StatusReference(0, uri), issuer=ISSUER)
    with pytest.raises(CredentialRevoked):
        checker.assert_valid(StatusReference(1, uri), issuer=ISSUER)
    with pytest.raises(CredentialSuspended):
        checker.assert_valid(StatusReference(2, uri), issuer=ISSUER)
    assert "application/statuslist+jwt" in Publisher.accepts


def test_5xx_over_http_refused(base_url: str, checker: StatusChecker) -> None:
    with pytest.raises(FetchHTTPStatus, match="503"):
        checker.assert_valid(StatusReference(0, base_url + "/down"), issuer=ISSUER)


def test_redirect_not_followed(base_url: str, checker: StatusChecker) -> None:
    with pytest.raises(FetchRedirect):
        checker.assert_valid(StatusReference(0, base_url + "/redirect"), issuer=ISSUER)


def test_timeout_over_http_refused(base_url: str, checker: StatusChecker) -> None:
    with pytest.raises(FetchTimeout):
        checker.assert_valid(StatusReference(0, base_url + "/slow"), issuer=ISSUER)


def test_unreachable_over_http_refused(checker: StatusChecker) -> None:
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError):
        checker.assert_valid(
            StatusReference(0, f"http://127.0.0.1:{port}/statuslists/1"), issuer=ISSUER
        )
