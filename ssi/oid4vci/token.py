"""Token Request / Response (OpenID4VCI 1.0 §6, RFC 6749 §4.1.3 / §5.1) and Nonce Response (§7).

* §6.1: the pre-authorized code grant
  (``grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code``) MUST
  carry ``pre-authorized_code``; ``tx_code`` is the Transaction Code value and
  is only allowed with that grant; the body is form-encoded and, per RFC 6749
  §3.2, no parameter may appear twice.
* §6.2: ``access_token`` and ``token_type`` (RFC 6749 §5.1), ``expires_in``,
  ``authorization_details`` (each with ``credential_identifiers``).
* §7.2: the Nonce Response's ``c_nonce`` (REQUIRED).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ..encoding import json_dumps, json_loads
from ..errors import InvalidRequest, MalformedInput
from . import spec
from ._fields import Reader, drop_none
from .errors import UnsupportedGrantType
from .offer import PreAuthorizedCodeGrant

__all__ = ["TokenRequest", "TokenResponse", "NonceResponse"]

_TOKEN_REQUEST_MEMBERS = (
    "grant_type",
    spec.PRE_AUTHORIZED_CODE,
    spec.TX_CODE,
    "client_id",
    "authorization_details",
)


@dataclass(frozen=True, slots=True)
class TokenRequest:
    """§6.1: a Token Request with the pre-authorized code grant."""

    pre_authorized_code: str
    tx_code: str | None = None
    client_id: str | None = None
    authorization_details: tuple[dict[str, Any], ...] | None = None
    grant_type: str = spec.GRANT_PRE_AUTHORIZED_CODE
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: Mapping[str, str | Sequence[str]]) -> TokenRequest:
        """Read a decoded form (values a string, or a list of one string)."""
        flat: dict[str, str] = {}
        for name, value in form.items():
            if isinstance(value, list | tuple):
                if len(value) != 1:
                    raise InvalidRequest(f"parameter {name!r} must appear exactly once")
                value = value[0]
            if not isinstance(value, str):
                raise InvalidRequest(f"parameter {name!r} must be a string")
            flat[name] = value
        r = Reader(flat, "Token Request", InvalidRequest)
        grant_type = r.req_str("grant_type")
        if grant_type != spec.GRANT_PRE_AUTHORIZED_CODE:
            raise UnsupportedGrantType(f"grant_type {grant_type!r} is not supported")
        details = None
        if "authorization_details" in flat:
            details = _authorization_details(flat["authorization_details"])
        return cls(
            r.req_str(spec.PRE_AUTHORIZED_CODE),
            r.opt_str(spec.TX_CODE),
            r.opt_str("client_id"),
            details,
            grant_type,
            r.extra(_TOKEN_REQUEST_MEMBERS),
        )

    @classmethod
    def from_form_body(cls, body: str | bytes) -> TokenRequest:
        """Parse an ``application/x-www-form-urlencoded`` body, refusing repeated names."""
        try:
            text = body.decode("utf-8") if isinstance(body, bytes) else body
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except ValueError as exc:  # UnicodeDecodeError is a ValueError
            raise InvalidRequest("the Token Request body is not form-encoded") from exc
        form: dict[str, list[str]] = {}
        for name, value in pairs:
            form.setdefault(name, []).append(value)
        return cls.from_form(form)

    def to_form(self) -> dict[str, str]:
        members = {
            "grant_type": self.grant_type,
            spec.PRE_AUTHORIZED_CODE: self.pre_authorized_code,
            spec.TX_CODE: self.tx_code,
            "client_id": self.client_id,
            "authorization_details": None
            if self.authorization_details is None
            else json_dumps(list(self.authorization_details)),
        }
        return drop_none(members) | self.extra

    def to_form_body(self) -> str:
        return urlencode(self.to_form())

    @classmethod
    def for_offer(
        cls, grant: PreAuthorizedCodeGrant, tx_code: str | None = None, client_id: str | None = None
    ) -> TokenRequest:
        """The wallet's request for an offered grant (§6.1).

        ``tx_code`` MUST be sent when the offer had a ``tx_code`` object (even
        empty) and only then; a ``numeric`` code is digits only, of the offered
        ``length``.
        """
        if grant.tx_code is None:
            if tx_code is not None:
                raise InvalidRequest("the offer asks for no Transaction Code")
        else:
            if not tx_code:
                raise InvalidRequest("the offer requires a Transaction Code ('tx_code')")
            mode = grant.tx_code.input_mode or "numeric"
            if mode == "numeric" and not (tx_code.isascii() and tx_code.isdigit()):
                raise InvalidRequest("the Transaction Code must be digits only")
            if grant.tx_code.length is not None and len(tx_code) != grant.tx_code.length:
                raise InvalidRequest(
                    f"the Transaction Code must be {grant.tx_code.length} characters long"
                )
        return cls(grant.pre_authorized_code, tx_code, client_id)

    def check_tx_code_presence(self, required: bool) -> None:
        """§6.3 ``invalid_request``: a Transaction Code missing, or sent when none is expected.

        The value itself is compared by the authorization server (``invalid_grant``).
        """
        if required and self.tx_code is None:
            raise InvalidRequest("a Transaction Code ('tx_code') is required for this code")
        if not required and self.tx_code is not None:
            raise InvalidRequest("no Transaction Code is expected for this code")


def _authorization_details(text: str) -> tuple[dict[str, Any], ...]:
    """RFC 9396 §2: a non-empty JSON array of objects, each with a string ``type``."""
    value = json_loads(text, "authorization_details")
    if not isinstance(value, list) or not value:
        raise InvalidRequest("'authorization_details' must be a non-empty JSON array")
    for item in value:
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            raise InvalidRequest("each 'authorization_details' entry needs a string 'type'")
    return tuple(value)


@dataclass(frozen=True, slots=True)
class TokenResponse:
    """§6.2 / RFC 6749 §5.1: a successful Token Response."""

    access_token: str
    token_type: str
    expires_in: int | None = None
    authorization_details: tuple[dict[str, Any], ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: object) -> TokenResponse:
        r = Reader(data, "Token Response")
        details = r.opt_object_list("authorization_details")
        for item in details or ():
            if item.get("type") == "openid_credential":
                Reader(item, "authorization_details entry").str_list(
                    "credential_identifiers", unique=True
                )
        return cls(
            r.req_str("access_token"),
            r.req_str("token_type"),
            r.opt_int("expires_in", minimum=1),
            details,
            r.extra(("access_token", "token_type", "expires_in", "authorization_details")),
        )

    def to_dict(self) -> dict[str, Any]:
        members = {
            "access_token": self.access_token,
            "token_type": self.token_type,
            "expires_in": self.expires_in,
            "authorization_details": None
            if self.authorization_details is None
            else list(self.authorization_details),
        }
        return drop_none(members) | self.extra


@dataclass(frozen=True, slots=True)
class NonceResponse:
    """§7.2: ``{"c_nonce": …}``."""

    c_nonce: str
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: object) -> NonceResponse:
        r = Reader(data, "Nonce Response", MalformedInput)
        return cls(r.req_str("c_nonce"), r.extra(("c_nonce",)))

    def to_dict(self) -> dict[str, Any]:
        return {"c_nonce": self.c_nonce} | self.extra
