"""Presenting: open a request (the wallet's ``/authorize`` route, or a pasted
link or a QR image on the scanner, :mod:`wallet.views_scan`), see exactly
what leaves the wallet (each released disclosure with its value,
:mod:`wallet.release`) and what happens on chain, consent or decline. Both
answer 303 to the wallet's own ``/present/<id>/done`` page, which says how it
ended and, when the verifier's answer carries a ``redirect_uri`` (OpenID4VP
1.0 §8.2), continues there with a link and a static script (the CSP keeps
``form-action 'self'`` and ``script-src 'self'``; navigation is not a form
action). The history of every presentation is kept encrypted. The work is
:mod:`wallet.core.present`'s: these views parse, call it, and render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from .core import present as core
from .views_scan import open_link, scan_page, scan_submit, too_large
from .web_context import session_handle, wallet_context

__all__ = ["bp"]

bp = Blueprint(
    "present", __name__, static_folder="static", static_url_path="/wallet-static/present"
)

_CHOICE = "credential_"
"""The consent form's field for query ``q`` is ``credential_<q>`` (the chosen item id)."""


def _landing(request_id: str) -> Any:
    return redirect(url_for("present.done", request_id=request_id), code=303)


@bp.get("/authorize")
def authorize() -> Any:
    """The same-device route: a verifier's button opens this with its request's query."""
    if not request.args:
        return redirect(url_for("scan.scan"))
    return open_link(request.url, "request")


@bp.get("/present")
def present_form() -> Any:
    """The scanner, by its older address."""
    return scan_page()


@bp.post("/present")
def present_submit() -> Any:
    return scan_submit(prefer="request")


@bp.post("/present/<request_id>/consent")
def consent(request_id: str) -> Any:
    context = wallet_context()
    chosen = {
        name.removeprefix(_CHOICE): value
        for name, value in request.form.items()
        if name.startswith(_CHOICE)
    }
    message = core.Consent(session_handle(), request_id, chosen, request.form.get("address"))
    answered = core.consent(context, message, context.clock())
    return _landing(answered.id)


@bp.post("/present/<request_id>/decline")
def decline(request_id: str) -> Any:
    """Decline (or, for a request the wallet refuses, tell the verifier why)."""
    context = wallet_context()
    answered = core.decline(context, core.Decline(session_handle(), request_id), context.clock())
    return _landing(answered.id)


@bp.get("/present/<request_id>/done")
def done(request_id: str) -> Any:
    """Where Share and Decline land: how it ended, and the way on to the verifier."""
    context = wallet_context()
    pending = core.landing(context, core.Landing(session_handle(), request_id), context.clock())
    return render_template(
        "wallet/present_done.html",
        pending=pending,
        identity=pending.identity,
        outcome=pending.outcome,
    )


@bp.get("/history")
def history() -> Any:
    context = wallet_context()
    entries = core.history(context, core.History(session_handle()), context.clock())
    return render_template("wallet/history.html", entries=entries)


bp.register_error_handler(RequestEntityTooLarge, too_large)
