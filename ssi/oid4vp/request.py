"""The Authorization Request (OpenID4VP 1.0 §5), as ``ssi`` supports it.

``response_type=vp_token`` with ``response_mode`` ``direct_post`` or
``direct_post.jwt`` (§8.2, §8.3.1) and a ``dcql_query`` (``scope`` aliases are
not supported). :meth:`AuthorizationRequest.from_dict` reads the claims of a
Request Object (JSON values); :meth:`from_query` the URL-encoded form of an
unsigned request (objects as JSON strings, §5.1). Unknown parameters are
ignored (§5), known ones are checked strictly, ``transaction_data`` is always
examined (its type-specific checks are the wallet's, see
:func:`~ssi.oid4vp.transaction_data.check_transaction_data`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..dcql.query import DcqlQuery
from ..encoding import json_loads
from ..errors import InvalidRequest, InvalidTransactionData, MalformedInput
from . import spec
from .client_id import ClientIdentifier, response_uri_host
from .client_metadata import ClientMetadata
from .transaction_data import decode_transaction_data

__all__ = ["AuthorizationRequest", "URL_SAFE"]

URL_SAFE = re.compile(r"[A-Za-z0-9._~-]+")
"""§5.2: ``nonce`` and ``state`` use only ASCII URL-safe characters."""

_JSON_PARAMETERS = ("dcql_query", "client_metadata", "transaction_data")


def _string(data: Mapping[str, Any], name: str, *, required: bool) -> str | None:
    value = data.get(name)
    if value is None:
        if required:
            raise InvalidRequest(f"the request has no {name!r}")
        return None
    if not isinstance(value, str) or not value:
        raise InvalidRequest(f"{name!r} must be a non-empty string")
    return value


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """The parameters of one presentation request."""

    client_id: str
    response_uri: str
    nonce: str
    dcql_query: DcqlQuery
    response_mode: str = spec.RESPONSE_MODE_DIRECT_POST
    response_type: str = spec.RESPONSE_TYPE_VP_TOKEN
    state: str | None = None
    client_metadata: ClientMetadata | None = None
    transaction_data: tuple[str, ...] | None = None
    wallet_nonce: str | None = None
    verification_code: str | None = None
    """Our extension (:data:`~ssi.oid4vp.spec.VERIFICATION_CODE`): the code the
    verifier's cross-device page shows, for the investor to compare."""

    def __post_init__(self) -> None:
        self._validate()

    @property
    def client(self) -> ClientIdentifier:
        return ClientIdentifier.parse(self.client_id)

    @property
    def encrypted(self) -> bool:
        return self.response_mode == spec.RESPONSE_MODE_DIRECT_POST_JWT

    def _validate(self) -> None:
        ClientIdentifier.parse(self.client_id)
        if self.response_type != spec.RESPONSE_TYPE_VP_TOKEN:
            raise InvalidRequest(f"response_type {self.response_type!r} is not supported")
        if self.response_mode not in spec.RESPONSE_MODES:
            raise InvalidRequest(f"response_mode {self.response_mode!r} is not supported")
        try:
            response_uri_host(self.response_uri)
        except InvalidRequest as exc:
            raise InvalidRequest(f"invalid response_uri: {exc}") from exc
        if URL_SAFE.fullmatch(self.nonce) is None:
            raise InvalidRequest("nonce must only contain ASCII URL-safe characters (§5.2)")
        if self.state is not None and URL_SAFE.fullmatch(self.state) is None:
            raise InvalidRequest("state must only contain ASCII URL-safe characters (§5.2)")
        if self.encrypted:
            if self.client_metadata is None:
                raise InvalidRequest("direct_post.jwt needs client_metadata with jwks (§8.3)")
            self.client_metadata.encryption_jwk()
        if self.transaction_data is not None:
            if not self.transaction_data:
                raise InvalidTransactionData("transaction_data must be a non-empty array")
            for raw in self.transaction_data:
                entry = decode_transaction_data(raw)
                unknown = [i for i in entry.credential_ids if i not in self.dcql_query.ids]
                if unknown:
                    raise InvalidTransactionData(f"credential_ids names unknown queries {unknown}")
        if self.verification_code is not None and (
            len(self.verification_code) != spec.VERIFICATION_CODE_LENGTH
            or any(c not in spec.VERIFICATION_CODE_ALPHABET for c in self.verification_code)
        ):
            raise InvalidRequest(
                f"{spec.VERIFICATION_CODE!r} must be {spec.VERIFICATION_CODE_LENGTH} characters"
                f" of {spec.VERIFICATION_CODE_ALPHABET}"
            )
        if self.state is None:
            if any(not q.requires_holder_binding for q in self.dcql_query.credentials):
                raise InvalidRequest("state is required when holder binding is not (§5.3)")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuthorizationRequest:
        """From the claims of a Request Object (§5, RFC 9101); ``iss`` is ignored (§5)."""
        if "redirect_uri" in data:
            raise InvalidRequest("redirect_uri must not be present with direct_post (§8.2)")
        if "scope" in data:
            raise InvalidRequest("scope-based DCQL queries are not supported; use dcql_query")
        if "dcql_query" not in data:
            raise InvalidRequest("the request has no dcql_query (§5.1)")
        if "request_uri_method" in data or "request_uri" in data:
            raise InvalidRequest("request_uri parameters do not belong in the request itself")
        client_id = _string(data, "client_id", required=True) or ""
        response_uri = _string(data, "response_uri", required=False)
        if response_uri is None and client_id.startswith(spec.PREFIX_REDIRECT_URI + ":"):
            # §5.9.3: with the redirect_uri prefix the response URI may be omitted
            response_uri = client_id.partition(":")[2]
        if response_uri is None:
            raise InvalidRequest("the request has no 'response_uri'")
        metadata = data.get("client_metadata")
        transaction_data = data.get("transaction_data")
        if transaction_data is not None and not isinstance(transaction_data, list):
            raise InvalidTransactionData("transaction_data must be an array of strings")
        return cls(
            client_id=client_id,
            response_type=_string(data, "response_type", required=True) or "",
            response_mode=_string(data, "response_mode", required=True) or "",
            response_uri=response_uri,
            nonce=_string(data, "nonce", required=True) or "",
            state=_string(data, "state", required=False),
            dcql_query=DcqlQuery.from_dict(data["dcql_query"]),
            client_metadata=None if metadata is None else ClientMetadata.from_dict(metadata),
            transaction_data=None if transaction_data is None else tuple(transaction_data),
            wallet_nonce=_string(data, "wallet_nonce", required=False),
            verification_code=_string(data, spec.VERIFICATION_CODE, required=False),
        )

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> AuthorizationRequest:
        """From URL query parameters, where objects are JSON-serialized strings (§5.1)."""
        data: dict[str, Any] = dict(params)
        for name in _JSON_PARAMETERS:
            if name in data:
                try:
                    data[name] = json_loads(data[name], name)
                except MalformedInput as exc:
                    raise InvalidRequest(str(exc)) from exc
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        """The Request Object claims (without ``aud``, ``iat``, ``exp``)."""
        out: dict[str, Any] = {
            "client_id": self.client_id,
            "response_type": self.response_type,
            "response_mode": self.response_mode,
            "response_uri": self.response_uri,
            "nonce": self.nonce,
            "dcql_query": self.dcql_query.to_dict(),
        }
        if self.state is not None:
            out["state"] = self.state
        if self.client_metadata is not None:
            out["client_metadata"] = self.client_metadata.to_dict()
        if self.transaction_data is not None:
            out["transaction_data"] = list(self.transaction_data)
        if self.wallet_nonce is not None:
            out["wallet_nonce"] = self.wallet_nonce
        if self.verification_code is not None:
            out[spec.VERIFICATION_CODE] = self.verification_code
        return out
