"""The verifier's own minimal pages: pick a policy, show the QR code (with its
verification code) and the same-device button, poll the status (a static
script, no inline JavaScript).

The investor reads plain words (issue 20 item 2): the outcome ("Verified: your
address 0x75C1…6506 can now hold SP7"), the whitelisting's progress and a
refusal's reason (:mod:`verifier.outcome_sentences`), the reason's code in
small print; never the claims or the transactions (the operator's verification
page shows those).

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
import json
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

from chain.errors import ChainError
from kyc_wallet.locales import gettext
from kyc_wallet.web import qr_svg, wants_json
from kyc_wallet.web.display import short_address
from ssi.errors import AccessDenied, InvalidRequest, MalformedInput

from .current import context
from .db import verifications
from .outcome_sentences import outcome_messages
from .policies import Policy, unknown_policy
from .rules import Rule
from .service import create_verification, row_links, session_status_view, status_view
from .settings import settings
from .storage import database, secret_hash

__all__ = ["bp", "SESSION_HEADER", "investor_view", "rules_of", "start_for_policy"]

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


def _token_of(row: Any) -> tuple[str | None, str | None]:
    """The symbol of the token a verification whitelists on (else its name) and
    its token page, if it has one on this platform."""
    token = json.loads(row["policy"])["body"].get("token")
    if not isinstance(token, dict):
        return None, None
    platform = context().chain
    if platform is not None:
        try:
            deployed = platform.token(str(token.get("token")))
        except ChainError:
            pass
        else:
            return deployed.symbol, url_for("operator.token_page", symbol=deployed.symbol)
    name = token.get("name")
    return (name if isinstance(name, str) else None), None


def rules_of(row: Any) -> tuple[Rule, ...]:
    """The rules of the verification's policy (to name the one a refusal failed)."""
    policy = json.loads(row["policy"])
    try:
        return Policy.from_dict(policy["name"], policy["body"]).rules
    except MalformedInput:
        return ()


def investor_view(row: Any, view: Mapping[str, Any], *, full: bool) -> dict[str, Any]:
    """What the investor's pages show of a status view: the outcome in words, the
    shortened address, the whitelisting's state; no claims, no transactions.
    ``full``: the same-device landing page, which may name the rule a refusal failed."""
    address = view.get("address")
    short = short_address(address) if address else None
    token, token_url = _token_of(row)
    whitelisting = view.get("whitelisting")
    reason = view.get("reason") or {}
    messages = outcome_messages(
        view,
        short,
        token,
        description=reason.get("description") if full else None,
        rules=rules_of(row) if full else (),
        translate=gettext,
    )
    out: dict[str, Any] = {"id": row["id"], "status": view.get("status"), "flow": view.get("flow")}
    if short:
        out["address"] = short
    if whitelisting:
        out["whitelisting"] = {"state": whitelisting.get("state")}
    if view.get("details_deleted"):
        out["details_deleted"] = view["details_deleted"]
    out["messages"] = messages
    out["token"] = {"label": token, "url": token_url}
    return out


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
    now = context().now()
    return render_template(
        "verifier/verification.html",
        row=row,
        link=link,
        same_device_link=same_device,
        qr=qr_svg(link),
        result=investor_view(row, session_status_view(row, now), full=False),
    )


@bp.get("/verifications/<tx_id>/status")
def status(tx_id: str) -> Any:
    row = _session_row(tx_id)
    now = context().now()
    response = jsonify(investor_view(row, session_status_view(row, now), full=False))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/verifications/<tx_id>/done")
def done(tx_id: str) -> Any:
    row = _session_row(tx_id)
    code = request.args.get("response_code", "")
    if not hmac.compare_digest(secret_hash(code), row["response_code_hash"] or ""):
        raise AccessDenied("this response_code is not the one of this verification")
    now = context().now()
    result = investor_view(row, status_view(row, now, with_claims=False), full=True)
    if wants_json():  # the landing page's script polls the whitelisting here
        response = jsonify(result)
        response.headers["Cache-Control"] = "no-store"
        return response
    return render_template("verifier/done.html", result=result, code=code)
