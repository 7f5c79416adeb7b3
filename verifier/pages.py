"""The verifier's own minimal pages: pick a policy, show the QR code (with its
verification code) and the same-device button, poll the status (a static
script, no inline JavaScript).

Everything here is for the browser session that created the request
(OpenID4VP 1.0 §14 session binding): the session cookie holds the secret of
each verification it started, and each route compares its hash. Even that
session learns a same-device answer's claims and address only on the landing
page (``/verifications/<id>/done``) with the ``response_code`` the wallet
redirected to: whoever starts a verification and relays its same-device link
to someone else sees only "done" or "refused" on the status endpoint
(:func:`verifier.service.session_status_view`). A cross-device answer (the QR
code) shows its outcome and the shortened address on the page that showed the
QR code; the wallet's consent screen shows the same verification code.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any

from flask import (
    Blueprint,
    abort,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from kyc_wallet.web import qr_svg, wants_json
from ssi.errors import AccessDenied, InvalidRequest

from .current import context
from .db import verifications
from .policies import unknown_policy
from .service import create_verification, row_links, session_status_view, status_view
from .settings import settings
from .storage import database, secret_hash

__all__ = ["bp", "SESSION_HEADER", "start_for_policy"]

bp = Blueprint("pages", __name__, static_folder="static", static_url_path="/verifier-static")
SESSION_HEADER = "X-Session-Secret"
_MAX_SESSION_VERIFICATIONS = 10


def _row(tx_id: str) -> Any:
    with database().read() as conn:
        row = verifications.get(conn, tx_id)
    if row is None:
        abort(404)
    return row


def _session_row(tx_id: str) -> Any:
    """The transaction, if this session (cookie or header secret) created it; else 403."""
    row = _row(tx_id)
    secret = request.headers.get(SESSION_HEADER) or session.get("verifications", {}).get(tx_id)
    if not isinstance(secret, str) or not hmac.compare_digest(
        secret_hash(secret), row["session_hash"]
    ):
        raise AccessDenied("this verification was started by another session")
    return row


@bp.get("/")
def index() -> Any:
    return render_template("verifier/index.html", policies=sorted(settings().policies))


@bp.post("/start")
def start() -> Any:
    return start_for_policy(request.form.get("policy", ""))


def start_for_policy(name: str) -> Any:
    """Start a verification for this browser session and show its request."""
    policies: Mapping[str, Any] = settings().policies
    if name not in policies:
        raise InvalidRequest(unknown_policy(name, policies))
    created = create_verification(policies[name], name, "page")
    mine = dict(session.get("verifications", {}))
    mine[created.id] = created.session_secret
    session["verifications"] = dict(list(mine.items())[-_MAX_SESSION_VERIFICATIONS:])
    return redirect(url_for("pages.verification", tx_id=created.id))


@bp.get("/verifications/<tx_id>")
def verification(tx_id: str) -> Any:
    row = _session_row(tx_id)
    _, link, same_device = row_links(row)
    return render_template(
        "verifier/verification.html",
        row=row,
        link=link,
        same_device_link=same_device,
        qr=qr_svg(link),
    )


@bp.get("/verifications/<tx_id>/status")
def status(tx_id: str) -> Any:
    row = _session_row(tx_id)
    now = context().now()
    response = jsonify(session_status_view(row, now))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/verifications/<tx_id>/done")
def done(tx_id: str) -> Any:
    row = _session_row(tx_id)
    code = request.args.get("response_code", "")
    if not hmac.compare_digest(secret_hash(code), row["response_code_hash"] or ""):
        raise AccessDenied("this response_code is not the one of this verification")
    now = context().now()
    result = status_view(row, now, with_claims=True)
    if wants_json():  # the landing page's script polls the whitelisting here
        response = jsonify(result)
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("verifier/done.html", result=result, code=code)
