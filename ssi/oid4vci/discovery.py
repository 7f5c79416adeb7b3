"""Discovery: well-known URLs (OpenID4VCI 1.0 §12.2.2, RFC 8414 §3.1) and AS metadata (§12.3).

* §12.2.2: the Credential Issuer Metadata lives at the Credential Issuer
  Identifier with ``/.well-known/openid-credential-issuer`` inserted between
  host and path; the Authorization Server's at
  ``/.well-known/oauth-authorization-server`` (RFC 8414 §3.1, same rule).
* RFC 8414 §3.3: the ``issuer`` in the document MUST be identical to the one
  fetched for; §12.3 adds ``pre-authorized_grant_anonymous_access_supported``
  (default ``false``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from ..errors import MalformedInput, ResolutionError
from . import spec
from ._fields import Reader, drop_none, to_list

__all__ = [
    "MetadataIssuerMismatch",
    "AuthorizationServerMetadata",
    "well_known_url",
    "credential_issuer_metadata_url",
    "authorization_server_metadata_url",
]


class MetadataIssuerMismatch(ResolutionError):
    """§12.2.4 / RFC 8414 §3.3: the metadata names another issuer than the one asked."""


def well_known_url(identifier: str, well_known: str) -> str:
    """Insert ``well_known`` between the host and the path of ``identifier`` (§12.2.2)."""
    parts = urlsplit(identifier)
    if not parts.scheme or not parts.netloc or parts.query or parts.fragment:
        raise MalformedInput(f"{identifier!r} is not an issuer identifier URL")
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, well_known + path, "", ""))


def credential_issuer_metadata_url(credential_issuer: str) -> str:
    return well_known_url(credential_issuer, spec.WELL_KNOWN_CREDENTIAL_ISSUER)


def authorization_server_metadata_url(issuer: str) -> str:
    return well_known_url(issuer, spec.WELL_KNOWN_OAUTH_AUTHORIZATION_SERVER)


_AS_MEMBERS = (
    "issuer",
    "token_endpoint",
    "authorization_endpoint",
    "jwks_uri",
    "grant_types_supported",
    "response_types_supported",
    spec.PRE_AUTHORIZED_GRANT_ANONYMOUS_ACCESS_SUPPORTED,
)


@dataclass(frozen=True, slots=True)
class AuthorizationServerMetadata:
    """RFC 8414 §2 (the members this project uses) with OpenID4VCI §12.3's addition."""

    issuer: str
    token_endpoint: str
    authorization_endpoint: str | None = None
    jwks_uri: str | None = None
    grant_types_supported: tuple[str, ...] | None = None
    response_types_supported: tuple[str, ...] | None = None
    pre_authorized_grant_anonymous_access_supported: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: object, fetched_for: str | None = None) -> AuthorizationServerMetadata:
        r = Reader(data, "Authorization Server Metadata")
        issuer = r.req_str("issuer")
        if fetched_for is not None and issuer != fetched_for:
            raise MetadataIssuerMismatch(
                f"the metadata names issuer {issuer!r}, but was fetched for {fetched_for!r} "
                "(RFC 8414 §3.3)"
            )
        return cls(
            issuer,
            r.req_str("token_endpoint"),
            r.opt_str("authorization_endpoint"),
            r.opt_str("jwks_uri"),
            r.opt_str_list("grant_types_supported"),
            r.opt_str_list("response_types_supported"),
            r.opt_bool(spec.PRE_AUTHORIZED_GRANT_ANONYMOUS_ACCESS_SUPPORTED),
            r.extra(_AS_MEMBERS),
        )

    def to_dict(self) -> dict[str, Any]:
        members = {
            "issuer": self.issuer,
            "token_endpoint": self.token_endpoint,
            "authorization_endpoint": self.authorization_endpoint,
            "jwks_uri": self.jwks_uri,
            "grant_types_supported": to_list(self.grant_types_supported),
            "response_types_supported": to_list(self.response_types_supported),
            spec.PRE_AUTHORIZED_GRANT_ANONYMOUS_ACCESS_SUPPORTED: (
                self.pre_authorized_grant_anonymous_access_supported
            ),
        }
        return drop_none(members) | self.extra

    @property
    def anonymous_pre_authorized_access(self) -> bool:
        """§12.3: the default is ``false``."""
        return bool(self.pre_authorized_grant_anonymous_access_supported)
