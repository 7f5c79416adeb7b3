"""did:web (did-method-web) through the guarded fetcher, against a server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ssi.did import (
    DidWebResolver,
    Resolver,
    did_web_document,
    did_web_from_url,
    did_web_url,
    resolve_verification_key,
)
from ssi.errors import (
    FetchBlocked,
    FetchError,
    FetchHTTPStatus,
    FetchRedirect,
    FetchTooLarge,
    HeaderKeyRefused,
    MalformedInput,
    ResolutionError,
    UnsupportedDIDMethod,
)
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key

DEV = FetchPolicy(allow_http_loopback=True, timeout=2.0, max_bytes=20_000)


@dataclass
class DocumentServer:
    """Serves ``documents[path]`` (bytes, or a (status, headers) redirect) on 127.0.0.1."""

    port: int
    documents: dict[str, Any] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)

    @property
    def did(self) -> str:
        return f"did:web:localhost%3A{self.port}:issuers:kyc"

    @property
    def path(self) -> str:
        return "/issuers/kyc/did.json"


@pytest.fixture
def server() -> Iterator[DocumentServer]:
    state: dict[str, DocumentServer] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            state["s"].hits.append(self.path)
            body = state["s"].documents.get(self.path)
            if isinstance(body, tuple):
                self.send_response(body[0])
                self.send_header("Location", body[1])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = 404 if body is None else 200
            data = b"not found" if body is None else body
            self.send_response(status)
            self.send_header("Content-Type", "application/did+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    state["s"] = DocumentServer(httpd.server_address[1])
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state["s"]
    finally:
        httpd.shutdown()
        httpd.server_close()


def _resolver() -> Resolver:
    return Resolver(Fetcher(DEV), allow_http_loopback=True)


def _publish(server: DocumentServer, document: dict[str, Any]) -> None:
    server.documents[server.path] = json.dumps(document).encode()


# --- the URL of a did:web (did-method-web §3.2) ---------------------------------------


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ],
)
def test_did_web_url_spec_examples(did: str, url: str) -> None:
    assert did_web_url(did) == url


def test_loopback_did_web_uses_http_only_in_development() -> None:
    did = "did:web:localhost%3A5000"
    assert (
        did_web_url(did, allow_http_loopback=True) == "http://localhost:5000/.well-known/did.json"
    )
    assert did_web_url(did) == "https://localhost:5000/.well-known/did.json"


def test_ip_address_did_web_refused() -> None:
    """did-method-web §3.1: the method-specific id MUST NOT include an IP address."""
    with pytest.raises(ResolutionError, match="IP address"):
        did_web_url("did:web:10.0.0.1")
    with pytest.raises(ResolutionError, match="IP address"):
        did_web_url("did:web:127.0.0.1%3A8080")  # loopback only with the development setting


@pytest.mark.parametrize(
    ("did", "message"),
    [
        ("did:web:example.com:..:secrets", "path segment '..'"),
        ("did:web:example.com::a", "path segment ''"),
        ("did:web:example.com:a%2Fb", "path segment"),
        ("did:web:example.com%3A0", "port"),
        ("did:web:example.com%3A70000", "port"),
        ("did:web:exa_mple.com", "not a domain name"),
        ("did:web:-example.com", "not a domain name"),
        ("did:web:", "not a domain name"),
    ],
)
def test_malformed_did_web_refused(did: str, message: str) -> None:
    with pytest.raises(ResolutionError, match=message):
        did_web_url(did)


@pytest.mark.parametrize(
    ("url", "did"),
    [
        ("https://issuer.example.com", "did:web:issuer.example.com"),
        ("https://issuer.example.com/", "did:web:issuer.example.com"),
        ("https://example.com:8443/issuers/kyc", "did:web:example.com%3A8443:issuers:kyc"),
        ("http://localhost:5001", "did:web:localhost%3A5001"),
    ],
)
def test_did_web_from_url(url: str, did: str) -> None:
    assert did_web_from_url(url) == did


@pytest.mark.parametrize(
    "url",
    ["http://example.com", "https://u@example.com", "https://example.com/?q=1", "ftp://x.org"],
)
def test_did_web_from_bad_url_refused(url: str) -> None:
    with pytest.raises(MalformedInput):
        did_web_from_url(url)


# --- resolution through the fetcher ------------------------------------------------------


def test_resolve_published_document(server: DocumentServer) -> None:
    signing, other = Key.generate("ES256"), Key.generate("EdDSA")
    _publish(server, did_web_document(server.did, [signing, other]))
    document = _resolver().resolve(server.did)
    assert server.hits == [server.path]
    assert [m.key for m in document.methods_for("assertionMethod")] == [signing, other]
    kid = f"{server.did}#{signing.thumbprint()}"
    assert resolve_verification_key(kid, _resolver(), server.did) == signing


def test_published_document_holds_no_private_key() -> None:
    document = did_web_document("did:web:example.com", [Key.generate("ES256")])
    assert all("d" not in m["publicKeyJwk"] for m in document["verificationMethod"])


def test_document_with_multikey_method(server: DocumentServer) -> None:
    from ssi.did import encode_multikey

    key = Key.generate("EdDSA")
    document = {
        "id": server.did,
        "verificationMethod": [
            {
                "id": "#mk",
                "type": "Multikey",
                "controller": server.did,
                "publicKeyMultibase": encode_multikey(key),
            }
        ],
        "assertionMethod": ["#mk"],
    }
    _publish(server, document)
    assert resolve_verification_key(f"{server.did}#mk", _resolver(), server.did) == key


def test_document_id_mismatch_refused(server: DocumentServer) -> None:
    """did-method-web §3.2 step 7: the document's id must be the DID resolved."""
    _publish(server, did_web_document("did:web:attacker.example", [Key.generate("ES256")]))
    with pytest.raises(ResolutionError, match="is not did:web:localhost"):
        _resolver().resolve(server.did)


