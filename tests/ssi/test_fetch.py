"""The guarded fetcher against real servers on 127.0.0.1 (SECURITY.md "SSRF").

Each refusal is its own test asserting the specific error. Nothing here
connects beyond loopback: requests to other addresses must be refused before
any connection, which the ``no_connect`` fixture enforces.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from ssi.errors import (
    DuplicateMember,
    FetchBlocked,
    FetchError,
    FetchHTTPStatus,
    FetchRedirect,
    FetchTimeout,
    FetchTooLarge,
    SSIError,
)
from ssi.fetch import Fetcher, FetchPolicy, address_refusal, check_url

DEV = FetchPolicy(allow_http_loopback=True, timeout=2.0, max_bytes=1000)
Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class LoopbackServer:
    """An HTTP server on 127.0.0.1 that records every request it receives."""

    port: int
    routes: dict[str, Route]
    hits: list[tuple[str, str, dict[str, str], bytes]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str, host: str = "127.0.0.1", scheme: str = "http") -> str:
        return f"{scheme}://{host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [hit[1] for hit in self.hits]


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    if "Content_Length" not in headers:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _serve(
    routes: dict[str, Route], context: ssl.SSLContext | None = None
) -> Iterator[LoopbackServer]:
    state: dict[str, LoopbackServer] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length) if length else b""
            server = state["server"]
            server.hits.append((self.command, self.path, dict(self.headers.items()), body))
            route = server.routes.get(self.path.split("?")[0])
            if route is None:
                _send(self, 404, b"not found")
            else:
                route(self)

        do_GET = do_POST = _handle

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    if context is not None:
        httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    server = LoopbackServer(httpd.server_address[1], routes)
    state["server"] = server
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        httpd.shutdown()
        httpd.server_close()


def _routes(server_ref: dict[str, LoopbackServer]) -> dict[str, Route]:
    def ok_json(h: BaseHTTPRequestHandler) -> None:
        _send(h, 200, b'{"ok": true, "n": 1}', Content_Type="application/json")

    def redirect(h: BaseHTTPRequestHandler) -> None:
        target = server_ref["s"].url("/target")
        _send(h, 302, b"", Location=target)

    def big_length(h: BaseHTTPRequestHandler) -> None:
        _send(h, 200, b"x" * 5000)

    def big_chunked(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        for _ in range(10):
            h.wfile.write(b"200\r\n" + b"y" * 0x200 + b"\r\n")
        h.wfile.write(b"0\r\n\r\n")

    def big_unannounced(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(b"z" * 5000)
        h.close_connection = True

    def closing(h: BaseHTTPRequestHandler) -> None:
        """Like werkzeug: ``Connection: close`` and a body in several writes."""
        h.send_response(200)
        h.send_header("Connection", "close")
        h.send_header("Content-Length", "900")
        h.end_headers()
        h.wfile.flush()
        for _ in range(9):
            h.wfile.write(b"c" * 100)
            h.wfile.flush()
        h.close_connection = True

    def truncated(h: BaseHTTPRequestHandler) -> None:
        """A server killed mid-answer: the headers, then part of the body, then EOF."""
        h.send_response(200)
        h.send_header("Content-Length", "900")
        h.end_headers()
        h.wfile.write(b"t" * 100)
        h.wfile.flush()
        h.close_connection = True

    def exactly_limit(h: BaseHTTPRequestHandler) -> None:
        _send(h, 200, b"a" * 1000)

    def slow(h: BaseHTTPRequestHandler) -> None:
        server_ref["s"].release.wait(10)
        _send(h, 200, b"late")

    def dribble(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        while not server_ref["s"].release.wait(0.05):  # a byte every 50 ms, until teardown
            h.wfile.write(b"d")
            h.wfile.flush()

    def echo(h: BaseHTTPRequestHandler) -> None:
        _, _, headers, body = server_ref["s"].hits[-1]
        answer = {"content_type": headers.get("Content-Type"), "body": body.decode()}
        _send(h, 200, json.dumps(answer).encode(), Content_Type="application/json")

    def oauth_error(h: BaseHTTPRequestHandler) -> None:
        _send(h, 400, b'{"error":"invalid_request"}', Content_Type="application/json")

    def duplicate(h: BaseHTTPRequestHandler) -> None:
        _send(h, 200, b'{"a": 1, "a": 2}', Content_Type="application/json")

    return {
        "/json": ok_json,
        "/redirect": redirect,
        "/target": ok_json,
        "/big-length": big_length,
        "/big-chunked": big_chunked,
        "/big-unannounced": big_unannounced,
        "/exactly-limit": exactly_limit,
        "/closing": closing,
        "/truncated": truncated,
        "/slow": slow,
        "/dribble": dribble,
        "/echo": echo,
        "/status/500": lambda h: _send(h, 500, b"boom"),
        "/oauth-error": oauth_error,
        "/duplicate": duplicate,
    }


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    ref: dict[str, LoopbackServer] = {}
    for s in _serve(_routes(ref)):
        ref["s"] = s
        yield s


@pytest.fixture
def no_connect(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if anything opens a TCP connection."""

    def refuse(*args: object, **kwargs: object) -> socket.socket:
        raise AssertionError(f"a connection was attempted: {args}")

    monkeypatch.setattr(socket, "create_connection", refuse)


