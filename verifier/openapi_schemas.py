"""The schemas of the verifier platform API's answers (``components.schemas`` of
``/api/v1/openapi.json``): errors, a created verification, its state, a page of
verifications, a monitor run and an address's whitelisting. The request schemas,
built from the definitions the API checks with, are in :mod:`verifier.openapi`."""

from __future__ import annotations

from .policies import TOKEN_MEMBERS

__all__ = ["ANSWER_SCHEMAS", "MAX_LIST"]

MAX_LIST = 100
"""At most this many verifications per page of ``GET /api/v1/verifications``."""

_ERROR = {
    "type": "object",
    "required": ["error", "error_description"],
    "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
}
_CREATED = {
    "type": "object",
    "required": ["id", "request_uri", "link", "same_device_link", "qr_uri", "session_secret"],
    "properties": {
        "id": {"type": "string"},
        "request_uri": {"type": "string"},
        "link": {"type": "string", "description": "openid4vp://?client_id=…&request_uri=…"},
        "same_device_link": {"type": "string"},
        "qr_uri": {
            "type": "string",
            "description": "the QR code of link (SVG), drawn when asked for",
        },
        "qr_svg": {"type": "string", "description": "only with ?qr=svg"},
        "verification_code": {
            "type": "string",
            "description": "show it beside the QR code: the wallet shows the same code",
        },
        "session_secret": {"type": "string"},
        "status": {"type": "string"},
    },
}
_FLOW = {
    "enum": ["same_device", "cross_device", None],
    "description": "which link the wallet answered (null before an answer). A same-device"
    " answer belongs to the browser that lands on your redirect_uri with its response_code:"
    " bind it to a user only there (a same-device link may have been relayed)",
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
        "details_deleted": {
            "type": "object",
            "description": "the request and the claims were deleted after the retention"
            " period (RETENTION_DAYS): the verdict, address and whitelisting stay",
            "required": ["at", "retention_days", "description"],
            "properties": {
                "at": {"type": "integer"},
                "retention_days": {"type": "number"},
                "description": {"type": "string"},
            },
        },
        "address": {"type": ["string", "null"]},
        "policy": {"type": "string"},
        "created_at": {"type": "integer"},
        "expires_at": {"type": "integer"},
        "completed_at": {"type": ["integer", "null"]},
        "flow": _FLOW,
        "last_wallet_error": {
            "type": "object",
            "description": "the last error response a wallet sent: not authenticated, so a"
            " report, not a verdict; the verification stays answerable",
            "properties": {
                "error": {"type": "string"},
                "description": {"type": "string"},
                "at": {"type": "integer"},
            },
        },
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

_LIST = {
    "type": "object",
    "required": ["verifications", "next_offset"],
    "properties": {
        "verifications": {
            "type": "array",
            "maxItems": MAX_LIST,
            "items": {
                "type": "object",
                "required": ["id", "status", "policy", "created_at", "expires_at"],
                "properties": {
                    "id": {"type": "string"},
                    "status": {"enum": ["pending", "verified", "refused", "expired"]},
                    "policy": {"type": "string"},
                    "created_at": {"type": "integer"},
                    "expires_at": {"type": "integer"},
                    "completed_at": {"type": ["integer", "null"]},
                    "flow": _FLOW,
                },
            },
        },
        "next_offset": {"type": ["integer", "null"]},
    },
}
_ADDRESS_VIEW = {
    "type": "object",
    "required": ["address", "tokens"],
    "properties": {
        "address": {"type": "string"},
        "tokens": {
            "type": "array",
            "description": "the API key's tokens on which the address has (had) an intent",
            "items": {
                "type": "object",
                "required": [
                    "id",
                    *TOKEN_MEMBERS,
                    "whitelisted",
                    "since",
                    "removed_at",
                    "removal_reason",
                    "state",
                ],
                "properties": {
                    "id": {"type": "string", "description": "the token's id (base_policies)"},
                    "chain_id": {"type": "string"},
                    "identity_registry": {"type": "string"},
                    "token": {"type": "string"},
                    "name": {"type": "string"},
                    "whitelisted": {"type": "boolean"},
                    "since": {
                        "type": ["integer", "null"],
                        "description": "when it was (last) registered, while whitelisted",
                    },
                    "removed_at": {"type": ["integer", "null"]},
                    "removal_reason": {
                        "type": ["string", "null"],
                        "description": "e.g. CredentialRevoked, CredentialSuspended,"
                        " CredentialExpired",
                    },
                    "state": {"type": "string", "description": "the chain outbox's state"},
                },
            },
        },
    },
}
_MONITOR_RESULT = {
    "type": "object",
    "required": ["address", "identity_registry", "chain", "verification", "result", "reason"],
    "properties": {
        "address": {"type": "string"},
        "identity_registry": {"type": "string"},
        "chain": {"type": "string"},
        "verification": {"type": "string"},
        "result": {"enum": ["valid", "removed", "failed", "waiting"]},
        "reason": {"type": ["string", "null"]},
    },
}
_MONITOR = {
    "type": "object",
    "required": ["checked", "removed", "failed", "results"],
    "properties": {
        "checked": {"type": "integer"},
        "removed": {"type": "array", "items": {"type": "string"}},
        "failed": {"type": "array", "items": {"type": "string"}},
        "results": {"type": "array", "items": _MONITOR_RESULT},
    },
}


ANSWER_SCHEMAS = {
    "Error": _ERROR,
    "Created": _CREATED,
    "Verification": _STATUS,
    "VerificationList": _LIST,
    "MonitorReport": _MONITOR,
    "AddressWhitelisting": _ADDRESS_VIEW,
}
