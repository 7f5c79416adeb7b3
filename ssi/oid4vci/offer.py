"""The Credential Offer (OpenID4VCI 1.0 §4.1) and its ``openid-credential-offer://`` link.

* §4.1: the offer travels as exactly one query parameter, ``credential_offer``
  (the JSON object, by value) or ``credential_offer_uri`` (an ``https`` URL
  the wallet GETs, by reference); both present is refused, as is neither.
* §4.1.1: ``credential_issuer`` and ``credential_configuration_ids`` (a
  non-empty array of unique strings) are REQUIRED; ``grants`` is OPTIONAL; the
  pre-authorized code grant carries ``pre-authorized_code`` (REQUIRED) and
  ``tx_code`` {``input_mode`` numeric|text, ``length``, ``description`` ≤ 300
  characters}, present (even empty) when a Transaction Code is required.
* §12.1.1: the custom scheme ``openid-credential-offer://``; the same query
  works on a wallet's own base URL (the same-device button, ARCHITECTURE.md).

The offer is not trustworthy (§13.4): parsing it only checks its shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from ..encoding import json_dumps, json_loads_object
from ..errors import MalformedInput
from . import spec
from ._fields import Reader, drop_none

__all__ = [
    "TxCode",
    "PreAuthorizedCodeGrant",
    "AuthorizationCodeGrant",
    "CredentialOffer",
    "OfferLink",
    "build_offer_link",
    "parse_offer_link",
]


@dataclass(frozen=True, slots=True)
class TxCode:
    """§4.1.1: what the Transaction Code looks like (an empty object is allowed)."""

    input_mode: str | None = None
    length: int | None = None
    description: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: object) -> TxCode:
        r = Reader(data, "tx_code")
        input_mode = r.opt_str("input_mode")
        if input_mode is not None and input_mode not in spec.TX_CODE_INPUT_MODES:
            raise r.fail("'input_mode' must be 'numeric' or 'text'")
        description = r.opt_str("description")
        if description is not None and len(description) > spec.TX_CODE_DESCRIPTION_MAX:
            raise r.fail(f"'description' exceeds {spec.TX_CODE_DESCRIPTION_MAX} characters")
        return cls(
            input_mode,
            r.opt_int("length", minimum=1),
            description,
            r.extra(("input_mode", "length", "description")),
        )

    def to_dict(self) -> dict[str, Any]:
        members = {
            "input_mode": self.input_mode,
            "length": self.length,
            "description": self.description,
        }
        return drop_none(members) | self.extra


@dataclass(frozen=True, slots=True)
class PreAuthorizedCodeGrant:
    """§4.1.1: ``urn:ietf:params:oauth:grant-type:pre-authorized_code``."""

    pre_authorized_code: str
    tx_code: TxCode | None = None
    authorization_server: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: object) -> PreAuthorizedCodeGrant:
        r = Reader(data, "pre-authorized_code grant")
        tx_code = r.data.get(spec.TX_CODE)
        return cls(
            r.req_str(spec.PRE_AUTHORIZED_CODE),
            None if tx_code is None else TxCode.from_dict(tx_code),
            r.opt_str("authorization_server"),
            r.extra((spec.PRE_AUTHORIZED_CODE, spec.TX_CODE, "authorization_server")),
        )

    def to_dict(self) -> dict[str, Any]:
        members = {
            spec.PRE_AUTHORIZED_CODE: self.pre_authorized_code,
            spec.TX_CODE: None if self.tx_code is None else self.tx_code.to_dict(),
            "authorization_server": self.authorization_server,
        }
        return drop_none(members) | self.extra


@dataclass(frozen=True, slots=True)
class AuthorizationCodeGrant:
    """§4.1.1: ``authorization_code`` with optional ``issuer_state``."""

    issuer_state: str | None = None
    authorization_server: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: object) -> AuthorizationCodeGrant:
        r = Reader(data, "authorization_code grant")
        return cls(
            r.opt_str("issuer_state"),
            r.opt_str("authorization_server"),
            r.extra(("issuer_state", "authorization_server")),
        )

    def to_dict(self) -> dict[str, Any]:
        members = {
            "issuer_state": self.issuer_state,
            "authorization_server": self.authorization_server,
        }
        return drop_none(members) | self.extra


@dataclass(frozen=True, slots=True)
class CredentialOffer:
    """§4.1.1: the Credential Offer object."""

    credential_issuer: str
    credential_configuration_ids: tuple[str, ...]
    pre_authorized_code: PreAuthorizedCodeGrant | None = None
    authorization_code: AuthorizationCodeGrant | None = None
    other_grants: dict[str, Any] = field(default_factory=dict)
    grants_present: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: object) -> CredentialOffer:
        r = Reader(data, "Credential Offer")
        grants = r.opt_object("grants")
        pre = auth = None
        others: dict[str, Any] = {}
        for grant_type, value in (grants or {}).items():
            if grant_type == spec.GRANT_PRE_AUTHORIZED_CODE:
                pre = PreAuthorizedCodeGrant.from_dict(value)
            elif grant_type == spec.GRANT_AUTHORIZATION_CODE:
                auth = AuthorizationCodeGrant.from_dict(value)
            elif not isinstance(value, dict):
                raise r.fail(f"grant {grant_type!r} must be a JSON object")
            else:
                others[grant_type] = value
        return cls(
            r.req_str("credential_issuer"),
            r.str_list("credential_configuration_ids", unique=True),
            pre,
            auth,
            others,
            grants is not None,
            r.extra(("credential_issuer", "credential_configuration_ids", "grants")),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "credential_issuer": self.credential_issuer,
            "credential_configuration_ids": list(self.credential_configuration_ids),
        }
        grants: dict[str, Any] = {}
        if self.authorization_code is not None:
            grants[spec.GRANT_AUTHORIZATION_CODE] = self.authorization_code.to_dict()
        if self.pre_authorized_code is not None:
            grants[spec.GRANT_PRE_AUTHORIZED_CODE] = self.pre_authorized_code.to_dict()
        grants |= self.other_grants
        if grants or self.grants_present:
            out["grants"] = grants
        return out | self.extra

    def to_json(self) -> str:
        return json_dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str | bytes) -> CredentialOffer:
        """An offer fetched from a ``credential_offer_uri`` (§4.1.3)."""
        return cls.from_dict(json_loads_object(text, "Credential Offer"))


@dataclass(frozen=True, slots=True)
class OfferLink:
    """A parsed offer link: exactly one of ``offer`` (by value) and ``offer_uri``."""

    offer: CredentialOffer | None = None
    offer_uri: str | None = None


def build_offer_link(
    offer: CredentialOffer | None = None,
    offer_uri: str | None = None,
    base: str = spec.CREDENTIAL_OFFER_SCHEME,
) -> str:
    """``openid-credential-offer://?credential_offer=…`` or ``…?credential_offer_uri=…``.

    ``base`` may be a wallet's offer route (``http://127.0.0.1:5002/offer``).
    """
    if (offer is None) == (offer_uri is None):
        raise MalformedInput("an offer link carries exactly one of an offer and an offer URI")
    if offer is not None:
        query = urlencode({spec.CREDENTIAL_OFFER: offer.to_json()})
    else:
        assert offer_uri is not None
        _check_offer_uri(offer_uri)
        query = urlencode({spec.CREDENTIAL_OFFER_URI: offer_uri})
    if base.endswith("://"):
        return f"{base}?{query}"
    return f"{base}{'&' if '?' in base else '?'}{query}"


def parse_offer_link(link: str) -> OfferLink:
    """Parse an offer link (any scheme or base URL): exactly one of the two parameters."""
    if not isinstance(link, str):
        raise MalformedInput("an offer link must be a string")
    query = urlsplit(link.strip()).query
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=True)
    except ValueError as exc:
        raise MalformedInput("the offer link's query is malformed") from exc
    names = [name for name, _ in pairs]
    ours = [n for n in names if n in (spec.CREDENTIAL_OFFER, spec.CREDENTIAL_OFFER_URI)]
    if len(ours) != 1:
        raise MalformedInput(
            "an offer link carries exactly one of 'credential_offer' and 'credential_offer_uri'"
        )
    value = dict(pairs)[ours[0]]
    if ours[0] == spec.CREDENTIAL_OFFER:
        return OfferLink(offer=CredentialOffer.from_json(value))
    _check_offer_uri(value)
    return OfferLink(offer_uri=value)


def _check_offer_uri(uri: str) -> None:
    """§4.1: a URL using ``https`` (``http`` is left to the fetcher's loopback rule)."""
    parts = urlsplit(uri)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise MalformedInput("'credential_offer_uri' must be an https URL")
