"""Receiving a credential: paste a link, follow the same-device route
``/offer?credential_offer_uri=…`` (ARCHITECTURE.md "Links"), or upload a QR
image; see who issues what; enter the PIN; done. The work is
:mod:`wallet.core.receive`'s: these views parse, call it, and render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from .core.receive import AcceptOffer, OpenOffer, accept_offer, open_offer
from .qr_decode import decode_qr
from .web_context import session_handle, wallet_context

__all__ = ["bp"]

bp = Blueprint("receive", __name__)


def _show(link: str) -> Any:
    context = wallet_context()
    offer = open_offer(context, OpenOffer(session_handle(), link), context.clock())
    labels = [label for _path, label in offer.claim_labels]
    return render_template("wallet/offer.html", offer=offer, claim_labels=labels)


@bp.get("/offer")
def offer_route() -> Any:
    """The same-device route: the issuer's button opens this with the offer's query."""
    if not request.args:
        return render_template("wallet/receive.html")
    return _show(request.url)


@bp.get("/receive")
def receive_form() -> Any:
    return render_template("wallet/receive.html")


@bp.post("/receive")
def receive_submit() -> Any:
    upload = request.files.get("qr")
    if upload is not None and upload.filename:
        link = decode_qr(upload.read())
    else:
        link = request.form.get("link", "")
    return _show(link)


@bp.post("/offer/<offer_id>/accept")
def accept(offer_id: str) -> Any:
    context = wallet_context()
    message = AcceptOffer(session_handle(), offer_id, request.form.get("pin", ""))
    received = accept_offer(context, message, context.clock())
    flash(
        f"Credential received from {received.issuer_name} ({len(received.item_ids)} copies).",
        "success",
    )
    return redirect(url_for("credentials.detail", item_id=received.item_ids[0]))
