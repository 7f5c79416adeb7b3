"""The OpenAPI 3.1 document of the issuer's REST API (``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Any

from .kyc_claims import INVESTOR_CATEGORIES, KYC_LEVELS, KYC_METHODS, SCREENING_RESULTS

__all__ = ["openapi_document"]

_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
_COUNTRY = {"type": "string", "pattern": "^[A-Za-z]{2}$"}
_DATE = {"type": "string", "format": "date"}


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


def openapi_document(server_url: str) -> dict[str, Any]:
    applicant = {
        "type": "object",
        "required": [
            "given_name",
            "family_name",
            "birthdate",
            "nationalities",
            "country",
            "kyc_level",
            "kyc_method",
            "sanctions_screening_result",
            "sanctions_screening_date",
            "investor_classification",
        ],
        "properties": {
            "given_name": {"type": "string", "maxLength": 200},
            "family_name": {"type": "string", "maxLength": 200},
            "birthdate": _DATE,
            "nationalities": {"type": "array", "items": _COUNTRY, "minItems": 1, "maxItems": 10},
            "street_address": {"type": "string"},
            "locality": {"type": "string"},
            "postal_code": {"type": "string"},
            "country": _COUNTRY,
            "kyc_level": {"type": "integer", "enum": list(KYC_LEVELS)},
            "kyc_method": {"type": "string", "enum": list(KYC_METHODS)},
            "sanctions_screening_result": {"type": "string", "enum": list(SCREENING_RESULTS)},
            "sanctions_screening_date": _DATE,
            "pep": {"type": "boolean"},
            "investor_classification": {"type": "string", "enum": list(INVESTOR_CATEGORIES)},
            "investor_jurisdiction": _COUNTRY,
        },
    }
    credential = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "applicant_id": {"type": "string"},
            "status": {"type": "string", "enum": ["valid", "revoked", "suspended"]},
            "vct": {"type": "string"},
            "issued_at": {"type": "integer"},
            "expires_at": {"type": "integer"},
            "status_list": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "idx": {"type": "integer"}},
            },
        },
    }
    security: list[dict[str, list[str]]] = [{"apiKey": []}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "kyc-wallet issuer API", "version": "1"},
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _ERROR, "Applicant": applicant, "Credential": credential},
        },
        "paths": {
            "/api/v1/offers": {
                "post": {
                    "summary": "Record a verified applicant and create a credential offer",
                    "security": security,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["applicant"],
                                    "properties": {
                                        "applicant": {"$ref": "#/components/schemas/Applicant"},
                                        "reference": {"type": "string", "maxLength": 200},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {
                            "description": "the offer: URI, link, same-device link, QR, PIN",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_errors(400, 401),
                    },
                }
            },
            "/api/v1/credentials": {
                "get": {
                    "summary": "List issued credentials",
                    "security": security,
                    "parameters": [
                        {"name": "applicant_id", "in": "query", "schema": {"type": "string"}}
                    ],
                    "responses": {
                        "200": {
                            "description": "credentials",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "credentials": {
                                                "type": "array",
                                                "items": {
                                                    "$ref": "#/components/schemas/Credential"
                                                },
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        **_errors(401),
                    },
                }
            },
            "/api/v1/credentials/{id}/{action}": {
                "post": {
                    "summary": "Revoke, suspend or reinstate a credential",
                    "security": security,
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "action",
                            "in": "path",
                            "required": True,
                            "schema": {
                                "type": "string",
                                "enum": ["revoke", "suspend", "reinstate"],
                            },
                        },
                    ],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"reason": {"type": "string"}},
                                }
                            }
                        }
                    },
                    "responses": {
                        "200": {
                            "description": "the new status",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        },
                        **_errors(400, 401, 404),
                    },
                }
            },
        },
    }
