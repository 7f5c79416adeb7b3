"""did:web (W3C CCG did-method-web, "did:web Method Specification").

``did:web:example.com%3A8443:issuers:kyc`` names the document at
``https://example.com:8443/issuers/kyc/did.json``; with no path, at
``https://example.com/.well-known/did.json`` (§3.2 "Read (Resolve)", steps
1-6). The document is fetched only through the injected guarded fetcher
(ARCHITECTURE.md "Rules that hold everywhere"), and its ``id`` must equal the
DID (§3.2 step 7, DID Core §5.1.1). The spec forbids IP addresses in the
method-specific id (§3.1); plain HTTP is used only for a loopback host when
the development setting allows it (then ``localhost`` or 127.0.0.1 may name
the host).

Path segments are restricted to ``[A-Za-z0-9._-]`` (no percent-encoding, no
``.``/``..``), so a DID maps to exactly one URL and cannot climb the path.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..encoding import json_loads_object
from ..errors import FetchError, MalformedInput, ResolutionError
from ..jose import Key
from .document import DID_CONTEXT, DIDDocument, VerificationMethod, jwk_method, parse_document

__all__ = [
    "DidWebResolver",
    "did_web_document",
    "did_web_from_url",
    "did_web_url",
]

PREFIX = "did:web:"
_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
_PORT = re.compile(r"[1-9][0-9]{0,4}")


class _HasBody(Protocol):
    @property
    def body(self) -> bytes: ...


FetchCallable = Callable[[str], _HasBody]
"""``fetch(url) -> response`` with ``.body``: a :class:`ssi.fetch.Fetcher` fits."""


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _split(did: str) -> tuple[str, int | None, list[str]]:
    """(host, port, path segments) of a did:web; refuses anything malformed."""
    if not did.startswith(PREFIX):
        raise ResolutionError(f"{did!r} is not a did:web")
    host_part, *segments = did[len(PREFIX) :].split(":")
    host, port = host_part, None
    match = re.fullmatch(r"(.+)%3[aA](.*)", host_part)
    if match is not None:
        host, port_text = match.groups()
        if _PORT.fullmatch(port_text) is None or int(port_text) > 65535:
            raise ResolutionError(f"did:web port {port_text!r} is not a port number")
        port = int(port_text)
    if _HOST.fullmatch(host) is None:
        raise ResolutionError(f"did:web host {host!r} is not a domain name")
    for segment in segments:
        if _SEGMENT.fullmatch(segment) is None or segment in (".", ".."):
            raise ResolutionError(f"did:web path segment {segment!r} is not allowed")
    return host, port, segments


def did_web_url(did: str, *, allow_http_loopback: bool = False) -> str:
    """The URL of the DID document (did:web §3.2 steps 1-6)."""
    host, port, segments = _split(did)
    loopback = _is_loopback(host)
    if _is_ip(host) and not (loopback and allow_http_loopback):
        raise ResolutionError("a did:web must not name an IP address (did:web §3.1)")
    scheme = "http" if loopback and allow_http_loopback else "https"
    authority = host if port is None else f"{host}:{port}"
    path = "/".join(segments) if segments else ".well-known"
    return f"{scheme}://{authority}/{path}/did.json"


def did_web_from_url(url: str) -> str:
    """The did:web of a base URL: ``https://host:port/a/b`` -> ``did:web:host%3Aport:a:b``."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or parts.query or parts.fragment:
        raise MalformedInput("a did:web base URL is https://host[:port][/path]")
    if parts.username is not None or parts.password is not None or not parts.hostname:
        raise MalformedInput("a did:web base URL has a host and no user info")
    try:
        port = parts.port
    except ValueError as exc:
        raise MalformedInput(f"bad port in {url!r}") from exc
    host = parts.hostname
    if parts.scheme == "http" and not _is_loopback(host):
        raise MalformedInput("plain HTTP is only for a loopback did:web in development")
    segments = [s for s in parts.path.split("/") if s]
    did = PREFIX + host + ("" if port is None else f"%3A{port}")
    did += "".join(":" + s for s in segments)
    try:
        _split(did)
    except ResolutionError as exc:
        raise MalformedInput(str(exc)) from exc
    return did


def _jwk_method(did: str, key: Key) -> VerificationMethod:
    return jwk_method(f"{did}#{key.thumbprint()}", did, key.public_jwk())


def did_web_document(
    did: str, keys: Sequence[Key], *, key_agreement: Sequence[Key] = ()
) -> dict[str, Any]:
    """A did.json for ``did``: one ``JsonWebKey2020`` per key, fragment = its RFC 7638 thumbprint.

    ``keys`` go under ``assertionMethod`` and ``authentication``; ``key_agreement``
    keys under ``keyAgreement``. Private parts are never written.
    """
    _split(did)
    methods = {k.thumbprint(): _jwk_method(did, k) for k in keys}
    agreement = {k.thumbprint(): _jwk_method(did, k) for k in key_agreement}
    all_methods = {**methods, **agreement}
    signing_ids = tuple(m.id for m in methods.values())
    relationships = {
        "assertionMethod": signing_ids,
        "authentication": signing_ids,
        "keyAgreement": tuple(m.id for m in agreement.values()),
    }
    context = (DID_CONTEXT, "https://w3id.org/security/suites/jws-2020/v1")
    return DIDDocument(did, tuple(all_methods.values()), relationships, context).to_json()


class DidWebResolver:
    """Resolve did:web through an injected guarded ``fetch`` (never on its own)."""

    def __init__(self, fetch: FetchCallable, *, allow_http_loopback: bool = False) -> None:
        self._fetch = fetch
        self._allow_http_loopback = allow_http_loopback

    def resolve(self, did: str) -> DIDDocument:
        url = did_web_url(did, allow_http_loopback=self._allow_http_loopback)
        try:
            response = self._fetch(url)
            data = json_loads_object(response.body, f"DID document of {did}")
        except FetchError as exc:
            raise ResolutionError(f"cannot fetch the DID document of {did}: {exc}") from exc
        except MalformedInput as exc:
            raise ResolutionError(f"the DID document of {did} is malformed: {exc}") from exc
        return parse_document(data, did)
