"""The Authorization Response (OpenID4VP 1.0 §8.1, §8.2 ``direct_post``, §8.5).

``vp_token`` is a JSON object keyed by DCQL credential query id, each value a
non-empty array of presentations (strings for ``dc+sd-jwt``). In
``direct_post`` every parameter is form-encoded, objects as JSON strings. Our
extension ``address_proof`` (ARCHITECTURE.md, "Binding the address") travels
the same way: a form parameter holding ``{"message", "signature"}``, or a
member of the encrypted payload in ``direct_post.jwt``.

Parsing is strict on what we read (a name given twice, a non-object
``vp_token``, an empty array, an id that cannot be a DCQL id) and ignores
unknown parameters (§8.1).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..dcql.query import DcqlQuery
from ..encoding import json_dumps, json_loads_object
from ..errors import InvalidRequest, MalformedInput
from . import spec
from .request import URL_SAFE
from .request_uri import Form, parse_form

__all__ = [
    "MAX_RESPONSE_BYTES",
    "AddressProof",
    "AuthorizationResponse",
    "AuthorizationErrorResponse",
    "parse_direct_post",
    "check_vp_token_ids",
    "form_params",
]

MAX_RESPONSE_BYTES = 1_000_000
_QUERY_ID = re.compile(r"[A-Za-z0-9_-]+")


def _vp_token(value: object) -> dict[str, list[Any]]:
    """§8.1: ``{query_id: [presentation, …]}`` with non-empty arrays."""
    if not isinstance(value, dict) or not value:
        raise InvalidRequest("vp_token must be a non-empty JSON object")
    for query_id, presentations in value.items():
        if _QUERY_ID.fullmatch(query_id) is None:
            raise InvalidRequest(f"vp_token key {query_id!r} is not a credential query id")
        if not isinstance(presentations, list) or not presentations:
            raise InvalidRequest(f"vp_token[{query_id!r}] must be a non-empty array")
        for item in presentations:
            if not (isinstance(item, str) and item) and not isinstance(item, dict):
                raise InvalidRequest(f"vp_token[{query_id!r}] holds a non-presentation")
    return value


@dataclass(frozen=True, slots=True)
class AddressProof:
    """``{message, signature}``: an EIP-4361 message and its EIP-191 signature (hex)."""

    message: str
    signature: str

    @classmethod
    def from_value(cls, value: object) -> AddressProof:
        if isinstance(value, str):
            value = json_loads_object(value, "address_proof")
        if not isinstance(value, dict):
            raise InvalidRequest("address_proof must be a JSON object")
        message, signature = value.get("message"), value.get("signature")
        if not isinstance(message, str) or not isinstance(signature, str):
            raise InvalidRequest("address_proof needs string 'message' and 'signature'")
        return cls(message, signature)

    def to_dict(self) -> dict[str, str]:
        return {"message": self.message, "signature": self.signature}


@dataclass(frozen=True, slots=True)
class AuthorizationResponse:
    """A successful response."""

    vp_token: dict[str, list[Any]]
    state: str | None = None
    address_proof: AddressProof | None = None

    def __post_init__(self) -> None:
        _vp_token(self.vp_token)
        if self.state is not None and URL_SAFE.fullmatch(self.state) is None:
            raise InvalidRequest("state must only contain ASCII URL-safe characters")

    def to_payload(self) -> dict[str, Any]:
        """The JSON members (the payload of a ``direct_post.jwt`` JWE, §8.3)."""
        out: dict[str, Any] = {spec.VP_TOKEN: self.vp_token}
        if self.state is not None:
            out[spec.STATE] = self.state
        if self.address_proof is not None:
            out[spec.ADDRESS_PROOF] = self.address_proof.to_dict()
        return out

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> AuthorizationResponse:
        if spec.VP_TOKEN not in payload:
            raise InvalidRequest("the response has no vp_token")
        state = payload.get(spec.STATE)
        if state is not None and not isinstance(state, str):
            raise InvalidRequest("state must be a string")
        proof = payload.get(spec.ADDRESS_PROOF)
        return cls(
            vp_token=_vp_token(payload[spec.VP_TOKEN]),
            state=state,
            address_proof=None if proof is None else AddressProof.from_value(proof),
        )

    def to_form(self) -> dict[str, str]:
        """§8.2: the ``application/x-www-form-urlencoded`` parameters."""
        return {k: v if isinstance(v, str) else json_dumps(v) for k, v in self.to_payload().items()}


@dataclass(frozen=True, slots=True)
class AuthorizationErrorResponse:
    """§8.5: the wallet declined or failed; ``error`` is an OAuth error code."""

    error: str
    error_description: str | None = None
    state: str | None = None

    @classmethod
    def from_wallet(cls, error: str, state: str | None) -> AuthorizationErrorResponse:
        """§8.5 as a wallet sends it: a registered error code and the request's
        ``state``, and no ``error_description`` (it would tell the verifier more
        than the code)."""
        if error not in spec.ERROR_CODES:
            raise InvalidRequest(f"{error!r} is not an OpenID4VP error code (§8.5)")
        return cls(error, None, state)

    def to_form(self) -> dict[str, str]:
        out = {"error": self.error}
        if self.error_description is not None:
            out["error_description"] = self.error_description
        if self.state is not None:
            out[spec.STATE] = self.state
        return out


def form_params(form: Form) -> dict[str, str]:
    """:func:`~ssi.oid4vp.request_uri.parse_form` with the response size cap first."""
    if isinstance(form, str) and len(form) > MAX_RESPONSE_BYTES:
        raise MalformedInput(f"the response is larger than {MAX_RESPONSE_BYTES} bytes")
    return parse_form(form)


def parse_direct_post(form: Form) -> AuthorizationResponse | AuthorizationErrorResponse:
    """The verifier's parse of a ``direct_post`` body (unencrypted)."""
    params = form_params(form)
    if spec.RESPONSE in params:
        raise InvalidRequest("an encrypted 'response' where direct_post was requested")
    if "error" in params:
        if spec.VP_TOKEN in params:
            raise InvalidRequest("a response cannot carry both error and vp_token")
        return AuthorizationErrorResponse(
            params["error"], params.get("error_description"), params.get(spec.STATE)
        )
    if spec.VP_TOKEN not in params:
        raise InvalidRequest("the response has no vp_token")
    payload: dict[str, Any] = dict(params)
    payload[spec.VP_TOKEN] = json_loads_object(params[spec.VP_TOKEN], "vp_token")
    return AuthorizationResponse.from_payload(payload)


def check_vp_token_ids(vp_token: Mapping[str, Sequence[Any]], query: DcqlQuery) -> None:
    """§8.1: only ids of the query, one presentation unless ``multiple``, and
    strings for ``dc+sd-jwt`` (B.3.5)."""
    for query_id, presentations in vp_token.items():
        try:
            credential_query = query.credential(query_id)
        except KeyError:
            raise InvalidRequest(f"vp_token names {query_id!r}, which was not requested") from None
        if len(presentations) > 1 and not credential_query.allows_multiple:
            raise InvalidRequest(f"vp_token[{query_id!r}] must hold one presentation")
        if credential_query.format == spec.FORMAT_SD_JWT_VC and not all(
            isinstance(item, str) for item in presentations
        ):
            raise InvalidRequest(f"vp_token[{query_id!r}]: a dc+sd-jwt presentation is a string")
