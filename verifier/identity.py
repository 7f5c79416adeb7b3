"""Who the verifier is to wallets: its client identifier and signing key
(OpenID4VP 1.0 §5.9.3, HAIP 1.0 §5).

* ``x509_hash`` (default when a certificate chain is configured) and
  ``x509_san_dns``: the chain (PEM, leaf first) goes in the Request Object's
  ``x5c``; the wallet checks it against its trust anchors, and that the
  ``response_uri`` host is a dNSName of the leaf.
* ``decentralized_identifier``: the did:web of ``VERIFIER_URL``, served at
  ``/.well-known/did.json``; ``kid`` is a DID URL of it.
* ``redirect_uri``: development only; the request is unsigned and travels in
  the link itself (§5.9.3 forbids signing it).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kyc_wallet.web.config import read_private_file, write_private_file
from ssi.did.web import did_web_document, did_web_from_url
from ssi.errors import MalformedInput
from ssi.jose import Key
from ssi.oid4vp import AuthorizationRequest, sign_request_object
from ssi.oid4vp import spec as vp
from ssi.x509 import x509_hash

__all__ = ["ClientIdentity", "PREFIXES", "load_or_create_key"]

PREFIXES = (
    vp.PREFIX_X509_HASH,
    vp.PREFIX_X509_SAN_DNS,
    vp.PREFIX_DECENTRALIZED_IDENTIFIER,
    vp.PREFIX_REDIRECT_URI,
)


def load_or_create_key(path: Path) -> Key:
    """The ES256 request-signing key at ``path`` (PEM); created with mode 0600
    when absent, atomically (several workers starting on an empty folder all
    read the one whole key, never a half-written file). A key file other users
    can read is refused (``ConfigurationError``)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private_file(path, Key.generate("ES256").private_pem())
    key = Key.from_pem(read_private_file(path))
    if not key.is_private or key.alg != "ES256":
        raise MalformedInput(f"{path} must hold a private ES256 (P-256) key")
    return key


@dataclass(frozen=True)
class ClientIdentity:
    prefix: str
    key: Key
    base_url: str
    response_uri: str
    x5c: tuple[str, ...] = ()
    leaf_dns_names: tuple[str, ...] = ()

    @property
    def did(self) -> str:
        return did_web_from_url(self.base_url)

    @property
    def kid(self) -> str:
        return f"{self.did}#{self.key.thumbprint()}"

    @property
    def client_id(self) -> str:
        if self.prefix == vp.PREFIX_X509_HASH:
            return f"{self.prefix}:{x509_hash(base64.b64decode(self.x5c[0]))}"
        if self.prefix == vp.PREFIX_X509_SAN_DNS:
            return f"{self.prefix}:{self.leaf_dns_names[0]}"
        if self.prefix == vp.PREFIX_DECENTRALIZED_IDENTIFIER:
            return f"{self.prefix}:{self.did}"
        return f"{self.prefix}:{self.response_uri}"

    @property
    def signs_requests(self) -> bool:
        return self.prefix != vp.PREFIX_REDIRECT_URI

    def sign(self, request: AuthorizationRequest, now: float, lifetime: int) -> str:
        """The ``oauth-authz-req+jwt`` Request Object (§5, RFC 9101)."""
        if self.prefix == vp.PREFIX_DECENTRALIZED_IDENTIFIER:
            return sign_request_object(request, self.key, now=now, kid=self.kid, lifetime=lifetime)
        return sign_request_object(request, self.key, now=now, x5c=self.x5c, lifetime=lifetime)

    def did_document(self) -> dict[str, Any]:
        return did_web_document(self.did, [self.key])

    @classmethod
    def load(
        cls,
        prefix: str | None,
        key_path: Path,
        chain_path: str | None,
        base_url: str,
        *,
        development: bool = False,
    ) -> ClientIdentity:
        key = load_or_create_key(key_path)
        response_uri = base_url + "/oid4vp/response"
        x5c: tuple[str, ...] = ()
        names: tuple[str, ...] = ()
        if chain_path:
            certs = x509.load_pem_x509_certificates(Path(chain_path).read_bytes())
            if Key.from_public_key(certs[0].public_key()) != key.public():
                raise MalformedInput(f"the first certificate in {chain_path} is not our key")
            x5c = tuple(
                base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode("ascii")
                for c in certs
            )
            san = certs[0].extensions.get_extension_for_class(x509.SubjectAlternativeName)
            names = tuple(san.value.get_values_for_type(x509.DNSName))
        prefix = prefix or (vp.PREFIX_X509_HASH if x5c else vp.PREFIX_DECENTRALIZED_IDENTIFIER)
        if prefix not in PREFIXES:
            raise MalformedInput(f"CLIENT_ID_PREFIX must be one of {PREFIXES}")
        if prefix == vp.PREFIX_REDIRECT_URI and not development:
            raise MalformedInput("the redirect_uri client id is for development only (unsigned)")
        if prefix in (vp.PREFIX_X509_HASH, vp.PREFIX_X509_SAN_DNS) and not names:
            raise MalformedInput(f"{prefix} needs CERT_CHAIN_PATH with a dNSName in the leaf")
        return cls(prefix, key, base_url, response_uri, x5c, names)