def _resolver(*addresses: str) -> Callable[[str, int], list[str]]:
    return lambda host, port: list(addresses)


# --- what works ---------------------------------------------------------------------


def test_get_json_from_loopback_in_development(server: LoopbackServer) -> None:
    response = Fetcher(DEV).get(server.url("/json"), accept="application/json")
    assert response.status == 200
    assert response.json() == {"ok": True, "n": 1}
    assert response.content_type == "application/json"
    assert response.text() == '{"ok": true, "n": 1}'
    method, path, headers, _ = server.hits[0]
    assert (method, path, headers["Accept"]) == ("GET", "/json", "application/json")
    assert headers["Accept-Encoding"] == "identity"  # no gzip: no decompression bomb


def test_fetcher_is_a_fetch_callable(server: LoopbackServer) -> None:
    fetch: Callable[[str], object] = Fetcher(DEV)
    assert fetch(server.url("/json")).json()["ok"] is True  # type: ignore[attr-defined]


def test_body_after_connection_close_header_is_read(server: LoopbackServer) -> None:
    """http.client closes its connection on ``Connection: close``; the body is still ours."""
    assert Fetcher(DEV).get(server.url("/closing")).body == b"c" * 900


def test_body_cut_short_of_its_content_length_is_a_fetch_error(server: LoopbackServer) -> None:
    """http.client's ``read(n)`` returns ``b""`` at a premature EOF; the fetcher
    must not take the first 100 bytes for the whole answer."""
    with pytest.raises(FetchError, match="100 of the 900 bytes"):
        Fetcher(DEV).get(server.url("/truncated"))


def test_body_of_exactly_max_bytes_is_accepted(server: LoopbackServer) -> None:
    assert Fetcher(DEV).get(server.url("/exactly-limit")).body == b"a" * 1000


def test_post_form_arrives_intact(server: LoopbackServer) -> None:
    form = {"vp_token": "eyJ.a.b~c~", "state": "s t&u=v", "ünï": "cödé"}
    answer = Fetcher(DEV).post(server.url("/echo"), data=form).json()
    assert answer["content_type"] == "application/x-www-form-urlencoded"
    from urllib.parse import parse_qs

    assert {k: v[0] for k, v in parse_qs(answer["body"], strict_parsing=True).items()} == form


def test_post_json_arrives_intact(server: LoopbackServer) -> None:
    payload = {"proofs": {"jwt": ["a.b.c"]}, "n": [1, 2.5, None], "name": "Zoë"}
    answer = Fetcher(DEV).post(server.url("/echo"), json=payload).json()
    assert answer["content_type"] == "application/json"
    assert json.loads(answer["body"]) == payload


