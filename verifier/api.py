"""The platform API (API keys as ``Authorization: Bearer``; OpenAPI 3.1 at
``/api/v1/openapi.json``).

* ``POST /api/v1/verifications``: ``{"policy": name}`` (or ``{"policy_body":
  {vct, rules, …}}``), optional ``token`` (the ERC-3643 token it is for) and
  ``redirect_uri`` (where the same-device browser lands, with
  ``response_code``) -> id, ``request_uri``, the ``openid4vp://`` link, its QR
  code (SVG), the same-device wallet link, and the session secret;
* ``GET /api/v1/verifications/<id>``: pending, verified (with the retained
  claims and the address), refused (with the reason), expired. With
  ``?response_code=…`` the code must be the one the wallet was given (§14).
"""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request
from werkzeug.exceptions import NotFound

from kyc_wallet.web import Store
from kyc_wallet.web.auth import api_key_required
from ssi.errors import AccessDenied, InvalidRequest, MalformedInput
from ssi.fetch import is_loopback_host

from .openapi import openapi_document
from .policies import Policy, TokenTarget
from .service import create_verification, status_view
from .storage import secret_hash

__all__ = ["bp"]

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def _redirect_uri(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 2000:
        raise InvalidRequest("'redirect_uri' must be an absolute https URL")
    parts = urlsplit(value)
    loopback_http = (
        parts.scheme == "http"
        and current_app.config["DEV_ALLOW_HTTP_LOOPBACK"]
        and is_loopback_host(parts.hostname or "")
    )
    if not (parts.scheme == "https" or loopback_http) or not parts.hostname or parts.fragment:
        raise InvalidRequest("'redirect_uri' must be an absolute https URL without fragment")
    return value


def policy_body(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The named policy, or an inline one; both validated here (4xx, never a 500)."""
    name, inline = body.get("policy"), body.get("policy_body")
    if (name is None) == (inline is None):
        raise InvalidRequest("give exactly one of 'policy' (a name) and 'policy_body'")
    if name is not None:
        policies: dict[str, dict[str, Any]] = current_app.extensions["policies"]
        if not isinstance(name, str) or name not in policies:
            raise InvalidRequest(f"unknown policy {name!r}")
        return name, policies[name]
    if not isinstance(inline, dict):
        raise InvalidRequest("'policy_body' must be an object")
    try:
        Policy.from_dict("inline", inline)
    except (MalformedInput, ValueError, TypeError) as exc:
        raise InvalidRequest(f"invalid policy_body: {exc}") from exc
    return "inline", inline


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document(current_app.extensions["identity"].base_url))


@bp.post("/verifications")
@api_key_required
def post_verification(actor: str) -> Any:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidRequest("the request body must be a JSON object")
    name, policy = policy_body(body)
    token = None if body.get("token") is None else TokenTarget.from_dict(body["token"])
    created = create_verification(
        policy, name, actor, token=token, redirect_uri=_redirect_uri(body.get("redirect_uri"))
    )
    return jsonify(created.to_json()), 201


@bp.get("/verifications/<tx_id>")
@api_key_required
def get_verification(actor: str, tx_id: str) -> Any:
    store: Store = current_app.extensions["store"]
    row = store.one("SELECT * FROM verifications WHERE id = ?", (tx_id,))
    if row is None:
        raise NotFound("no such verification")
    code = request.args.get("response_code")
    if code is not None and not hmac.compare_digest(
        secret_hash(code), row["response_code_hash"] or ""
    ):
        raise AccessDenied("this response_code is not the one of this verification")
    now = int(current_app.extensions["clock"]())
    return jsonify(status_view(row, now, with_claims=True))


@bp.post("/monitor")
@api_key_required
def run_monitor(actor: str) -> Any:
    """Continuous compliance on demand: expiry and fresh status of every whitelisted
    investor; removals are queued on chain (the background monitor does the same
    every ``MONITOR_INTERVAL``, honouring each list's ``ttl``)."""
    report = current_app.extensions["background"].tick_monitor(force_refresh=True)
    return jsonify({"checked": report.checked, "removed": report.removed, "failed": report.failed})
