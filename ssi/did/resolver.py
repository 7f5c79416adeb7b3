"""One resolver for the DID methods we support, and key lookup for a JWS ``kid``.

:class:`Resolver` dispatches on the method name (DID Core 1.0 §3.1 syntax):
did:key, did:jwk and did:pkh are computed offline; did:web is fetched only
when a guarded fetcher was injected. Verifiers take any :class:`DIDResolver`
as a parameter.

:func:`resolve_verification_key` turns a ``kid`` (a DID URL, DID Core §3.2)
into a :class:`~ssi.jose.Key`, refusing a ``kid`` of another DID than the
expected issuer's (SECURITY.md "a kid naming another DID's key"), a method
controlled by someone else, and a method not authorized for the requested
verification relationship (DID Core §5.3: a key in ``keyAgreement`` only must
not sign credentials).
"""

from __future__ import annotations

import re
from typing import Protocol

from ..errors import HeaderKeyRefused, ResolutionError, UnsupportedDIDMethod
from ..jose import Key
from .document import RELATIONSHIPS, DIDDocument
from .jwk import resolve_did_jwk
from .key import resolve_did_key
from .pkh import resolve_did_pkh
from .web import DidWebResolver, FetchCallable

__all__ = ["DIDResolver", "Resolver", "parse_did_url", "resolve_verification_key"]

MAX_DID_LENGTH = 8192
_DID = re.compile(r"did:([a-z0-9]+):((?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2}|:)+)")
_FRAGMENT = re.compile(r"[A-Za-z0-9._~!$&'()*+,;=:@/?%-]+")  # RFC 3986 §3.5


class DIDResolver(Protocol):
    """Anything that turns a DID into its document, or raises :class:`ResolutionError`."""

    def resolve(self, did: str) -> DIDDocument: ...


def parse_did_url(did_url: str) -> tuple[str, str | None]:
    """Split ``did:method:id#fragment`` into (DID, fragment); paths and queries are refused."""
    if not isinstance(did_url, str) or len(did_url) > MAX_DID_LENGTH:
        raise ResolutionError("a DID URL must be a string of reasonable length")
    did, sep, fragment = did_url.partition("#")
    if _DID.fullmatch(did) is None or did.endswith(":"):
        raise ResolutionError(f"{did_url[:80]!r} is not a DID (DID Core §3.1)")
    if sep and _FRAGMENT.fullmatch(fragment) is None:
        raise ResolutionError(f"{did_url[:80]!r} has an empty or malformed fragment")
    return did, (fragment if sep else None)


class Resolver:
    """did:key, did:jwk, did:pkh offline; did:web through ``fetch`` when given."""

    def __init__(
        self,
        fetch: FetchCallable | None = None,
        *,
        allow_http_loopback: bool = False,
        enable_encryption_key_derivation: bool = False,
    ) -> None:
        self._web = (
            DidWebResolver(fetch, allow_http_loopback=allow_http_loopback) if fetch else None
        )
        self._derive = enable_encryption_key_derivation

    def resolve(self, did: str) -> DIDDocument:
        did_only, fragment = parse_did_url(did)
        if fragment is not None:
            raise ResolutionError("resolve() takes a DID, not a DID URL with a fragment")
        method = did_only.split(":")[1]
        if method == "key":
            return resolve_did_key(did_only, enable_encryption_key_derivation=self._derive)
        if method == "jwk":
            return resolve_did_jwk(did_only)
        if method == "pkh":
            return resolve_did_pkh(did_only)
        if method == "web":
            if self._web is None:
                raise UnsupportedDIDMethod("did:web needs a fetcher, and none was configured")
            return self._web.resolve(did_only)
        raise UnsupportedDIDMethod(f"DID method {method!r} is not supported")

    def resolve_key(
        self, kid: str, expected_did: str, relationship: str = "assertionMethod"
    ) -> Key:
        """:func:`resolve_verification_key` with this resolver: a ``(kid, expected_did) -> Key``."""
        return resolve_verification_key(kid, self, expected_did, relationship)


def resolve_verification_key(
    kid: str,
    resolver: DIDResolver,
    expected_controller: str | None = None,
    relationship: str = "assertionMethod",
) -> Key:
    """The signing key a ``kid`` names, checked against the expected DID and relationship.

    ``kid`` is ``did:…#fragment``, a bare DID whose document has exactly one
    method for ``relationship``, or ``#fragment`` relative to
    ``expected_controller``. Raises :class:`HeaderKeyRefused` when the ``kid``
    names another DID than ``expected_controller`` or a method not listed
    under ``relationship``, and :class:`ResolutionError` when it cannot be resolved.
    """
    if relationship not in RELATIONSHIPS or relationship == "keyAgreement":
        raise ValueError(f"{relationship!r} is not a signing verification relationship")
    if isinstance(kid, str) and kid.startswith("#") and expected_controller is not None:
        kid = expected_controller + kid
    did, fragment = parse_did_url(kid)
    if expected_controller is not None and did != expected_controller:
        raise HeaderKeyRefused(f"kid names a key of {did[:80]}, not of {expected_controller}")
    document = resolver.resolve(did)
    if document.id != did:
        raise ResolutionError(f"the resolver returned the document of {document.id}, not {did}")
    if fragment is None:
        candidates = document.methods_for(relationship)
        if len(candidates) != 1:
            raise ResolutionError(f"{did} has {len(candidates)} {relationship} keys: name one")
        method = candidates[0]
    else:
        method = document.method(f"{did}#{fragment}")
        if not document.has_relationship(method.id, relationship):
            raise HeaderKeyRefused(f"{method.id} is not an {relationship} method of {did}")
    if method.controller != did:
        raise HeaderKeyRefused(f"{method.id} is controlled by {method.controller}, not {did}")
    if method.key is None:
        raise ResolutionError(f"{method.id} is not a signing key we support")
    return method.key
