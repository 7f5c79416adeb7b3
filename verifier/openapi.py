"""The OpenAPI 3.1 document of the verifier's platform API (``/api/v1/openapi.json``).

The request schemas are built from the same definitions the API checks with
(the rule grammar of :mod:`verifier.rules`, the token name and address checks
of :mod:`ssi.address_binding`, the configured policy names), so a request the
document calls valid is accepted, and one it calls invalid is refused with a
400: schemathesis holds the running server to both
(tests/verifier/test_api_schema.py). The one check JSON Schema cannot spell,
the EIP-55 checksum, is named by the ``eip55-address`` format. Patterns are
in the dialect common to Python and ECMA-262 with the ``u`` flag (JSON Schema
2020-12 §6.4): no ``\\s``, no lookaround, no escape of a character that is
not a syntax character.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from kyc_wallet.web.qr import QR_PARAMETER
from ssi.address_binding.eth import CAIP2_EIP155_PATTERN
from ssi.address_binding.whitelist import token_name_schema
from ssi.oid4vp import spec as vp
from ssi.w3c import PREDICATE_GROUPS, PredicateGroup
from ssi.w3c import spec as w3c_spec

from .openapi_schemas import ANSWER_SCHEMAS, MAX_LIST
from .policies import MAX_AGE_DAYS, MAX_RULES, SD_JWT_MEMBERS, TOKEN_MEMBERS, W3C_MEMBERS, Policy
from .rules import MAX_RULE_LENGTH, rule_pattern

__all__ = [
    "CREATE_MEMBERS",
    "EIP55_FORMAT",
    "LIST_PARAMETERS",
    "MAX_LIST",
    "MAX_OFFSET",
    "MAX_REDIRECT_URI",
    "openapi_document",
    "redirect_uri_pattern",
]

EIP55_FORMAT = "eip55-address"
MAX_REDIRECT_URI = 2000
MAX_OFFSET = 999_999_999
LIST_PARAMETERS = {"limit": (1, MAX_LIST), "offset": (0, MAX_OFFSET)}
"""The query of ``GET /api/v1/verifications``: name -> (lowest, highest); any other is a 400."""
CREATE_MEMBERS = ("policy", "policy_body", "token", "redirect_uri")
"""The members of ``POST /api/v1/verifications``; any other is a 400."""
INLINE_REFUSED = "dcql"
"""An inline policy's query is derived from its rules and claims (a custom one
belongs in the policies file): the one member of a policy it does not take."""
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PORT = "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
_PORT_PATH = rf"(?::{_PORT})?(?:[/?][!$-~]*)?"


def _ipv6() -> str:
    """An IPv6 address in hexadecimal groups (RFC 4291 §2.2 forms 1 and 2): eight
    groups, or ``::`` standing for at least one group. ``urlsplit`` refuses a
    bracketed host that is not an address (``[:]``), which made the verdict's
    redirect a 500 after the verdict was stored."""
    group = "[0-9A-Fa-f]{1,4}"
    forms = [f"(?:{group}:){{7}}{group}"]
    for before in range(8):
        left = f"(?:{group}:){{{before - 1}}}{group}" if before else ""
        after = 7 - before  # at most this many groups after the ``::``
        right = f"(?:{group}(?::{group}){{0,{after - 1}}})?" if after else ""
        forms.append(f"{left}::{right}")
    return f"(?:{'|'.join(forms)})"


# No ``pattern`` beside the format: a pattern alone admits all-digit addresses,
# which are valid checksums, so a tool that drops the format to draw invalid
# values would draw valid ones.
_ADDRESS = {
    "type": "string",
    "format": EIP55_FORMAT,
    "description": "0x and 40 hexadecimal digits, EIP-55 checksummed",
}


@cache
def redirect_uri_pattern(allow_http_loopback: bool) -> str:
    """An absolute https URL without fragment (with the development setting,
    also http to a loopback host), in printable ASCII."""
    hosts = rf"https://(?:{_LABEL}(?:\.{_LABEL})*|\[{_ipv6()}\])"
    if allow_http_loopback:
        hosts = rf"(?:{hosts}|http://(?:localhost|127\.0\.0\.1|\[::1\]))"
    return f"^{hosts}{_PORT_PATH}$"


def _token() -> dict[str, Any]:
    return {
        "type": "object",
        "description": (
            "a token this verifier manages (its base policy applies), given exactly as"
            " configured, and listed in the API key's tokens; else 403"
        ),
        "additionalProperties": False,
        "required": list(TOKEN_MEMBERS),
        "properties": {
            "chain_id": {"type": "string", "pattern": f"^{CAIP2_EIP155_PATTERN}$"},
            "identity_registry": _ADDRESS,
            "token": _ADDRESS,
            "name": token_name_schema(),
        },
    }


def _rules(paths: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "array",
        "maxItems": MAX_RULES,
        "items": {"type": "string", "maxLength": MAX_RULE_LENGTH, "pattern": rule_pattern(paths)},
        "description": "'<claim path> <operator> <JSON value>' (docs/verifier.md)",
    }


_AGE = {"type": "integer", "minimum": 0, "maximum": MAX_AGE_DAYS}

token_name_schema()  # walks the Unicode code points once per process, at import, not
# on a worker's first request for the document (issue 22)


def _sd_jwt_policy() -> dict[str, Any]:
    """An inline SD-JWT VC policy (no ``dcql``: the query is derived from the
    rules and claims, so the wallet is asked for exactly what they read)."""
    members: dict[str, Any] = {
        "format": {"const": vp.FORMAT_SD_JWT_VC},
        "vct": {"type": "string", "minLength": 1},
        "rules": _rules(),
        "claims": {
            "type": "array",
            "maxItems": MAX_RULES,
            "items": {"type": "array", "minItems": 1, "items": {"type": "string"}},
        },
        "max_credential_age_days": _AGE,
        "address_proof": {"type": "boolean"},
        "token": {"$ref": "#/components/schemas/Token"},
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["vct"],
        # the members Policy.from_dict takes (a KeyError here: a member without a schema)
        "properties": {m: members[m] for m in sorted(SD_JWT_MEMBERS - {INLINE_REFUSED})},
        # an address proof needs a token, and a token is only for an address proof
        "if": {"required": ["address_proof"], "properties": {"address_proof": {"const": True}}},
        "then": {"required": ["token"]},
        "else": {"not": {"required": ["token"]}},
    }


def _w3c_policies() -> list[dict[str, Any]]:
    """One inline W3C predicate-credential policy per credential type."""

    def members(group: PredicateGroup) -> dict[str, Any]:
        return {
            "format": {"enum": sorted(w3c_spec.FORMATS)},
            "credential_type": {"const": group.type},
            "rules": _rules(list(group.members)),
            "max_credential_age_days": _AGE,
        }

    return [
        {
            "type": "object",
            "additionalProperties": False,
            "required": ["format", "credential_type"],
            "properties": {m: members(group)[m] for m in sorted(W3C_MEMBERS)},
        }
        for group in PREDICATE_GROUPS
    ]


def _create(policies: Mapping[str, Mapping[str, Any]], allow_http_loopback: bool) -> dict[str, Any]:
    """One variant per configured policy name (``token``, which overrides the
    policy's, only for a policy with an address proof), one for an inline SD-JWT
    VC policy, one per inline W3C policy (an inline policy carries its own token)."""
    redirect = {
        "type": "string",
        "maxLength": MAX_REDIRECT_URI,
        "pattern": redirect_uri_pattern(allow_http_loopback),
        "description": "where the same-device browser lands, with ?response_code=…",
    }
    token = {"$ref": "#/components/schemas/Token"}

    def variant(key: str, value: Any, with_token: bool) -> dict[str, Any]:
        properties = {key: value, "redirect_uri": redirect} | (
            {"token": token} if with_token else {}
        )
        return {
            "type": "object",
            "additionalProperties": False,
            "required": [key],
            "properties": properties,
        }

    named = [
        variant("policy", {"const": name}, Policy.from_dict(name, body).address_proof)
        for name, body in sorted(policies.items())
    ]  # a key uses only the names listed for it (403)
    inline = [variant("policy_body", _sd_jwt_policy(), False)]
    inline += [variant("policy_body", schema, False) for schema in _w3c_policies()]
    return {"oneOf": named + inline}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "error", "content": _json("Error")} for c in codes}


def openapi_document(
    server_url: str,
    policies: Mapping[str, Mapping[str, Any]],
    allow_http_loopback: bool = False,
) -> dict[str, Any]:
    """The document, with the configured policy names and the redirect rule in force."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "kyc-wallet verifier API", "version": "1"},
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Token": _token(),
                "CreateVerification": _create(policies, allow_http_loopback),
                **ANSWER_SCHEMAS,
            },
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/api/v1/verifications": {
                "post": {
                    "summary": "Start a verification (an OpenID4VP request)",
                    "parameters": [QR_PARAMETER],
                    "requestBody": {"required": True, "content": _json("CreateVerification")},
                    "responses": {
                        "201": {"description": "created", "content": _json("Created")},
                        **_errors(400, 401, 403, 413),
                    },
                },
                "get": {
                    "summary": "The API key's own verifications, newest first",
                    "parameters": [
                        {
                            "name": name,
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": low, "maximum": high},
                        }
                        for name, (low, high) in LIST_PARAMETERS.items()
                    ],
                    "responses": {
                        "200": {"description": "a page", "content": _json("VerificationList")},
                        **_errors(400, 401),
                    },
                },
            },
            "/api/v1/verifications/{id}": {
                "get": {
                    "summary": "The state of a verification (another key's: 404, as unknown)",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "response_code",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "the verification",
                            "content": _json("Verification"),
                        },
                        **_errors(401, 403, 404),
                    },
                }
            },
            "/api/v1/verifications/{id}/qr.svg": {
                "get": {
                    "summary": "The QR code of the verification's link (its qr_uri)",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "the QR code",
                            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
                        },
                        **_errors(401, 404),
                    },
                }
            },
            "/api/v1/monitor": {
                "post": {
                    "summary": "Re-check the investors this API key's verifications whitelisted,"
                    " now (fresh status lists)",
                    "responses": {
                        "200": {
                            "description": "what was checked",
                            "content": _json("MonitorReport"),
                        },
                        **_errors(401),
                    },
                }
            },
            "/api/v1/addresses/{address}": {
                "get": {
                    "summary": "On which of this API key's tokens the address is whitelisted,"
                    " since when; if removed, when and why",
                    "parameters": [
                        {"name": "address", "in": "path", "required": True, "schema": _ADDRESS}
                    ],
                    "responses": {
                        "200": {
                            "description": "the address",
                            "content": _json("AddressWhitelisting"),
                        },
                        **_errors(400, 401),
                    },
                }
            },
        },
    }
