"""The REST API for KYC vendors' back ends (API keys, ``Authorization: Bearer``).

``POST /api/v1/offers`` records an applicant and returns the credential offer
(URI, link, QR, PIN); ``GET /api/v1/credentials`` lists credentials;
``POST /api/v1/credentials/<id>/{revoke,suspend,reinstate}`` changes a status.
The OpenAPI 3.1 document is served at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from kyc_wallet.web import Store, json_object_body
from kyc_wallet.web.auth import api_key_required
from ssi.errors import InvalidRequest

from .openapi import openapi_document
from .service import STATUS_NAMES, create_offer, record_applicant, set_credential_status

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document(current_app.config["ISSUER_URL"]))


@bp.post("/offers")
@api_key_required
def post_offer(actor: str) -> Any:
    body = json_object_body()
    applicant = body.get("applicant")
    if not isinstance(applicant, dict):
        raise InvalidRequest("'applicant' must be an object with the verified KYC claims")
    reference = body.get("reference", "")
    applicant_id = record_applicant(applicant, actor, reference)
    offer = create_offer(applicant_id, actor)
    return jsonify(offer.to_json()), 201


def _credential_json(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "applicant_id": row["applicant_id"],
        "status": STATUS_NAMES[row["status"]],
        "vct": row["vct"],
        "format": row["format"],
        "issued_at": row["issued_at"],
        "expires_at": row["expires_at"],
        "status_list": {"id": row["status_list_id"], "idx": row["status_idx"]},
    }


@bp.get("/credentials")
@api_key_required
def list_credentials(actor: str) -> Any:
    store: Store = current_app.extensions["store"]
    for name in request.args:  # a misspelt filter must not list every credential
        if name != "applicant_id":
            raise InvalidRequest(f"unknown query parameter {name!r}")
    applicant = request.args.get("applicant_id")
    if applicant == "":
        raise InvalidRequest("'applicant_id' must not be empty (leave it out to list all)")
    if applicant is not None:
        rows = store.all(
            "SELECT * FROM credentials WHERE applicant_id = ? ORDER BY issued_at DESC", (applicant,)
        )
    else:
        rows = store.all("SELECT * FROM credentials ORDER BY issued_at DESC LIMIT 1000")
    return jsonify({"credentials": [_credential_json(r) for r in rows]})


@bp.post("/credentials/<credential_id>/<action>")
@api_key_required
def change_status(actor: str, credential_id: str, action: str) -> Any:
    body = json_object_body() if request.get_data(cache=True) else {}  # the body is optional
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        raise InvalidRequest("'reason' must be a text")
    status = set_credential_status(credential_id, action, actor, reason)
    return jsonify({"id": credential_id, "status": STATUS_NAMES[status]})
