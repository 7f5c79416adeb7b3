"""Presenting: open a request (the wallet's ``/authorize`` route, a pasted
link or a QR image), see exactly what leaves the wallet and what happens on
chain, consent, and follow the verifier's redirect. The history of every
presentation is kept encrypted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from ssi.did import Resolver
from ssi.errors import InvalidRequest
from ssi.oid4vp import WalletTrust

from .accounts import list_accounts
from .pending import SessionPending, session_pending
from .present import HISTORY_KIND, PendingRequest, Presenter
from .qr_decode import decode_qr
from .trust import credential_checker
from .views_credentials import label_for, ordered_claims
from .views_vault import vault
from .w3c import disclosed_rows, is_w3c

__all__ = ["bp"]

bp = Blueprint("present", __name__)


def _presenter() -> Presenter:
    app = current_app
    presenter: Presenter | None = app.extensions.get("presenter")
    if presenter is None:
        roots_path = app.config.get("TRUSTED_X509_ROOTS")
        roots = (
            tuple(x509.load_pem_x509_certificates(Path(roots_path).read_bytes()))
            if roots_path
            else ()
        )
        fetcher = app.extensions["fetcher"]
        resolver = Resolver(
            fetcher, allow_http_loopback=bool(app.config["DEV_ALLOW_HTTP_LOOPBACK"])
        )
        presenter = Presenter(
            fetcher,
            WalletTrust(roots, resolver.resolve_key),
            status_check=credential_checker().check_status,
        )
        app.extensions["presenter"] = presenter
    return presenter


def _requests() -> SessionPending[PendingRequest]:
    pending: SessionPending[PendingRequest] = session_pending("request")
    return pending


def _now() -> int:
    return int(current_app.extensions["clock"]())


def _consent(link: str) -> Any:
    pending = _presenter().prepare(vault(), link, _now())
    _requests()[pending.id] = pending
    queries = []
    for query_id, matches in pending.matches.items():
        options = []
        groups: set[str] = set()
        for found in matches:
            item = found.candidate.ref  # type: ignore[attr-defined]
            group = item.data.get("group", item.id)
            if group in groups:  # one choice per credential: its best copy comes first
                continue
            groups.add(group)
            if is_w3c(item):  # no selective disclosure: everything it holds leaves
                options.append(
                    {
                        "item": item,
                        "shown": disclosed_rows(item),
                        "hidden": [],
                        "whole": True,
                        "seen_before": pending.client_id in item.data.get("shown_to", []),
                    }
                )
                continue
            wanted = {tuple(str(p) for p in path) for path in found.disclose}
            claims = ordered_claims(item)
            shown = [
                (label_for(item, path), value)
                for path, value in claims
                if any(path[: len(w)] == w for w in wanted)
            ]
            hidden = [
                label_for(item, path)
                for path, _value in claims
                if not any(path[: len(w)] == w for w in wanted)
            ]
            options.append(
                {
                    "item": item,
                    "shown": shown,
                    "hidden": hidden,
                    "seen_before": pending.client_id in item.data.get("shown_to", []),
                }
            )
        queries.append({"id": query_id, "options": options})
    return render_template(
        "wallet/consent.html",
        pending=pending,
        queries=queries,
        accounts=list_accounts(vault()),
    )


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
    pending = _requests().pop(request_id, None)
    if pending is None:
        raise InvalidRequest("this request is no longer open here: open the verifier's link again")
    chosen = {
        query_id: request.form.get(f"credential_{query_id}", "") for query_id in pending.matches
    }
    address = request.form.get("address") or None
    redirect_uri = _presenter().respond(vault(), pending, chosen, address, _now())
    if redirect_uri:
        return redirect(redirect_uri)
    flash("Shared. The platform has your answer.", "success")
    return redirect(url_for("present.history"))


@bp.post("/present/<request_id>/decline")
def decline(request_id: str) -> Any:
    _requests().pop(request_id, None)
    flash("Nothing was shared.")
    return redirect(url_for("credentials.list_credentials"))


@bp.get("/history")
def history() -> Any:
    entries = sorted(vault().items(HISTORY_KIND), key=lambda i: i.data.get("at", 0), reverse=True)
    return render_template("wallet/history.html", entries=entries)
