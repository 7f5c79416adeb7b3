"""The verifier caches the issuer's metadata and JWK Set per their HTTP caching
headers, over keep-alive connections (issue 22): a real issuer server on
127.0.0.1 that rotates its key, a clock the test moves."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ssi.errors import UntrustedIssuer
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from ssi.sdjwt import HeldSDJWT, KeyBinding
from ssi.sdjwt_vc import issue_credential
from tests.support import Clock
from verifier.issuer_documents import IssuerDocuments
from verifier.trust import TrustList, load_trust_list

VCT = "urn:example:vct"
MAX_AGE = 300


@dataclass
class RotatingIssuer:
    """Serves ``/.well-known/jwt-vc-issuer`` with its current keys and a
    ``Cache-Control`` header, keeping connections alive (HTTP/1.1); counts the
    requests and the connections."""

    keys: list[Key]
    cache_control: str = f"public, max-age={MAX_AGE}"
    url: str = ""
    hits: int = 0
    connections: set[int] = field(default_factory=set)

    def metadata(self) -> bytes:
        jwks = {"keys": [k.public_jwk() | {"kid": k.thumbprint()} for k in self.keys]}
        return json.dumps({"issuer": self.url, "jwks": jwks}).encode()


@pytest.fixture
def issuer() -> Iterator[RotatingIssuer]:
    state = RotatingIssuer([Key.generate("ES256")])

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            state.hits += 1
            state.connections.add(self.client_address[1])
            if self.path != "/.well-known/jwt-vc-issuer":
                self.send_error(404)
                return
            body = state.metadata()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", state.cache_control)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Verifier:
    trust: TrustList
    documents: IssuerDocuments
    clock: Clock


def _verifier(issuer: RotatingIssuer, refetch_interval: float = 60.0) -> Verifier:
    clock = Clock()
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    documents = IssuerDocuments(
        fetcher,
        max_age=3600,
        refetch_interval=refetch_interval,
        clock=clock,
        allow_http_loopback=True,
    )
    trust = load_trust_list(
        {"issuers": {issuer.url: {"mechanisms": ["metadata"]}}},
        Path("."),
        fetch_json=None,
        resolve_did_key=None,
        allow_http=True,
        documents=documents,
    )
    return Verifier(trust, documents, clock)


def _present(issuer: RotatingIssuer, key: Key, now: float) -> str:
    holder = Key.generate("ES256")
    issued = issue_credential(
        {"given_name": "Ada"},
        key,
        vct=VCT,
        iss=issuer.url,
        iat=int(now),
        exp=int(now) + 10 * 86400,
        holder_key=holder.public(),
        header={"kid": key.thumbprint()},
    )
    held = HeldSDJWT.receive(issued.compact(), lambda h, p: key, typ="dc+sd-jwt")
    return held.present(
        [], holder_key=holder, audience="https://verifier.example", nonce="n0", iat=int(now)
    )


def _verify(verifier: Verifier, presentation: str) -> Any:
    binding = KeyBinding(audience="https://verifier.example", nonce="n0")
    return verifier.trust.verify(presentation, now=verifier.clock.now, key_binding=binding)


def test_metadata_cache_serves_presentations_without_fetching_again(
    issuer: RotatingIssuer,
) -> None:
    verifier = _verifier(issuer)
    for _ in range(5):
        _verify(verifier, _present(issuer, issuer.keys[0], verifier.clock.now))
    assert issuer.hits == 1


def test_metadata_cache_picks_up_a_key_rotation_when_max_age_passes(
    issuer: RotatingIssuer,
) -> None:
    verifier = _verifier(issuer)
    old = issuer.keys[0]
    _verify(verifier, _present(issuer, old, verifier.clock.now))
    issuer.keys = [Key.generate("ES256")]  # the issuer rotates: the old key is withdrawn
    verifier.clock.now += MAX_AGE - 1
    _verify(verifier, _present(issuer, old, verifier.clock.now))  # still cached: accepted
    assert issuer.hits == 1
    verifier.clock.now += 2  # max-age has passed
    with pytest.raises(UntrustedIssuer):
        _verify(verifier, _present(issuer, old, verifier.clock.now))
    _verify(verifier, _present(issuer, issuer.keys[0], verifier.clock.now))
    assert issuer.hits == 2


def test_metadata_cache_refetches_once_for_an_unknown_kid(issuer: RotatingIssuer) -> None:
    verifier = _verifier(issuer)
    _verify(verifier, _present(issuer, issuer.keys[0], verifier.clock.now))
    new = Key.generate("ES256")
    issuer.keys = [issuer.keys[0], new]  # a new key, before the cached set expires
    _verify(verifier, _present(issuer, new, verifier.clock.now))
    assert issuer.hits == 2


def test_metadata_cache_unknown_kids_cause_no_refetch_amplification(
    issuer: RotatingIssuer,
) -> None:
    """An attacker's presentations signed by keys the issuer never had: at most one
    refetch per interval, however many come."""
    verifier = _verifier(issuer, refetch_interval=60)
    _verify(verifier, _present(issuer, issuer.keys[0], verifier.clock.now))
    for _ in range(20):
        with pytest.raises(UntrustedIssuer):
            _verify(verifier, _present(issuer, Key.generate("ES256"), verifier.clock.now))
    assert issuer.hits == 2
    verifier.clock.now += 61
    with pytest.raises(UntrustedIssuer):
        _verify(verifier, _present(issuer, Key.generate("ES256"), verifier.clock.now))
    assert issuer.hits == 3


@pytest.mark.parametrize("header", ["no-store", "no-cache", "max-age=0"])
def test_metadata_cache_keeps_nothing_the_issuer_forbids(
    issuer: RotatingIssuer, header: str
) -> None:
    issuer.cache_control = header
    verifier = _verifier(issuer)
    for _ in range(3):
        _verify(verifier, _present(issuer, issuer.keys[0], verifier.clock.now))
    assert issuer.hits == 3


def test_metadata_cache_lifetime_is_capped_by_the_setting(issuer: RotatingIssuer) -> None:
    issuer.cache_control = "max-age=999999"
    verifier = _verifier(issuer)  # METADATA_CACHE_MAX_AGE 3600
    _verify(verifier, _present(issuer, issuer.keys[0], verifier.clock.now))
    verifier.clock.now += 3599
    _verify(verifier, _present(issuer, issuer.keys[0], verifier.clock.now))
    assert issuer.hits == 1
    verifier.clock.now += 2
    _verify(verifier, _present(issuer, issuer.keys[0], verifier.clock.now))
    assert issuer.hits == 2


def test_metadata_cache_fetches_over_one_keep_alive_connection(issuer: RotatingIssuer) -> None:
    issuer.cache_control = "no-store"
    verifier = _verifier(issuer)
    for _ in range(4):
        _verify(verifier, _present(issuer, issuer.keys[0], verifier.clock.now))
    assert issuer.hits == 4
    assert len(issuer.connections) == 1
