"""The OpenAPI 3.1 document of the issuer's REST API (``/api/v1/openapi.json``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ssi.country import alpha2_pattern

from .kyc_claims import INVESTOR_CATEGORIES, KYC_LEVELS, KYC_METHODS, SCREENING_RESULTS

__all__ = ["openapi_document"]

_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
_ALPHA2 = alpha2_pattern(any_case=True)  # assigned ISO 3166-1 codes only (issue 19 item 1)
_COUNTRY = {"type": "string", "pattern": f"^{_ALPHA2}$"}
_MONTH_DAY = "(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_DATE = {
    "type": "string",
    "format": "date",
    "pattern": f"^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{{2}}|[1-9][0-9]{{3}})-{_MONTH_DAY}$",
}


# Python's str.isspace() beyond ASCII (what KycRecord strips; not ECMA-262's \s)
_WIDE_SPACE = r"\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_SPACE = r"\t\n\v\f\r \x1c-\x1f\x85\xa0" + _WIDE_SPACE
_SEP = f"[{_SPACE},]"  # KycRecord splits a form's nationalities on [,\s]+
_NO_CONTROL = r"[^\x00-\x1f\x7f-\x9f]*"
_VISIBLE = rf"[^\x00-\x20\x7f-\xa0{_WIDE_SPACE}]"
_TEXT = f"^{_NO_CONTROL}{_VISIBLE}{_NO_CONTROL}$"


def _text(max_length: int = 200, required: bool = True) -> dict[str, Any]:
    """A text with something visible and no control characters (KycRecord);
    optional ones may be empty or null."""
    if required:
        return {"type": "string", "maxLength": max_length, "pattern": _TEXT}
    return {"type": ["string", "null"], "maxLength": max_length, "pattern": f"^$|{_TEXT}"}


def _birthdate(today: dt.date) -> dict[str, Any]:
    """YYYY-MM-DD from 1900-01-01 to ``today`` (KycRecord's plausibility check)."""
    years = "|".join(["19[0-9]{2}", *(str(y) for y in range(2000, today.year))])
    branches = [f"({years})-{_MONTH_DAY}"]
    if today.month > 1:
        months = "|".join(f"{m:02d}" for m in range(1, today.month))
        branches.append(f"{today.year}-({months})-(0[1-9]|[12][0-9]|3[01])")
    days = "|".join(f"{d:02d}" for d in range(1, today.day + 1))
    branches.append(f"{today.year}-{today.month:02d}-({days})")
    pattern = "^(" + "|".join(branches) + ")$"
    return {"type": "string", "format": "date", "pattern": pattern}


def _errors(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": "error",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for code in codes
    }


def openapi_document(server_url: str, today: dt.date | None = None) -> dict[str, Any]:
    """The document; ``today`` bounds the birthdate (default: the local date, as
    KycRecord's check uses)."""
    today = today or dt.date.today()
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
            "given_name": _text(),
            "family_name": _text(),
            "birthdate": _birthdate(today),
            "nationalities": {
                "oneOf": [
                    {"type": "array", "items": _COUNTRY, "minItems": 1, "maxItems": 10},
                    {
                        "type": "string",
                        "description": "codes separated by commas or spaces (a form's field)",
                        "pattern": f"^{_SEP}*{_ALPHA2}({_SEP}+{_ALPHA2}){{0,9}}{_SEP}*$",
                    },
                ]
            },
            "street_address": _text(required=False),
            "locality": _text(required=False),
            "postal_code": _text(20, required=False),
            "country": _COUNTRY,
            "kyc_level": {"enum": [*KYC_LEVELS, *(str(n) for n in KYC_LEVELS)]},
            "kyc_method": {"type": "string", "enum": list(KYC_METHODS)},
            "sanctions_screening_result": {"type": "string", "enum": list(SCREENING_RESULTS)},
            "sanctions_screening_date": _DATE,
            "pep": {"type": "boolean"},
            "investor_classification": {"type": "string", "enum": list(INVESTOR_CATEGORIES)},
            "investor_jurisdiction": {
                "type": ["string", "null"],
                "description": "defaults to country",
                "pattern": f"^({_ALPHA2})?$",
            },
        },
    }
    credential = {
        "type": "object",
        "properties": {
            "id": {"type": "string"},
            "issuance_id": {"type": "string", "description": "the issuance this copy belongs to"},
            "applicant_id": {"type": "string"},
            "status": {"type": "string", "enum": ["valid", "revoked", "suspended"]},
            "vct": {"type": "string", "description": "the SD-JWT VC vct, or the W3C type"},
            "format": {"type": "string", "enum": ["dc+sd-jwt", "jwt_vc_json", "ldp_vc"]},
            "issued_at": {"type": "integer"},
            "expires_at": {"type": "integer"},
            "status_list": {
                "type": "object",
                "properties": {"id": {"type": "string"}, "idx": {"type": "integer"}},
            },
        },
    }
    security: list[dict[str, list[str]]] = [{"apiKey": []}]
    schemas = {
        "Error": _ERROR,
        "Applicant": applicant,
        "Credential": credential,
        **_issuance_schemas(),
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "kyc-wallet issuer API", "version": "1"},
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
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
                        **_errors(400, 401, 413),
                    },
                }
            },
            "/api/v1/credentials": {
                "get": {
                    "summary": "List issued credentials",
                    "security": security,
                    "parameters": [
                        {
                            "name": "applicant_id",
                            "in": "query",
                            "schema": {"type": "string", "minLength": 1},
                        }
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
                        **_errors(400, 401),
                    },
                }
            },
            "/api/v1/credentials/{id}/{action}": _action(
                "Revoke, suspend or reinstate the issuance of this copy: every copy, every"
                " format (per-copy actions are only in the operator UI, under Advanced)",
                security,
            ),
            "/api/v1/issuances": {
                "get": {
                    "summary": "List issuances (an offer and its copies), newest first",
                    "security": security,
                    "parameters": [
                        {
                            "name": "applicant_id",
                            "in": "query",
                            "schema": {"type": "string", "minLength": 1},
                        }
                    ],
                    "responses": {
                        "200": _json(
                            "issuances",
                            {
                                "type": "object",
                                "required": ["issuances"],
                                "properties": {
                                    "issuances": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/Issuance"},
                                    }
                                },
                            },
                        ),
                        **_errors(400, 401),
                    },
                }
            },
            "/api/v1/issuances/{id}": {
                "get": {
                    "summary": "One issuance and its copies",
                    "security": security,
                    "parameters": [_ID],
                    "responses": {
                        "200": _json("the issuance", {"$ref": "#/components/schemas/Issuance"}),
                        **_errors(401, 404),
                    },
                }
            },
            "/api/v1/issuances/{id}/{action}": _action(
                "Revoke, suspend or reinstate an issuance: every copy, every format, one"
                " transaction; revoking burns an open offer",
                security,
            ),
        },
    }


