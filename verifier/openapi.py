"""The OpenAPI 3.1 document of the verifier's platform API (``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

__all__ = ["openapi_document"]

_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
_ADDRESS = {"type": "string", "pattern": "^0x[0-9a-fA-F]{40}$"}
_TOKEN = {
    "type": "object",
    "required": ["chain_id", "identity_registry", "token", "name"],
    "properties": {
        "chain_id": {"type": "string", "pattern": "^eip155:[0-9]+$"},
        "identity_registry": _ADDRESS,
        "token": _ADDRESS,
        "name": {"type": "string", "minLength": 1, "maxLength": 100},
    },
}
_POLICY = {
    "type": "object",
    "required": ["vct"],
    "properties": {
        "vct": {"type": "string"},
        "rules": {"type": "array", "items": {"type": "string"}},
        "claims": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
        "max_credential_age_days": {"type": "integer", "minimum": 0},
        "address_proof": {"type": "boolean"},
        "token": {"$ref": "#/components/schemas/Token"},
        "dcql": {"type": "object"},
    },
}
_CREATE = {
    "type": "object",
    "properties": {
        "policy": {"type": "string", "description": "a policy name of the policies file"},
        "policy_body": {"$ref": "#/components/schemas/Policy"},
        "token": {"$ref": "#/components/schemas/Token"},
        "redirect_uri": {"type": "string", "format": "uri"},
    },
}
_CREATED = {
    "type": "object",
    "required": ["id", "request_uri", "link", "same_device_link", "qr_svg", "session_secret"],
    "properties": {
        "id": {"type": "string"},
        "request_uri": {"type": "string"},
        "link": {"type": "string", "description": "openid4vp://?client_id=…&request_uri=…"},
        "same_device_link": {"type": "string"},
        "qr_svg": {"type": "string"},
        "session_secret": {"type": "string"},
        "status": {"type": "string"},
    },
}
_STATUS = {
    "type": "object",
    "required": ["id", "status"],
    "properties": {
        "id": {"type": "string"},
        "status": {"enum": ["pending", "verified", "refused", "expired"]},
        "reason": {
            "type": "object",
            "properties": {"code": {"type": "string"}, "description": {"type": "string"}},
        },
        "claims": {"type": "object"},
        "address": {"type": ["string", "null"]},
        "policy": {"type": "string"},
        "created_at": {"type": "integer"},
        "expires_at": {"type": "integer"},
        "completed_at": {"type": ["integer", "null"]},
        "whitelisting": {
            "type": "object",
            "description": "the on-chain whitelisting of the proven address",
            "properties": {
                "chain": {"type": "string"},
                "identity_registry": {"type": "string"},
                "token": {"type": "string"},
                "address": {"type": "string"},
                "desired": {"enum": ["registered", "removed"]},
                "removal_reason": {"type": ["string", "null"]},
                "state": {"type": "string"},
                "last_error": {"type": ["string", "null"]},
                "transactions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "kind": {"type": "string"},
                            "state": {"type": "string"},
                            "hash": {"type": "string"},
                        },
                    },
                },
            },
        },
    },
}

_MONITOR = {
    "type": "object",
    "required": ["checked", "removed", "failed"],
    "properties": {
        "checked": {"type": "integer"},
        "removed": {"type": "array", "items": {"type": "string"}},
        "failed": {"type": "array", "items": {"type": "string"}},
    },
}


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "error", "content": _json("Error")} for c in codes}


def openapi_document(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "kyc-wallet verifier API", "version": "1"},
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": _ERROR,
                "Token": _TOKEN,
                "Policy": _POLICY,
                "CreateVerification": _CREATE,
                "Created": _CREATED,
                "Verification": _STATUS,
                "MonitorReport": _MONITOR,
            },
        },
        "security": [{"apiKey": []}],
        "paths": {
            "/api/v1/verifications": {
                "post": {
                    "summary": "Start a verification (an OpenID4VP request)",
                    "requestBody": {"required": True, "content": _json("CreateVerification")},
                    "responses": {
                        "201": {"description": "created", "content": _json("Created")},
                        **_errors(400, 401, 415),
                    },
                }
            },
            "/api/v1/verifications/{id}": {
                "get": {
                    "summary": "The state of a verification",
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
            "/api/v1/monitor": {
                "post": {
                    "summary": "Re-check every whitelisted investor now (fresh status lists)",
                    "responses": {
                        "200": {
                            "description": "what was checked",
                            "content": _json("MonitorReport"),
                        },
                        **_errors(401),
                    },
                }
            },
        },
    }
