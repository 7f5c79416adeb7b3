"""The schemas of the issuer API's answers (``components.schemas`` of
``/api/v1/openapi.json``): errors, credentials, issuances and their copies, and
what an action changed (:mod:`issuer.issuances`). Enumerations come from the
definitions the server answers with (statuses, actions, formats)."""

from __future__ import annotations

from typing import Any

from ssi.dcql import spec as dcql

from .issuances import ACTIONS, STATUS_NAMES, Conflict

__all__ = ["ISSUANCE_SCHEMAS", "OFFER_STATES", "json_content", "ref"]

OFFER_STATES = ("open", "redeemed", "withdrawn", "expired")
"""An issuance's offer (:class:`issuer.issuances.Issuance`)."""
_FORMATS = {"enum": [dcql.FORMAT_SD_JWT_VC, dcql.FORMAT_JWT_VC_JSON, dcql.FORMAT_LDP_VC]}
_STATUS = {"type": "string", "enum": list(STATUS_NAMES.values())}
_VCT = {"type": "string", "description": "the SD-JWT VC vct, or the W3C type"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def json_content(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
_CREDENTIAL = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "issuance_id": {"type": "string", "description": "the issuance this copy belongs to"},
        "applicant_id": {"type": "string"},
        "status": _STATUS,
        "vct": _VCT,
        "format": {"type": "string", **_FORMATS},
        "issued_at": {"type": "integer"},
        "expires_at": {"type": "integer"},
        "status_list": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "idx": {"type": "integer"}},
        },
    },
}
_COPY = {
    "type": "object",
    "required": ["id", "format", "vct", "status", "issued_at", "expires_at", "status_list"],
    "properties": {
        "id": {"type": "string"},
        "format": {"type": "string", **_FORMATS},
        "vct": _VCT,
        "status": _STATUS,
        "issued_at": {"type": "integer"},
        "expires_at": {"type": "integer"},
        "status_list": {
            "type": "object",
            "required": ["id", "idx", "uri"],
            "properties": {
                "id": {"type": "string"},
                "idx": {"type": "integer", "minimum": 0},
                "uri": {"type": "string"},
            },
        },
    },
}
_ISSUANCE = {
    "type": "object",
    "required": ["id", "applicant_id", "status", "offer", "created_at", "copies"],
    "properties": {
        "id": {"type": "string"},
        "applicant_id": {"type": "string"},
        "status": _STATUS,
        "offer": {"type": "string", "enum": list(OFFER_STATES)},
        "created_at": {"type": "integer"},
        "copies": {"type": "array", "items": ref("Copy")},
    },
}
_CHANGE = {
    "type": "object",
    "required": ["action", "status", "issuance", "changed", "offer_burnt"],
    "properties": {
        "action": {"type": "string", "enum": list(ACTIONS)},
        "status": _STATUS,
        "issuance": ref("Issuance"),
        "changed": {
            "description": "every copy whose status this action changed, with its index",
            "type": "array",
            "items": ref("Copy"),
        },
        "offer_burnt": {"type": "boolean"},
    },
}
_CONFLICT = {
    "type": "object",
    "required": ["error", "error_description", "issuance"],
    "properties": {
        "error": {"const": Conflict.error},
        "error_description": {"type": "string"},
        "issuance": ref("Issuance"),
    },
}
ISSUANCE_SCHEMAS: dict[str, Any] = {
    "Error": _ERROR,
    "Credential": _CREDENTIAL,
    "Copy": _COPY,
    "Issuance": _ISSUANCE,
    "StatusChange": _CHANGE,
    "Conflict": _CONFLICT,
}