def test_post_raw_bytes_with_caller_content_type(server: LoopbackServer) -> None:
    answer = (
        Fetcher(DEV)
        .post(server.url("/echo"), data=b"a.b.c", headers={"Content-Type": "application/jwt"})
        .json()
    )
    assert answer == {"content_type": "application/jwt", "body": "a.b.c"}


def test_error_body_returned_when_raise_for_status_is_off(server: LoopbackServer) -> None:
    response = Fetcher(DEV).post(server.url("/oauth-error"), data={}, raise_for_status=False)
    assert response.status == 400
    assert response.json() == {"error": "invalid_request"}


def test_connects_to_the_checked_address_and_keeps_the_host_name(server: LoopbackServer) -> None:
    """DNS rebinding: one lookup, the connection goes to the checked IP, Host stays the name."""
    lookups: list[str] = []

    def resolve(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    Fetcher(DEV, resolve=resolve).get(server.url("/json", host="issuer.localhost"))
    assert lookups == ["issuer.localhost"]
    assert server.hits[0][2]["Host"] == f"issuer.localhost:{server.port}"


def test_response_json_refuses_duplicate_members(server: LoopbackServer) -> None:
    with pytest.raises(DuplicateMember):
        Fetcher(DEV).get(server.url("/duplicate")).json()


# --- redirects, size, time, status ---------------------------------------------------


def test_redirect_is_refused_and_not_followed(server: LoopbackServer) -> None:
    with pytest.raises(FetchRedirect, match="not followed"):
        Fetcher(DEV).get(server.url("/redirect"))
    assert server.paths() == ["/redirect"]  # the target recorded no hit


def test_oversize_body_refused_by_content_length(server: LoopbackServer) -> None:
    with pytest.raises(FetchTooLarge, match="announces 5000 bytes"):
        Fetcher(DEV).get(server.url("/big-length"))


def test_oversize_chunked_body_refused_while_streaming(server: LoopbackServer) -> None:
    with pytest.raises(FetchTooLarge, match="more than 1000 bytes"):
        Fetcher(DEV).get(server.url("/big-chunked"))


def test_oversize_body_without_length_refused_while_streaming(server: LoopbackServer) -> None:
    with pytest.raises(FetchTooLarge, match="more than 1000 bytes"):
        Fetcher(DEV).get(server.url("/big-unannounced"))


def test_slow_server_times_out(server: LoopbackServer) -> None:
    policy = FetchPolicy(allow_http_loopback=True, timeout=0.5)
    with pytest.raises(FetchTimeout):
        Fetcher(policy).get(server.url("/slow"))


def test_dribbling_body_hits_the_total_deadline(server: LoopbackServer) -> None:
    """A byte every 50 ms never trips a per-read timeout; the total deadline still holds."""
    policy = FetchPolicy(allow_http_loopback=True, timeout=0.5)
    with pytest.raises(FetchTimeout):
        Fetcher(policy).get(server.url("/dribble"))


def test_not_found_raises_http_status(server: LoopbackServer) -> None:
    with pytest.raises(FetchHTTPStatus) as info:
        Fetcher(DEV).get(server.url("/missing"))
    assert info.value.http_status == 404


def test_server_error_raises_http_status(server: LoopbackServer) -> None:
    with pytest.raises(FetchHTTPStatus) as info:
        Fetcher(DEV).get(server.url("/status/500"))
    assert info.value.http_status == 500
    assert info.value.status == 502  # what our own endpoint answers: a bad gateway


def test_connection_refused_is_a_fetch_error() -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="cannot connect"):
        Fetcher(DEV).get(f"http://127.0.0.1:{port}/")


def test_unresolvable_host_is_a_fetch_error() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    with pytest.raises(FetchError, match="cannot resolve host"):
        Fetcher(resolve=fail).get("https://no-such-host.invalid/")


# --- refused before any connection ----------------------------------------------------


def test_http_to_loopback_refused_without_development_setting(
    server: LoopbackServer, no_connect: None
) -> None:
    with pytest.raises(FetchBlocked, match="plain HTTP"):
        Fetcher().get(server.url("/json"))


