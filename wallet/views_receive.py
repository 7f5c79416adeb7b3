"""Receiving a credential: paste a link, follow the same-device route
``/offer?credential_offer_uri=…`` (ARCHITECTURE.md "Links"), or upload a QR
image; see who issues what; enter the PIN; done."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from ssi.errors import InvalidRequest

from .pending import SessionPending, session_pending
from .qr_decode import decode_qr
from .receive import PendingOffer, Receiver
from .trust_anchors import credential_checker
from .views_vault import vault

__all__ = ["bp"]

bp = Blueprint("receive", __name__)


def _receiver() -> Receiver:
    return Receiver(
        current_app.extensions["fetcher"],
        credential_checker(),
        batch_size=int(current_app.config["BATCH_SIZE"]),
        holder_alg=str(current_app.config["HOLDER_KEY_ALG"]),
    )


def _pending() -> SessionPending[PendingOffer]:
    pending: SessionPending[PendingOffer] = session_pending("offer")
    return pending


def _show(link: str) -> Any:
    offer = _receiver().prepare(link)
    _pending()[offer.id] = offer
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
    offer = _pending().get(offer_id)
    if offer is None:
        raise InvalidRequest("this offer is no longer open here: paste the offer link again")
    now = int(current_app.extensions["clock"]())
    ids = _receiver().accept(vault(), offer, request.form.get("pin", "").strip(), now)
    _pending().pop(offer_id, None)
    flash(f"Credential received from {offer.issuer_name} ({len(ids)} copies).", "success")
    return redirect(url_for("credentials.detail", item_id=ids[0]))
