"""Receiving a credential: follow the same-device route
``/offer?credential_offer_uri=…`` (ARCHITECTURE.md "Links"), or paste a link
or upload a QR image on the scanner (:mod:`wallet.views_scan`); see who issues
what; enter the PIN; done. The work is :mod:`wallet.core.receive`'s: these
views parse, call it, and render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from werkzeug.exceptions import RequestEntityTooLarge

from kyc_wallet.locales import gettext as _

from .core.receive import AcceptOffer, accept_offer
from .views_scan import open_link, scan_page, scan_submit, too_large
from .web_context import session_handle, wallet_context

__all__ = ["bp"]

bp = Blueprint("receive", __name__)


@bp.get("/offer")
def offer_route() -> Any:
    """The same-device route: the issuer's button opens this with the offer's query."""
    if not request.args:
        return scan_page()
    return open_link(request.url, "offer")


@bp.get("/receive")
def receive_form() -> Any:
    """The scanner, by its older address."""
    return scan_page()


@bp.post("/receive")
def receive_submit() -> Any:
    return scan_submit(prefer="offer")


@bp.post("/offer/<offer_id>/accept")
def accept(offer_id: str) -> Any:
    context = wallet_context()
    message = AcceptOffer(session_handle(), offer_id, request.form.get("pin", ""))
    received = accept_offer(context, message, context.clock())
    flash(
        _(
            "Credential received from %(issuer)s (%(count)d copies).",
            issuer=received.issuer_name,
            count=len(received.item_ids),
        ),
        "success",
    )
    return redirect(url_for("credentials.detail", item_id=received.item_ids[0]))


bp.register_error_handler(RequestEntityTooLarge, too_large)