def test_https_to_loopback_refused_without_development_setting(no_connect: None) -> None:
    with pytest.raises(FetchBlocked, match="loopback"):
        Fetcher().get("https://127.0.0.1:8443/")


def test_http_to_non_loopback_host_refused_even_in_development(no_connect: None) -> None:
    with pytest.raises(FetchBlocked, match="plain HTTP"):
        Fetcher(DEV).get("http://example.com/")


def test_http_to_name_resolving_to_public_address_refused_in_development(
    no_connect: None,
) -> None:
    with pytest.raises(FetchBlocked, match="not loopback"):
        Fetcher(DEV, resolve=_resolver("93.184.215.14")).get("http://evil.localhost/")


@pytest.mark.parametrize(
    "url",
    [
        "http://10.1.2.3/",
        "https://10.1.2.3/",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/",
        "https://192.168.0.1/",
        "https://[fd00::1]/",
        "https://[fe80::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://[::ffff:169.254.169.254]/",
        "https://0.0.0.0/",
    ],
)
def test_literal_private_addresses_refused_before_connecting(url: str, no_connect: None) -> None:
    with pytest.raises(FetchBlocked):
        Fetcher(DEV).get(url)


def test_name_resolving_to_a_private_address_refused(no_connect: None) -> None:
    fetcher = Fetcher(resolve=_resolver("10.0.0.5"))
    with pytest.raises(FetchBlocked, match="resolves to 10.0.0.5, which is private"):
        fetcher.get("https://internal.example/")


def test_every_resolved_address_is_checked_not_just_the_first(no_connect: None) -> None:
    fetcher = Fetcher(resolve=_resolver("93.184.215.14", "169.254.169.254"))
    with pytest.raises(FetchBlocked, match="169.254.169.254, which is link-local"):
        fetcher.get("https://mixed.example/")


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/", "//x.com/"]
)
def test_other_schemes_refused(url: str, no_connect: None) -> None:
    with pytest.raises(FetchBlocked, match="scheme"):
        Fetcher(DEV).get(url)


@pytest.mark.parametrize(
    "url", ["https://user:pass@example.com/", "https://user@example.com/", "http://a@127.0.0.1/"]
)
def test_user_info_refused(url: str, no_connect: None) -> None:
    with pytest.raises(FetchBlocked, match="user info"):
        Fetcher(DEV).get(url)


@pytest.mark.parametrize(
    "url", ["https://example.com/a b", "https://example.com/\r\nX: y", "https://exämple.com/"]
)
def test_control_and_non_ascii_characters_refused(url: str) -> None:
    with pytest.raises(FetchBlocked, match="control or non-ASCII"):
        check_url(url, allow_http_loopback=True)


@pytest.mark.parametrize("name", ["Host", "content-length", "Transfer-Encoding", "Accept-Encoding"])
def test_caller_cannot_set_framing_headers(name: str, no_connect: None) -> None:
    with pytest.raises(FetchBlocked, match="set by the fetcher"):
        Fetcher(DEV).get("http://127.0.0.1:9/", headers={name: "x"})


def test_bad_port_refused() -> None:
    with pytest.raises(FetchBlocked, match="port"):
        check_url("https://example.com:99999/", allow_http_loopback=False)


# --- address classification -----------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "shared address space (CGNAT)"),
        ("100.127.255.254", "shared address space (CGNAT)"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("fc00::1", "unique local (ULA)"),
        ("fd12:3456::1", "unique local (ULA)"),
        ("fec0::1", "site-local"),
        ("::ffff:10.0.0.1", "embeds 10.0.0.1, private"),
        ("::ffff:127.0.0.1", "embeds 127.0.0.1, loopback"),
        ("64:ff9b::a9fe:a9fe", "embeds 169.254.169.254, link-local"),
        ("2002:a00:1::", "embeds 10.0.0.1, private"),
        ("192.0.2.1", "private"),  # TEST-NET-1 documentation range
        ("not an ip", "not an IP address"),
    ],
)
def test_address_classification_refuses(address: str, reason: str) -> None:
    assert address_refusal(address) == reason


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "8.8.8.8", "2606:4700::1111", "::ffff:1.1.1.1"]
)
def test_address_classification_allows_public_unicast(address: str) -> None:
    assert address_refusal(address) is None
    assert address_refusal(ipaddress.ip_address(address)) is None


