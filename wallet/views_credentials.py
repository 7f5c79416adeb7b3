"""Credentials list and detail: every claim with its display name, the issuer,
the expiry, and the current status (checked live, fail-closed shown as
"unknown"). The investor can name a credential (all its copies); the list
shows the name, when it was issued and which claims it holds, so that two
credentials of one provider can be told apart."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ssi.errors import CredentialStatusError, InvalidRequest, SSIError

from .labels import claim_label, clean_name, credential_summary, issued_at
from .receive import CREDENTIAL_KIND
from .vault import VaultItem
from .web_context import vault, wallet_context

__all__ = ["bp", "flatten_claims", "ordered_claims"]

bp = Blueprint("credentials", __name__)

_HIDDEN = {"iss", "iat", "exp", "nbf", "cnf", "vct", "status", "_sd_alg"}


def flatten_claims(
    claims: dict[str, Any], prefix: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], Any]]:
    """(path, value) for every leaf claim, objects walked, registered claims left out."""
    rows: list[tuple[tuple[str, ...], Any]] = []
    for name, value in claims.items():
        if not prefix and name in _HIDDEN:
            continue
        path = (*prefix, name)
        if isinstance(value, dict):
            rows.extend(flatten_claims(value, path))
        else:
            rows.append((path, value))
    return rows


def ordered_claims(item: VaultItem) -> list[tuple[tuple[str, ...], Any]]:
    """The credential's leaf claims in the order of its type's claim descriptions."""
    order = {tuple(path): i for i, (path, _label) in enumerate(item.data.get("claim_labels", []))}
    leaves = flatten_claims(item.data.get("claims", {}))
    return sorted(leaves, key=lambda row: order.get(row[0], len(order)))


def _date(timestamp: Any) -> str:
    if not isinstance(timestamp, int | float):
        return "never"
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d")


@bp.get("/credentials")
def list_credentials() -> Any:
    groups: dict[str, list[VaultItem]] = defaultdict(list)
    for item in vault().items(CREDENTIAL_KIND):
        groups[item.data.get("group", item.id)].append(item)
    cards = [
        {
            "item": items[0],
            "copies": len(items),
            "unused": sum(1 for i in items if not i.data.get("shown_to")),
            "expires": _date(items[0].data.get("claims", {}).get("exp")),
            "summary": credential_summary(items[0]),
        }
        for items in groups.values()
    ]
    return render_template("wallet/credentials.html", cards=cards)


@bp.get("/credentials/<item_id>")
def detail(item_id: str) -> Any:
    item = vault().get(item_id, CREDENTIAL_KIND)
    claims = item.data.get("claims", {})
    status = "valid"
    try:
        wallet_context().trust_anchors().checker.check_status(claims, item.data.get("credential"))
    except CredentialStatusError as exc:
        status = str(exc.description)
    except SSIError as exc:
        status = f"unknown: {exc.description}"
    rows = [(claim_label(item, path), value) for path, value in ordered_claims(item)]
    return render_template(
        "wallet/credential.html",
        item=item,
        rows=rows,
        status=status,
        issued=issued_at(item),
        expires=_date(claims.get("exp")),
        summary=credential_summary(item),
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
    flash("Name saved." if name else "Name removed.", "success")
    return redirect(url_for("credentials.detail", item_id=item_id))


@bp.post("/credentials/<item_id>/delete")
def delete(item_id: str) -> Any:
    item = vault().get(item_id, CREDENTIAL_KIND)
    group = item.data.get("group")
    for other in list(vault().items(CREDENTIAL_KIND)):
        if other.id == item_id or (group and other.data.get("group") == group):
            vault().delete(other.id)
    flash("Credential deleted from this wallet.", "success")
    return redirect(url_for("credentials.list_credentials"))
