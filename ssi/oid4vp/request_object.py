"""Signed Request Objects (OpenID4VP 1.0 §5, §5.8, §5.9.3, §5.10; RFC 9101).

:func:`sign_request_object` is the verifier's; :func:`verify_request_object`
the wallet's, which trusts a request only through what the caller configured:

* ``x509_san_dns:<dns>``: the ``x5c`` chain verifies to a configured root, the
  DNS name is a dNSName of the leaf, the leaf's key signed the request;
* ``x509_hash:<hash>``: the same chain check, and the hash is the leaf's;
* ``decentralized_identifier:<did>``: ``kid`` is a DID URL of that DID and the
  injected resolver gives its key;
* ``redirect_uri:``: never signed (§5.9.3), so a signed one is refused.

In every case ``typ`` must be ``oauth-authz-req+jwt`` (§5), the ``client_id``
claim must equal the one of the link (§5.10.1), ``aud`` must be the expected
audience (§5.8), ``exp``/``nbf``/``iat`` hold at ``now``, a ``wallet_nonce``
sent by POST is echoed (§5.10.1), and the ``response_uri`` must be one the
client identifier vouches for (:func:`~ssi.oid4vp.client_id.check_response_uri`).
``iss`` is ignored, as §5 requires.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.x509 import Certificate

from ..errors import InvalidClientIdentifier, InvalidRequestObject, WrongType
from ..jose import Key, check_audience, check_times, jws
from . import _x509, spec
from .client_id import ClientIdentifier, check_response_uri
from .request import AuthorizationRequest

__all__ = [
    "ResolveDidKey",
    "WalletTrust",
    "VerifiedRequest",
    "sign_request_object",
    "verify_request_object",
    "accept_unsigned_request",
]

ResolveDidKey = Callable[[str, str], Key]
"""``resolve_key(kid, expected_did) -> Key``; raises when the DID has no such key."""

_TRANSPORT_CLAIMS = ("iss", "aud", "iat", "exp", "nbf", "jti")


@dataclass(frozen=True)
class WalletTrust:
    """The wallet's trust anchors: X.509 roots, and a DID key resolver."""

    x509_roots: Sequence[Certificate] = ()
    resolve_did_key: ResolveDidKey | None = None


@dataclass(frozen=True)
class VerifiedRequest:
    """A request the wallet may act on, and who sent it."""

    request: AuthorizationRequest
    client: ClientIdentifier
    signed: bool
    leaf_dns_names: tuple[str, ...] = ()
    expires_at: float | None = None
    """The Request Object's ``exp`` (checked at ``now``): the wallet keeps the request
    open no longer than that."""
    chain: tuple[Certificate, ...] = ()
    """An x509 client id's verified certificate chain, leaf first, ending with the
    wallet's trust anchor it chained to (what the consent screen names it by)."""


def sign_request_object(
    request: AuthorizationRequest,
    key: Key,
    *,
    now: float,
    x5c: Sequence[str] | None = None,
    kid: str | None = None,
    audience: str = spec.SELF_ISSUED_AUDIENCE,
    lifetime: int = 300,
) -> str:
    """The verifier's signed Request Object, ``typ: oauth-authz-req+jwt``."""
    client = request.client
    header: dict[str, Any] = {}
    if client.prefix == spec.PREFIX_REDIRECT_URI:
        raise InvalidRequestObject("requests with a redirect_uri client id cannot be signed")
    if client.prefix in (spec.PREFIX_X509_SAN_DNS, spec.PREFIX_X509_HASH):
        if not x5c:
            raise InvalidRequestObject("an x509 client id needs the x5c chain")
        header["x5c"] = list(x5c)
    else:
        if kid is None or not kid.startswith(client.value + "#"):
            raise InvalidRequestObject("a DID client id needs a kid that is a DID URL of it")
        header["kid"] = kid
    claims = request.to_dict() | {"aud": audience, "iat": int(now), "exp": int(now) + lifetime}
    return jws.sign(claims, key, typ=spec.REQUEST_OBJECT_TYP, header=header)


