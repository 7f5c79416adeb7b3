"""Client Identifier Prefixes (OpenID4VP 1.0 §5.9) and the Response URI they allow.

``<client_id_prefix>:<orig_client_id>``: the prefix is the text before the first
colon (§5.9.1). ``ssi`` supports ``redirect_uri``, ``x509_san_dns``,
``x509_hash`` and ``decentralized_identifier``; the other prefixes the spec
defines are refused, and so are pre-registered clients (no colon, or an
unknown prefix, §5.9.2), because a wallet built on ``ssi`` has no registry.

The full prefixed value is the client's identity everywhere, in particular the
KB-JWT ``aud`` (§14.9 "Always Use the Full Client Identifier").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from ..encoding import b64url_decode
from ..errors import InvalidClientIdentifier, MalformedInput
from . import spec

__all__ = ["ClientIdentifier", "check_response_uri", "response_uri_host"]

_DNS_NAME = re.compile(
    r"(?=.{1,253}\Z)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)"
    r"(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*"
)
_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-]")


def _http_url(value: str, what: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InvalidClientIdentifier(f"{what} must be an absolute http(s) URL")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise InvalidClientIdentifier(f"{what} must have no user information and no fragment")


def response_uri_host(response_uri: str) -> str:
    """The host of an absolute http(s) ``response_uri``, lower-cased."""
    _http_url(response_uri, "response_uri")
    host = urlsplit(response_uri).hostname
    assert host is not None
    return host.lower()


@dataclass(frozen=True, slots=True)
class ClientIdentifier:
    """A parsed ``client_id``: ``raw`` is the full value, used as KB-JWT ``aud``."""

    raw: str
    prefix: str
    value: str

    def __str__(self) -> str:
        return self.raw

    @property
    def requires_signed_request(self) -> bool:
        """§5.9.3: every supported prefix but ``redirect_uri`` needs a signed request."""
        return self.prefix != spec.PREFIX_REDIRECT_URI

    @classmethod
    def parse(cls, raw: object) -> ClientIdentifier:
        """§5.9.1: split at the first colon and check the value against its prefix."""
        if not isinstance(raw, str) or not raw:
            raise InvalidClientIdentifier("client_id must be a non-empty string")
        prefix, colon, value = raw.partition(":")
        if not colon or prefix not in spec.KNOWN_CLIENT_ID_PREFIXES:
            raise InvalidClientIdentifier("pre-registered clients are not supported (§5.9.2)")
        if prefix not in spec.SUPPORTED_CLIENT_ID_PREFIXES:
            raise InvalidClientIdentifier(f"client identifier prefix {prefix!r} is not supported")
        if prefix == spec.PREFIX_REDIRECT_URI:
            _http_url(value, "a redirect_uri client identifier")
        elif prefix == spec.PREFIX_X509_SAN_DNS:
            if _DNS_NAME.fullmatch(value) is None:
                raise InvalidClientIdentifier("an x509_san_dns client identifier is a DNS name")
        elif prefix == spec.PREFIX_X509_HASH:
            try:
                digest = b64url_decode(value, "x509_hash client identifier")
            except MalformedInput as exc:
                raise InvalidClientIdentifier(str(exc)) from exc
            if len(digest) != 32:
                raise InvalidClientIdentifier("an x509_hash is a base64url SHA-256 (32 bytes)")
        elif _DID.fullmatch(value) is None:
            raise InvalidClientIdentifier("a decentralized_identifier client identifier is a DID")
        return cls(raw, prefix, value)


def _did_web_host(did: str) -> str | None:
    """The host (with port) a ``did:web`` names, else ``None``."""
    if not did.startswith("did:web:"):
        return None
    return unquote(did[len("did:web:") :].split(":", 1)[0]).lower()


def check_response_uri(
    client: ClientIdentifier, response_uri: str, leaf_dns_names: tuple[str, ...] = ()
) -> None:
    """Refuse a ``response_uri`` its client identifier does not vouch for (§5.9.3, §14.3.1).

    * ``redirect_uri``: the response URI is the client identifier's value, exactly;
    * ``x509_san_dns``: its host is the DNS name (we never trust a client to
      "freely choose" it);
    * ``x509_hash``: its host is a dNSName of the leaf certificate (HAIP 1.0 §5
      lets an ecosystem require this; we do);
    * ``decentralized_identifier``: for ``did:web`` its host (and port) is the
      DID's; other DID methods name no host.
    """
    host = response_uri_host(response_uri)
    parts = urlsplit(response_uri)
    if client.prefix == spec.PREFIX_REDIRECT_URI:
        if response_uri != client.value:
            raise InvalidClientIdentifier("response_uri must equal the redirect_uri client id")
    elif client.prefix == spec.PREFIX_X509_SAN_DNS:
        if host != client.value.lower():
            raise InvalidClientIdentifier(
                f"response_uri host {host!r} is not the client's DNS name {client.value!r}"
            )
    elif client.prefix == spec.PREFIX_X509_HASH:
        if host not in {name.lower() for name in leaf_dns_names}:
            raise InvalidClientIdentifier(
                f"response_uri host {host!r} is not a DNS name of the client's certificate"
            )
    else:
        did_host = _did_web_host(client.value)
        if did_host is not None and did_host != (parts.netloc.lower()):
            raise InvalidClientIdentifier(
                f"response_uri host {parts.netloc!r} is not the host of {client.value!r}"
            )
