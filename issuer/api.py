"""The REST API for KYC vendors' back ends (API keys, ``Authorization: Bearer``).

``POST /api/v1/offers`` records an applicant and returns the credential offer
(URI, link, PIN, where to get its QR code: ``qr_uri``, ``GET
/api/v1/offers/<id>/qr.svg`` while the offer is open; the SVG itself only with
``?qr=svg``) and its ``issuance_id``; ``GET /api/v1/issuances`` lists
issuances with their copies, ``GET /api/v1/credentials`` the copies alone;
``POST /api/v1/issuances/<id>/{revoke,suspend,reinstate}`` changes an issuance:
every copy in every format, in one transaction (issue 19 item 5), and so does
``POST /api/v1/credentials/<id>/…`` for the issuance of that copy. The answer
lists every copy and status index it changed; an action that does not apply
(revoking twice) is 409 with the issuance as it is.
The OpenAPI 3.1 document is served at ``/api/v1/openapi.json``; requests are
checked with the definitions it publishes (:mod:`issuer.api_requests`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from kyc_wallet.web import json_object_body
from kyc_wallet.web.auth import api_key_required
from kyc_wallet.web.qr import qr_svg, requested_qr_format

from .api_requests import action_request, list_filter, offer_request
from .core import revoke
from .issuances import Conflict, StatusChange
from .openapi import openapi_document
from .service import (
    STATUS_NAMES,
    create_offer,
    issuance,
    issuances,
    issuer_context,
    open_offer_link,
    record_applicant,
    set_issuance_status,
)

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document(current_app.config["ISSUER_URL"]))


@bp.post("/offers")
@api_key_required
def post_offer(actor: str) -> Any:
    qr = requested_qr_format(request.args.to_dict(flat=False))
    applicant, reference = offer_request(json_object_body())
    applicant_id = record_applicant(applicant, actor, reference)
    offer = create_offer(applicant_id, actor)
    svg = qr_svg(offer.link) if qr == "svg" else None
    qr_uri = f"{current_app.config['ISSUER_URL']}/api/v1/offers/{offer.offer_id}/qr.svg"
    return jsonify(offer.to_json(qr_uri, svg)), 201


@bp.get("/offers/<offer_id>/qr.svg")
@api_key_required
def offer_qr(actor: str, offer_id: str) -> Any:
    """The QR code of an open offer's cross-device link (404 once used or expired)."""
    response = Response(qr_svg(open_offer_link(offer_id)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _credential_json(row: Any) -> dict[str, Any]:
    return {
        "id": row["id"],
        "issuance_id": row["issuance_id"],
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
    rows = revoke.credential_rows(issuer_context(), list_filter(request.args), limit=1000)
    return jsonify({"credentials": [_credential_json(r) for r in rows]})


@bp.get("/issuances")
@api_key_required
def list_issuances(actor: str) -> Any:
    url = str(current_app.config["ISSUER_URL"])
    found = issuances(list_filter(request.args), limit=1000)
    return jsonify({"issuances": [i.to_json(url) for i in found]})


@bp.get("/issuances/<issuance_id>")
@api_key_required
def get_issuance(actor: str, issuance_id: str) -> Any:
    return jsonify(issuance(issuance_id).to_json(str(current_app.config["ISSUER_URL"])))


def _reason() -> str:
    body = json_object_body() if request.get_data(cache=True) else {}  # the body is optional
    return action_request(body)


def _changed(run: Any) -> Any:
    """The change as JSON, or 409 with the issuance as it is."""
    url = str(current_app.config["ISSUER_URL"])
    try:
        change: StatusChange = run()
    except Conflict as exc:
        body = {"error": exc.error, "error_description": exc.description}
        return jsonify({**body, "issuance": exc.issuance.to_json(url)}), exc.status
    return jsonify({**change.to_json(url), "status": STATUS_NAMES[change.issuance.status]})


@bp.post("/issuances/<issuance_id>/<action>")
@api_key_required
def change_issuance(actor: str, issuance_id: str, action: str) -> Any:
    reason = _reason()
    return _changed(lambda: set_issuance_status(issuance_id, action, actor, reason))


@bp.post("/credentials/<credential_id>/<action>")
@api_key_required
def change_status(actor: str, credential_id: str, action: str) -> Any:
    """Acts on the copy's issuance: every copy, every format (issue 19 item 5)."""
    reason = _reason()
    return _changed(
        lambda: set_issuance_status(None, action, actor, reason, credential_id=credential_id)
    )