def test_unreachable_host_refused() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ResolutionError, match="cannot fetch") as info:
        _resolver().resolve(f"did:web:localhost%3A{port}")
    assert isinstance(info.value.__cause__, FetchError)


def test_missing_document_refused(server: DocumentServer) -> None:
    with pytest.raises(ResolutionError) as info:
        _resolver().resolve(server.did)
    assert isinstance(info.value.__cause__, FetchHTTPStatus)


def test_document_too_large_refused(server: DocumentServer) -> None:
    document = did_web_document(server.did, [Key.generate("ES256")])
    document["service"] = [{"id": "#pad", "type": "x", "serviceEndpoint": "a" * 30_000}]
    _publish(server, document)
    with pytest.raises(ResolutionError) as info:
        _resolver().resolve(server.did)
    assert isinstance(info.value.__cause__, FetchTooLarge)


def test_redirect_refused_and_not_followed(server: DocumentServer) -> None:
    server.documents[server.path] = (302, f"http://127.0.0.1:{server.port}/elsewhere/did.json")
    with pytest.raises(ResolutionError) as info:
        _resolver().resolve(server.did)
    assert isinstance(info.value.__cause__, FetchRedirect)
    assert server.hits == [server.path]


def test_http_did_web_refused_without_development_setting(server: DocumentServer) -> None:
    """Production fetcher: the loopback document is not even requested."""
    resolver = Resolver(Fetcher(FetchPolicy()), allow_http_loopback=True)
    with pytest.raises(ResolutionError) as info:
        resolver.resolve(server.did)
    assert isinstance(info.value.__cause__, FetchBlocked)
    assert server.hits == []


def test_malformed_json_document_refused(server: DocumentServer) -> None:
    server.documents[server.path] = b'{"id": "x", "id": "y"}'
    with pytest.raises(ResolutionError, match="malformed"):
        _resolver().resolve(server.did)


def test_private_jwk_in_document_refused(server: DocumentServer) -> None:
    key = Key.generate("ES256")
    document = did_web_document(server.did, [key])
    document["verificationMethod"][0]["publicKeyJwk"] = key.private_jwk()
    _publish(server, document)
    with pytest.raises(ResolutionError, match="private"):
        _resolver().resolve(server.did)


def test_method_of_another_did_in_document_refused(server: DocumentServer) -> None:
    document = did_web_document(server.did, [Key.generate("ES256")])
    document["verificationMethod"][0]["id"] = "did:web:attacker.example#k"
    _publish(server, document)
    with pytest.raises(ResolutionError, match="not in this document"):
        _resolver().resolve(server.did)


def test_duplicate_method_id_refused(server: DocumentServer) -> None:
    document = did_web_document(server.did, [Key.generate("ES256")])
    document["verificationMethod"].append(dict(document["verificationMethod"][0]))
    _publish(server, document)
    with pytest.raises(ResolutionError, match="appears twice"):
        _resolver().resolve(server.did)


def test_method_with_two_key_formats_refused(server: DocumentServer) -> None:
    document = did_web_document(server.did, [Key.generate("ES256")])
    document["verificationMethod"][0]["publicKeyMultibase"] = "z6Mk"
    _publish(server, document)
    with pytest.raises(ResolutionError, match="exactly one public key format"):
        _resolver().resolve(server.did)


def test_method_controlled_by_another_did_refused(server: DocumentServer) -> None:
    key = Key.generate("ES256")
    document = did_web_document(server.did, [key])
    document["verificationMethod"][0]["controller"] = "did:web:attacker.example"
    _publish(server, document)
    with pytest.raises(HeaderKeyRefused, match="controlled by did:web:attacker.example"):
        resolve_verification_key(f"{server.did}#{key.thumbprint()}", _resolver(), server.did)


def test_did_web_without_a_fetcher_is_unsupported() -> None:
    with pytest.raises(UnsupportedDIDMethod, match="needs a fetcher"):
        Resolver().resolve("did:web:example.com")


def test_did_web_resolver_uses_only_the_injected_fetch() -> None:
    asked: list[str] = []

    @dataclass
    class Answer:
        body: bytes

    key = Key.generate("ES256")
    did = "did:web:issuer.example.com"

    def fetch(url: str) -> Answer:
        asked.append(url)
        return Answer(json.dumps(did_web_document(did, [key])).encode())

    document = DidWebResolver(fetch).resolve(did)
    assert asked == ["https://issuer.example.com/.well-known/did.json"]
    assert document.methods_for("authentication")[0].key == key
