"""Requests passed by reference (OpenID4VP 1.0 §5.10, §13.1.2; RFC 9101 §5.2).

* The link a verifier shows (as a QR code or a button):
  ``openid4vp://?client_id=…&request_uri=…[&request_uri_method=post]``, or the
  same query on a plain ``https://`` (or loopback ``http://``) wallet URL base.
* With ``request_uri_method=post`` the wallet POSTs ``wallet_metadata`` and
  ``wallet_nonce`` (form-encoded) to the ``request_uri`` (§5.10); the Request
  Object that comes back must echo ``wallet_nonce``.

Parsing is strict: a parameter given twice, a ``request_uri_method`` other than
``get``/``post`` (``invalid_request_uri_method``, §8.5), or one without a
``request_uri`` is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..encoding import json_dumps, json_loads_object
from ..errors import InvalidRequest, MalformedInput
from . import spec
from .client_id import ClientIdentifier
from .request import URL_SAFE, AuthorizationRequest

__all__ = [
    "InvalidRequestUri",
    "InvalidRequestUriMethod",
    "RequestReference",
    "WalletPost",
    "build_request_link",
    "parse_request_link",
    "parse_form",
    "answer_wallet_post",
]

MAX_LINK_CHARS = 64_000


class InvalidRequestUri(InvalidRequest):
    error = spec.ERROR_INVALID_REQUEST_URI


class InvalidRequestUriMethod(InvalidRequest):
    error = spec.ERROR_INVALID_REQUEST_URI_METHOD


Form = str | Mapping[str, str] | Sequence[tuple[str, str]]
"""A form body: the raw ``application/x-www-form-urlencoded`` text, its pairs, or a
mapping (a multi-valued mapping with ``getlist``, like Werkzeug's, is read in full so
that a repeated name is still refused)."""


def parse_form(form: Form) -> dict[str, str]:
    """A form or query string (or its pairs) to a dict; a name given twice is refused."""
    pairs: Any = form
    if isinstance(form, Mapping):
        getlist = getattr(form, "getlist", None)
        if callable(getlist):
            pairs = [(name, value) for name in form for value in getlist(name)]
        else:
            pairs = list(form.items())
    elif isinstance(form, str):
        try:
            pairs = parse_qsl(form, keep_blank_values=True, strict_parsing=bool(form))
        except ValueError as exc:
            raise MalformedInput(f"malformed form encoding: {exc}") from exc
    out: dict[str, str] = {}
    for name, value in pairs:
        if name in out:
            raise MalformedInput(f"parameter {name!r} is given twice")
        out[name] = value
    return out


def _check_request_uri(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.fragment:
        raise InvalidRequestUri("request_uri must be an absolute http(s) URL without fragment")
    if parts.username is not None:
        raise InvalidRequestUri("request_uri must not carry user information")


@dataclass(frozen=True, slots=True)
class RequestReference:
    """``client_id`` + ``request_uri`` (+ ``request_uri_method``) from a link."""

    client_id: str
    request_uri: str
    request_uri_method: str | None = None

    def __post_init__(self) -> None:
        ClientIdentifier.parse(self.client_id)
        _check_request_uri(self.request_uri)
        if self.request_uri_method is not None and (
            self.request_uri_method not in spec.REQUEST_URI_METHODS
        ):
            raise InvalidRequestUriMethod("request_uri_method must be 'get' or 'post' (§5.1)")

    @property
    def uses_post(self) -> bool:
        return self.request_uri_method == spec.REQUEST_URI_METHOD_POST

    def to_params(self) -> dict[str, str]:
        out = {"client_id": self.client_id, "request_uri": self.request_uri}
        if self.request_uri_method is not None:
            out["request_uri_method"] = self.request_uri_method
        return out


def build_request_link(
    reference: RequestReference | AuthorizationRequest, base: str = spec.OPENID4VP_LINK_BASE
) -> str:
    """``base?client_id=…&request_uri=…``; an unsigned request puts every parameter
    in the query, objects JSON-serialized (§5.1)."""
    parts = urlsplit(base)
    if parts.query or parts.fragment:
        raise MalformedInput("the wallet base URL must have no query and no fragment")
    if parts.scheme not in (spec.OPENID4VP_SCHEME, "https", "http"):
        raise MalformedInput("the wallet base URL must be openid4vp://, https:// or http://")
    if isinstance(reference, RequestReference):
        params = reference.to_params()
    else:
        params = {
            k: v if isinstance(v, str) else json_dumps(v) for k, v in reference.to_dict().items()
        }
    return f"{base}?{urlencode(params)}"


def parse_request_link(link: str) -> RequestReference | AuthorizationRequest:
    """Read a link (or a wallet URL with the same query): a reference, or an unsigned request.

    A request passed by value as a JWT (``request=``) is refused: ``ssi``
    wallets take signed requests by reference only.
    """
    if not isinstance(link, str) or len(link) > MAX_LINK_CHARS:
        raise InvalidRequest("the request link is not a string of reasonable size")
    parts = urlsplit(link)
    if parts.scheme not in (spec.OPENID4VP_SCHEME, "https", "http"):
        raise InvalidRequest(f"unsupported link scheme {parts.scheme!r}")
    params = parse_form(parts.query)
    if "request" in params:
        raise InvalidRequest("request objects passed by value are not supported")
    if "request_uri" in params:
        if "client_id" not in params:
            raise InvalidRequest("the link has a request_uri but no client_id")
        extra = set(params) - {"client_id", "request_uri", "request_uri_method"}
        if extra:
            # RFC 9101 §5: the request object's parameters win; we take none from the link
            params = {k: v for k, v in params.items() if k not in extra}
        return RequestReference(
            params["client_id"], params["request_uri"], params.get("request_uri_method")
        )
    if "request_uri_method" in params:
        raise InvalidRequestUriMethod("request_uri_method without request_uri (§5.1)")
    return AuthorizationRequest.from_query(params)


@dataclass(frozen=True, slots=True)
class WalletPost:
    """The body a wallet POSTs to a ``request_uri`` (§5.10)."""

    wallet_metadata: dict[str, Any] | None = None
    wallet_nonce: str | None = None

    def __post_init__(self) -> None:
        if self.wallet_nonce is not None and URL_SAFE.fullmatch(self.wallet_nonce) is None:
            raise InvalidRequest("wallet_nonce must be URL-safe characters")

    def to_form(self) -> dict[str, str]:
        out: dict[str, str] = {}
        if self.wallet_metadata is not None:
            out[spec.WALLET_METADATA] = json_dumps(self.wallet_metadata)
        if self.wallet_nonce is not None:
            out[spec.WALLET_NONCE] = self.wallet_nonce
        return out

    @classmethod
    def from_form(cls, form: Form) -> WalletPost:
        """The verifier's parse: unknown parameters are ignored (§5.10)."""
        params = parse_form(form)
        metadata = None
        if spec.WALLET_METADATA in params:
            metadata = json_loads_object(params[spec.WALLET_METADATA], "wallet_metadata")
        nonce = params.get(spec.WALLET_NONCE) or None
        return cls(metadata, nonce)


def answer_wallet_post(request: AuthorizationRequest, post: WalletPost) -> AuthorizationRequest:
    """The verifier's side of §5.10: the Request Object it returns MUST carry the
    ``wallet_nonce`` the wallet POSTed (the wallet refuses it otherwise)."""
    return replace(request, wallet_nonce=post.wallet_nonce)
