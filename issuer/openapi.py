"""The OpenAPI 3.1 document of the issuer's REST API (``/api/v1/openapi.json``).

Request schemas are not written here: they come from the definitions the API
checks with (the applicant's fields in :data:`issuer.kyc_claims.APPLICANT_FIELDS`,
the other members in :mod:`issuer.api_requests`), so a request the document
calls valid is accepted and one it calls invalid is refused with a 400;
schemathesis holds the running server to both (tests/hardening/test_api_schema.py).
The answers' schemas are in :mod:`issuer.openapi_schemas`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from kyc_wallet.web.qr import QR_PARAMETER

from .api_requests import (
    ACTION_NAMES,
    action_request_schema,
    list_parameters,
    offer_request_schema,
)
from .kyc_claims import applicant_schema
from .openapi_schemas import ISSUANCE_SCHEMAS, json_content, ref

__all__ = ["openapi_document"]

_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
_SECURITY: list[dict[str, list[str]]] = [{"apiKey": []}]


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): json_content("error", ref("Error")) for code in codes}


def _list(summary: str, member: str, item: str) -> dict[str, Any]:
    answer = {
        "type": "object",
        "required": [member],
        "properties": {member: {"type": "array", "items": ref(item)}},
    }
    return {
        "get": {
            "summary": summary,
            "security": _SECURITY,
            "parameters": list_parameters(),
            "responses": {"200": json_content(member, answer), **_errors(400, 401)},
        }
    }


def _action(summary: str) -> dict[str, Any]:
    action = {
        "name": "action",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": list(ACTION_NAMES)},
    }
    return {
        "post": {
            "summary": summary,
            "security": _SECURITY,
            "parameters": [_ID, action],
            "requestBody": {"content": {"application/json": {"schema": action_request_schema()}}},
            "responses": {
                "200": json_content(
                    "the issuance after the action, and every copy it changed",
                    ref("StatusChange"),
                ),
                "409": json_content(
                    "the action does not apply (already in that state, or revoked): nothing"
                    " changed; the issuance as it is",
                    ref("Conflict"),
                ),
                **_errors(400, 401, 404, 413),
            },
        }
    }


def _offers() -> dict[str, Any]:
    return {
        "post": {
            "summary": "Record a verified applicant and create a credential offer",
            "security": _SECURITY,
            "parameters": [QR_PARAMETER],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": offer_request_schema()}},
            },
            "responses": {
                "201": json_content(
                    "the offer: URI, link, same-device link, PIN, qr_uri (qr_svg with ?qr=svg)",
                    {"type": "object", "required": ["offer_id", "link", "tx_code", "qr_uri"]},
                ),
                **_errors(400, 401, 413),
            },
        }
    }


def openapi_document(server_url: str, today: dt.date | None = None) -> dict[str, Any]:
    """The document; ``today`` bounds the birthdate (default: the local date, as
    KycRecord's check uses)."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "kyc-wallet issuer API", "version": "1"},
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Applicant": applicant_schema(today), **ISSUANCE_SCHEMAS},
        },
        "paths": {
            "/api/v1/offers": _offers(),
            "/api/v1/offers/{id}/qr.svg": {
                "get": {
                    "summary": "The QR code of an open offer's link (its qr_uri)",
                    "security": _SECURITY,
                    "parameters": [_ID],
                    "responses": {
                        "200": {
                            "description": "the QR code",
                            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
                        },
                        **_errors(401, 404),
                    },
                }
            },
            "/api/v1/credentials": _list("List issued credentials", "credentials", "Credential"),
            "/api/v1/credentials/{id}/{action}": _action(
                "Revoke, suspend or reinstate the issuance of this copy: every copy, every"
                " format (per-copy actions are only in the operator UI, under Advanced)"
            ),
            "/api/v1/issuances": _list(
                "List issuances (an offer and its copies), newest first", "issuances", "Issuance"
            ),
            "/api/v1/issuances/{id}": {
                "get": {
                    "summary": "One issuance and its copies",
                    "security": _SECURITY,
                    "parameters": [_ID],
                    "responses": {
                        "200": json_content("the issuance", ref("Issuance")),
                        **_errors(401, 404),
                    },
                }
            },
            "/api/v1/issuances/{id}/{action}": _action(
                "Revoke, suspend or reinstate an issuance: every copy, every format, one"
                " transaction; revoking burns an open offer"
            ),
        },
    }
