"""Issuer verification key discovery and validation (SD-JWT VC §2.5, §4).

:class:`IssuerTrust` is the Verifier's configuration: which ``iss`` values are
trusted at all (the trust list), and the mechanisms it may use, each injected:

* keys pinned in the trust list itself (``jwks``: ``iss`` -> JWK Set);
* JWT VC Issuer Metadata (§4): ``https://host/.well-known/jwt-vc-issuer/path``
  fetched with the caller's ``fetch_json(url)`` (the guarded fetcher);
  ``issuer`` must equal ``iss``; ``jwks`` or ``jwks_uri``, not both; the key
  is chosen by the header ``kid`` (or is the only key);
* a DID (``iss`` is a DID, the header ``kid`` a DID URL of that DID): the
  caller's ``resolve_did_key(kid, expected_did) -> Key``;
* an ``x5c`` header chain verified to configured roots (:mod:`ssi.x509`); the
  leaf must name ``iss`` in its subjectAltName (URI, or the host as dNSName).

Nothing here fetches or reads the clock by itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cryptography import x509

from ..errors import MalformedInput, ResolutionError, SSIError, UntrustedIssuer
from ..jose import Key
from ..sdjwt import IssuerKeyResolver
from ..x509 import verify_x5c
from .spec import WELL_KNOWN_JWT_VC_ISSUER

__all__ = ["FetchJSON", "ResolveDIDKey", "IssuerTrust", "metadata_url", "key_from_metadata"]

FetchJSON = Callable[[str], Any]
"""``fetch_json(url)`` -> the parsed JSON body (through ``ssi.fetch``'s guarded fetcher)."""

ResolveDIDKey = Callable[[str, str], Key]
"""``resolve_did_key(kid, expected_did)`` -> the key of that verification method."""


@lru_cache(maxsize=256)
def metadata_url(iss: str, *, allow_http: bool = False) -> str:
    """SD-JWT VC §4: insert ``/.well-known/jwt-vc-issuer`` between host and path of ``iss``
    (cached: a pure function of ``iss``, asked on every presentation)."""
    parts = urlsplit(iss)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.netloc:
        raise UntrustedIssuer(f"'iss' {iss!r} is not an https URL")
    if parts.query or parts.fragment or "?" in iss or "#" in iss:
        raise UntrustedIssuer("'iss' must not have a query or fragment")
    path = WELL_KNOWN_JWT_VC_ISSUER + parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _select_key(jwks: Any, kid: Any) -> Key:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not all(isinstance(k, dict) for k in keys):
        raise ResolutionError("the issuer's JWK Set is not an object with a 'keys' array")
    if kid is not None:
        matching = [k for k in keys if k.get("kid") == kid]
    else:
        matching = keys if len(keys) == 1 else []
    if len(matching) != 1:
        raise UntrustedIssuer(f"no single key with kid {kid!r} in the issuer's JWK Set")
    jwk = {k: v for k, v in matching[0].items() if k not in ("kid", "use", "key_ops")}
    return Key.from_jwk(jwk)


def key_from_metadata(
    iss: str, kid: Any, fetch_json: FetchJSON, *, allow_http: bool = False
) -> Key:
    """SD-JWT VC §4.2-§4.3: fetch and check the Issuer Metadata; the key for ``kid``."""
    metadata = fetch_json(metadata_url(iss, allow_http=allow_http))
    if not isinstance(metadata, dict):
        raise ResolutionError("JWT VC Issuer Metadata must be a JSON object")
    if metadata.get("issuer") != iss:
        raise UntrustedIssuer("the metadata 'issuer' is not identical to 'iss'")
    if ("jwks" in metadata) == ("jwks_uri" in metadata):
        raise ResolutionError("JWT VC Issuer Metadata must have exactly one of jwks, jwks_uri")
    if "jwks" in metadata:
        return _select_key(metadata["jwks"], kid)
    uri = metadata["jwks_uri"]
    if not isinstance(uri, str):
        raise ResolutionError("'jwks_uri' must be a string")
    scheme = urlsplit(uri).scheme
    if scheme != "https" and not (allow_http and scheme == "http"):
        raise ResolutionError("'jwks_uri' must be an https URL")
    return _select_key(fetch_json(uri), kid)


def _x5c_names_issuer(
    iss: str, dns_names: Sequence[str], uris: Sequence[str], allow_http: bool
) -> bool:
    if iss in uris:
        return True
    parts = urlsplit(iss)
    schemes = ("https", "http") if allow_http else ("https",)
    return parts.scheme in schemes and parts.hostname is not None and parts.hostname in dns_names


@dataclass(frozen=True)
class IssuerTrust:
    """The Verifier's trust in Issuers: a trust list plus the permitted mechanisms."""

    trusted_issuers: frozenset[str]
    jwks: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    """Keys pinned per Issuer (a JWK Set each); used before any other mechanism but x5c."""
    fetch_json: FetchJSON | None = None
    resolve_did_key: ResolveDIDKey | None = None
    x5c_roots: tuple[x509.Certificate, ...] = field(default=())
    allow_http: bool = False
    """Development only: ``http://`` issuer identifiers (the fetcher limits them to loopback)."""

    @property
    def header_keys(self) -> frozenset[str]:
        """Header parameters carrying keys that this trust configuration can validate."""
        return frozenset({"x5c"}) if self.x5c_roots else frozenset()

    def resolver(self, now: float) -> IssuerKeyResolver:
        """An :data:`ssi.sdjwt.IssuerKeyResolver` for verifications at time ``now``."""

        def resolve(header: dict[str, Any], payload: dict[str, Any]) -> Key:
            return self.issuer_key(header, payload, now)

        return resolve

    def issuer_key(self, header: dict[str, Any], payload: dict[str, Any], now: float) -> Key:
        """SD-JWT VC §2.5: the key for this Issuer-signed JWT, or :class:`UntrustedIssuer`."""
        iss = payload.get("iss")
        if not isinstance(iss, str) or iss not in self.trusted_issuers:
            raise UntrustedIssuer(f"issuer {iss!r} is not on the trust list")
        kid = header.get("kid")
        if "x5c" in header:
            if not self.x5c_roots:
                raise UntrustedIssuer("x5c is not a permitted mechanism: no roots configured")
            chain = verify_x5c(header["x5c"], self.x5c_roots, now)
            if not _x5c_names_issuer(iss, chain.dns_names, chain.uris, self.allow_http):
                raise UntrustedIssuer("the x5c leaf certificate does not name 'iss'")
            return chain.key
        if iss in self.jwks:
            return _select_key(self.jwks[iss], kid)
        if iss.startswith("did:"):
            resolve_did_key = self.resolve_did_key
            if resolve_did_key is None:
                raise UntrustedIssuer("DID resolution is not a permitted mechanism")
            if not isinstance(kid, str):
                raise UntrustedIssuer("a DID issuer's JWT must name its key with 'kid'")
            absolute = iss + kid if kid.startswith("#") else kid
            if not absolute.startswith(iss + "#"):
                raise UntrustedIssuer("'kid' names a key of another DID than 'iss'")
            return self._guard(lambda: resolve_did_key(absolute, iss))
        if self.fetch_json is None:
            raise UntrustedIssuer("JWT VC Issuer Metadata is not a permitted mechanism")
        fetch = self.fetch_json
        return self._guard(lambda: key_from_metadata(iss, kid, fetch, allow_http=self.allow_http))

    @staticmethod
    def _guard(get: Callable[[], Key]) -> Key:
        try:
            key = get()
        except SSIError:
            raise
        except (ValueError, TypeError, KeyError) as exc:
            raise MalformedInput(f"issuer key resolution failed: {exc}") from exc
        if not isinstance(key, Key):
            raise ResolutionError("the key resolver did not return a Key")
        return key
