"""Credentials list and detail, as cards (:mod:`wallet.cards`): title, issuer,
the investor's name for it, validity and a status badge (checked live,
fail-closed shown as "Status unknown"); the W3C credentials received with a
KYC credential inside its card. The investor can name a credential (all its
copies) and delete it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from kyc_wallet.locales import gettext as _
from ssi.errors import InvalidRequest

from .cards import build_cards, card_of, claim_rows, same_credential
from .labels import clean_name, issued_at
from .receive import CREDENTIAL_KIND
from .vault import VaultItem
from .web_context import vault, wallet_context

__all__ = ["bp"]

bp = Blueprint("credentials", __name__)


def _check(item: VaultItem) -> None:
    """The live status check of a held credential (raises unless valid)."""
    claims = item.data.get("claims", {})
    wallet_context().trust_anchors().checker.check_status(claims, item.data.get("credential"))


@bp.get("/credentials")
def list_credentials() -> Any:
    items = list(vault().items(CREDENTIAL_KIND))
    cards = build_cards(items, _check, wallet_context().clock())
    return render_template("wallet/credentials.html", cards=cards)


@bp.get("/credentials/<item_id>")
def detail(item_id: str) -> Any:
    item = vault().get(item_id, CREDENTIAL_KIND)
    items = list(vault().items(CREDENTIAL_KIND))
    card, parent = card_of(item, items, _check, wallet_context().clock())
    return render_template(
        "wallet/credential.html",
        card=card,
        rows=claim_rows(item),
        parent=parent,
        issued=issued_at(item),
    )


@bp.post("/credentials/<item_id>/name")
def rename(item_id: str) -> Any:
    """Name a credential (every copy of it), to tell it from others of its provider."""
    item = vault().get(item_id, CREDENTIAL_KIND)
    try:
        name = clean_name(request.form.get("name", ""))
    except ValueError as exc:
        raise InvalidRequest(str(exc)) from exc
    group = item.data.get("group")
    for other in list(vault().items(CREDENTIAL_KIND)):
        if other.id == item_id or (group and other.data.get("group") == group):
            vault().put(other.kind, {**other.data, "name": name or None}, other.id)
    flash(_("Name saved.") if name else _("Name removed."), "success")
    return redirect(url_for("credentials.detail", item_id=item_id))


@bp.post("/credentials/<item_id>/delete")
def delete(item_id: str) -> Any:
    item = vault().get(item_id, CREDENTIAL_KIND)
    for other in list(vault().items(CREDENTIAL_KIND)):
        if same_credential(item, other):
            vault().delete(other.id)
    flash(_("Credential deleted from this wallet."), "success")
    return redirect(url_for("credentials.list_credentials"))