def test_every_fetch_error_is_an_ssi_error() -> None:
    for kind in (FetchBlocked, FetchRedirect, FetchTooLarge, FetchTimeout, FetchHTTPStatus):
        assert issubclass(kind, FetchError) and issubclass(kind, SSIError)


# --- HTTPS with a test CA ----------------------------------------------------------------


@dataclass
class LoopbackPKI:
    ca_file: str
    server_context: ssl.SSLContext


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    signer: ec.EllipticCurvePrivateKey,
    ca: bool,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> LoopbackPKI:
    folder: Path = tmp_path_factory.mktemp("pki")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kyc-wallet test CA")])
    ca_cert = _certificate("kyc-wallet test CA", ca_key, ca_name, ca_key, ca=True)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = _certificate("localhost", leaf_key, ca_name, ca_key, ca=False)
    (folder / "ca.pem").write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (folder / "leaf.pem").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (folder / "leaf.key").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(folder / "leaf.pem", folder / "leaf.key")
    return LoopbackPKI(str(folder / "ca.pem"), context)


@pytest.fixture
def tls_server(pki: LoopbackPKI) -> Iterator[LoopbackServer]:
    ref: dict[str, LoopbackServer] = {}
    for s in _serve(_routes(ref), pki.server_context):
        ref["s"] = s
        yield s


def test_https_to_loopback_with_test_ca_in_development(
    tls_server: LoopbackServer, pki: LoopbackPKI
) -> None:
    policy = FetchPolicy(allow_http_loopback=True, extra_ca_file=pki.ca_file)
    response = Fetcher(policy).get(tls_server.url("/json", host="localhost", scheme="https"))
    assert response.json() == {"ok": True, "n": 1}
    assert tls_server.hits[0][2]["Host"] == f"localhost:{tls_server.port}"


def test_https_certificate_from_unknown_ca_refused(tls_server: LoopbackServer) -> None:
    with pytest.raises(FetchError, match="certificate"):
        Fetcher(DEV).get(tls_server.url("/json", host="localhost", scheme="https"))
    assert tls_server.hits == []


def test_https_certificate_for_another_name_refused(
    tls_server: LoopbackServer, pki: LoopbackPKI
) -> None:
    """The certificate is checked against the URL's name even though we connect by IP."""
    policy = FetchPolicy(allow_http_loopback=True, extra_ca_file=pki.ca_file)
    fetcher = Fetcher(policy, resolve=_resolver("127.0.0.1"))
    with pytest.raises(FetchError, match="certificate"):
        fetcher.get(tls_server.url("/json", host="other.localhost", scheme="https"))
    assert tls_server.hits == []


# --- any input: a Target or FetchBlocked, nothing else -----------------------------------

_URLS = st.one_of(
    st.text(max_size=120),
    st.builds(lambda a, b: f"https://{a}/{b}", st.text(max_size=40), st.text(max_size=40)),
    st.builds(lambda a: f"http://[{a}]:80/", st.text(max_size=40)),
    st.builds(lambda a: f"https://example.com:{a}/", st.text(max_size=10)),
)


@given(_URLS)
def test_check_url_returns_a_target_or_refuses(url: str) -> None:
    try:
        target = check_url(url, allow_http_loopback=True)
    except FetchBlocked:
        return
    assert target.scheme in ("https", "http")
    assert target.host and 0 < target.port < 65536
    assert target.path.startswith("/")


@given(st.text(max_size=60))
def test_address_refusal_never_raises(text: str) -> None:
    assert address_refusal(text) is None or isinstance(address_refusal(text), str)