_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
_STATUS = {"type": "string", "enum": ["valid", "revoked", "suspended"]}


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _issuance_schemas() -> dict[str, Any]:
    """Issuance, its copies, and what an action changed (issuer.issuances)."""
    copy = {
        "type": "object",
        "required": ["id", "format", "vct", "status", "issued_at", "expires_at", "status_list"],
        "properties": {
            "id": {"type": "string"},
            "format": {"type": "string", "enum": ["dc+sd-jwt", "jwt_vc_json", "ldp_vc"]},
            "vct": {"type": "string", "description": "the SD-JWT VC vct, or the W3C type"},
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
    issuance = {
        "type": "object",
        "required": ["id", "applicant_id", "status", "offer", "created_at", "copies"],
        "properties": {
            "id": {"type": "string"},
            "applicant_id": {"type": "string"},
            "status": _STATUS,
            "offer": {"type": "string", "enum": ["open", "redeemed", "withdrawn", "expired"]},
            "created_at": {"type": "integer"},
            "copies": {"type": "array", "items": {"$ref": "#/components/schemas/Copy"}},
        },
    }
    change = {
        "type": "object",
        "required": ["action", "status", "issuance", "changed", "offer_burnt"],
        "properties": {
            "action": {"type": "string", "enum": ["revoke", "suspend", "reinstate"]},
            "status": _STATUS,
            "issuance": {"$ref": "#/components/schemas/Issuance"},
            "changed": {
                "description": "every copy whose status this action changed, with its index",
                "type": "array",
                "items": {"$ref": "#/components/schemas/Copy"},
            },
            "offer_burnt": {"type": "boolean"},
        },
    }
    conflict = {
        "type": "object",
        "required": ["error", "error_description", "issuance"],
        "properties": {
            "error": {"const": "conflict"},
            "error_description": {"type": "string"},
            "issuance": {"$ref": "#/components/schemas/Issuance"},
        },
    }
    return {"Copy": copy, "Issuance": issuance, "StatusChange": change, "Conflict": conflict}


def _action(summary: str, security: list[dict[str, list[str]]]) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "security": security,
            "parameters": [
                _ID,
                {
                    "name": "action",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "enum": ["revoke", "suspend", "reinstate"]},
                },
            ],
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": {"reason": {"type": "string"}}}
                    }
                }
            },
            "responses": {
                "200": _json(
                    "the issuance after the action, and every copy it changed",
                    {"$ref": "#/components/schemas/StatusChange"},
                ),
                "409": _json(
                    "the action does not apply (already in that state, or revoked): nothing"
                    " changed; the issuance as it is",
                    {"$ref": "#/components/schemas/Conflict"},
                ),
                **_errors(400, 401, 404, 413),
            },
        }
    }
