"""Presenting: open a request (the wallet's ``/authorize`` route, a pasted
link or a QR image), see exactly what leaves the wallet (each released
disclosure with its value, :mod:`wallet.release`) and what happens on chain,
consent or decline. Both answer 303 to the wallet's own ``/present/<id>/done``
page, which says how it ended and, when the verifier's answer carries a
``redirect_uri`` (OpenID4VP 1.0 §8.2), continues there with a link and a
static script (the CSP keeps ``form-action 'self'`` and ``script-src 'self'``;
navigation is not a form action). The history of every presentation is kept
encrypted."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from ssi.errors import InvalidRequest

from .accounts import list_accounts
from .labels import credential_summary
from .pending import SessionPending, session_pending
from .present import HISTORY_KIND, PendingRequest, Presenter
from .qr_decode import decode_qr
from .trust_anchors import trust_anchors
from .views_vault import vault

__all__ = ["bp"]

bp = Blueprint(
    "present", __name__, static_folder="static", static_url_path="/wallet-static/present"
)


def _presenter() -> Presenter:
    return trust_anchors().presenter


def _requests() -> SessionPending[PendingRequest]:
    pending: SessionPending[PendingRequest] = session_pending("request")
    return pending


def _now() -> int:
    return int(current_app.extensions["clock"]())


def _consent(link: str) -> Any:
    pending = _presenter().prepare(vault(), link, _now())
    _requests()[pending.id] = pending
    if pending.refusal is not None:
        return render_template("wallet/refusal.html", pending=pending)
    queries = [
        {
            "id": query_id,
            "options": [
                {
                    "release": choice,
                    "item": choice.item,
                    "summary": credential_summary(choice.item),
                    "seen_before": pending.client_id in choice.item.data.get("shown_to", []),
                }
                for choice in choices
            ],
        }
        for query_id, choices in pending.choices.items()
    ]
    return render_template(
        "wallet/consent.html",
        pending=pending,
        queries=queries,
        accounts=list_accounts(vault()),
    )


def _open(request_id: str) -> PendingRequest:
    """Take the request out of the store: a second click finds it answered."""
    pending = _requests().pop(request_id, None)
    if pending is None or pending.outcome is not None:
        if pending is not None:
            _requests().finish(request_id, pending)
        raise InvalidRequest("this request is no longer open here: open the verifier's link again")
    return pending


def _finished(pending: PendingRequest) -> Any:
    """Keep how it ended (not the credentials) for the landing page; 303 there."""
    pending.choices = {}
    _requests().finish(pending.id, pending)
    return redirect(url_for("present.done", request_id=pending.id), code=303)


@bp.get("/authorize")
def authorize() -> Any:
    """The same-device route: a verifier's button opens this with its request's query."""
    if not request.args:
        return redirect(url_for("present.present_form"))
    return _consent(request.url)


@bp.get("/present")
def present_form() -> Any:
    return render_template("wallet/present.html")


@bp.post("/present")
def present_submit() -> Any:
    upload = request.files.get("qr")
    link = decode_qr(upload.read()) if upload is not None and upload.filename else ""
    return _consent(link or request.form.get("link", ""))


@bp.post("/present/<request_id>/consent")
def consent(request_id: str) -> Any:
    pending = _open(request_id)
    chosen = {
        query_id: request.form.get(f"credential_{query_id}", "") for query_id in pending.choices
    }
    address = request.form.get("address") or None
    pending.outcome = _presenter().respond(vault(), pending, chosen, address, _now())
    return _finished(pending)


@bp.post("/present/<request_id>/decline")
def decline(request_id: str) -> Any:
    """Decline (or, for a request the wallet refuses, tell the verifier why)."""
    pending = _open(request_id)
    pending.outcome = _presenter().decline(pending)
    return _finished(pending)


@bp.get("/present/<request_id>/done")
def done(request_id: str) -> Any:
    """Where Share and Decline land: how it ended, and the way on to the verifier."""
    pending = _requests().get(request_id)
    if pending is None or pending.outcome is None:
        raise InvalidRequest("no answered request here: open the verifier's link again")
    return render_template("wallet/present_done.html", pending=pending, outcome=pending.outcome)


@bp.get("/history")
def history() -> Any:
    entries = sorted(vault().items(HISTORY_KIND), key=lambda i: i.data.get("at", 0), reverse=True)
    return render_template("wallet/history.html", entries=entries)
