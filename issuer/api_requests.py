"""What the issuer's REST API accepts: each request's check (used by
:mod:`issuer.api`) and its JSON Schema (published by :mod:`issuer.openapi`),
built from the same :mod:`issuer.fields` definitions, so the document and the
server cannot disagree (issue 21 item 11).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ssi.errors import InvalidRequest

from .fields import String
from .issuances import ACTIONS
from .kyc_claims import REFERENCE

__all__ = [
    "ACTION_NAMES",
    "APPLICANT_ID",
    "REASON",
    "action_request",
    "action_request_schema",
    "list_filter",
    "list_parameters",
    "offer_request",
    "offer_request_schema",
]

APPLICANT_ID = String("applicant_id", min_length=1, hint=" (leave it out to list all)")
"""The one filter of ``GET /api/v1/credentials`` and ``GET /api/v1/issuances``."""
REASON = String("reason")
"""The optional reason of a revoke, suspend or reinstate action (the audit log's)."""
ACTION_NAMES = tuple(ACTIONS)
_APPLICANT = "applicant"


def offer_request(body: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """``POST /api/v1/offers``: the applicant (checked by ``KycRecord.from_dict``
    when recorded) and the vendor's reference."""
    applicant = body.get(_APPLICANT)
    if not isinstance(applicant, dict):
        raise InvalidRequest(f"{_APPLICANT!r} must be an object with the verified KYC claims")
    return applicant, REFERENCE.read(body)


def offer_request_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": [_APPLICANT],
        "properties": {
            _APPLICANT: {"$ref": "#/components/schemas/Applicant"},
            REFERENCE.name: REFERENCE.schema(),
        },
    }


def action_request(body: Mapping[str, Any]) -> str:
    """The body of an action (optional: ``{}`` when there is none): its reason."""
    return REASON.read(body)


def action_request_schema() -> dict[str, Any]:
    return {"type": "object", "properties": {REASON.name: REASON.schema()}}


def list_filter(args: Mapping[str, str]) -> str | None:
    """The applicant a list is filtered on; a misspelt filter must not list everyone."""
    for name in args:
        if name != APPLICANT_ID.name:
            raise InvalidRequest(f"unknown query parameter {name!r}")
    return APPLICANT_ID.read(args) if APPLICANT_ID.name in args else None


def list_parameters() -> list[dict[str, Any]]:
    return [{"name": APPLICANT_ID.name, "in": "query", "schema": APPLICANT_ID.schema()}]