def _x509_key(
    parsed: jws.CompactJWS, client: ClientIdentifier, trust: WalletTrust, now: float
) -> _x509.Leaf:
    x5c = parsed.header.get("x5c")
    if not isinstance(x5c, list) or not x5c or not all(isinstance(c, str) for c in x5c):
        raise InvalidRequestObject("an x509 client id needs an x5c header (§5.9.3)")
    leaf = _x509.verify_chain(x5c, trust.x509_roots, now)
    names = tuple(leaf.dns_names)
    if client.prefix == spec.PREFIX_X509_SAN_DNS:
        if client.value.lower() not in {n.lower() for n in names}:
            raise InvalidClientIdentifier(
                f"{client.value!r} is not a dNSName of the request's certificate"
            )
    elif _x509.x509_hash(leaf.der) != client.value:
        raise InvalidClientIdentifier("x509_hash does not match the request's leaf certificate")
    return leaf


def _did_key(parsed: jws.CompactJWS, client: ClientIdentifier, trust: WalletTrust) -> Key:
    kid = parsed.header.get("kid")
    if not isinstance(kid, str) or not kid.startswith(client.value + "#") or kid.endswith("#"):
        raise InvalidClientIdentifier(f"kid must be a DID URL of {client.value!r} (§5.9.3)")
    if trust.resolve_did_key is None:
        raise InvalidClientIdentifier("no DID resolver is configured")
    return trust.resolve_did_key(kid, client.value)


def verify_request_object(
    token: str,
    *,
    client_id: str,
    trust: WalletTrust,
    now: float,
    audience: str = spec.SELF_ISSUED_AUDIENCE,
    wallet_nonce: str | None = None,
) -> VerifiedRequest:
    """The wallet's verification of a Request Object fetched from ``request_uri``.

    ``client_id`` is the one of the link; ``wallet_nonce`` the one the wallet
    POSTed, if it did.
    """
    parsed = jws.parse(token)
    if not jws.typ_matches(parsed.header.get("typ"), spec.REQUEST_OBJECT_TYP):
        # §5: not processed at all, so no chain check or DID resolution for it
        raise WrongType(f"typ must be {spec.REQUEST_OBJECT_TYP!r}")
    client = ClientIdentifier.parse(client_id)
    if not client.requires_signed_request:
        raise InvalidRequestObject("a redirect_uri client id cannot send a signed request")
    names: tuple[str, ...] = ()
    chain: tuple[Certificate, ...] = ()
    if client.prefix == spec.PREFIX_DECENTRALIZED_IDENTIFIER:
        key = _did_key(parsed, client, trust)
        jws.verify(parsed, key, spec.REQUEST_OBJECT_TYP)
    else:
        leaf = _x509_key(parsed, client, trust, now)
        names, chain = leaf.dns_names, leaf.chain
        jws.verify(parsed, leaf.key, spec.REQUEST_OBJECT_TYP, allow_header_keys=frozenset({"x5c"}))
    claims = parsed.claims()
    if claims.get("client_id") != client_id:
        raise InvalidClientIdentifier("the request object's client_id is not the link's (§5.10)")
    check_audience(claims, audience)
    check_times(claims, now)
    if wallet_nonce is not None and claims.get(spec.WALLET_NONCE) != wallet_nonce:
        raise InvalidRequestObject("the request object does not echo our wallet_nonce (§5.10)")
    params = {k: v for k, v in claims.items() if k not in _TRANSPORT_CLAIMS}
    request = AuthorizationRequest.from_dict(params)
    check_response_uri(client, request.response_uri, names)
    exp = claims.get("exp")
    expires_at = float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None
    return VerifiedRequest(request, client, True, names, expires_at, chain)


def accept_unsigned_request(request: AuthorizationRequest) -> VerifiedRequest:
    """An unsigned request: only a ``redirect_uri:`` client id, and its own response URI."""
    client = request.client
    if client.requires_signed_request:
        raise InvalidRequestObject(f"a {client.prefix!r} client id must send a signed request")
    check_response_uri(client, request.response_uri)
    return VerifiedRequest(request, client, False)
