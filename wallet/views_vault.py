"""Vault pages: first start (set a passphrase), unlock, lock, change the
passphrase, encrypted backup and restore, Ethereum accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from ssi.errors import InvalidRequest

from .accounts import create_account, import_account, list_accounts
from .vault import MIN_PASSPHRASE_LENGTH, Vault, WrongPassphrase

__all__ = ["bp", "vault"]

bp = Blueprint("vault", __name__)


def vault() -> Vault:
    v: Vault = current_app.extensions["vault"]
    return v


def _safe_next(default: str) -> str:
    target = request.args.get("next", "")
    return target if target.startswith("/") and not target.startswith("//") else default


@bp.get("/")
def index() -> Any:
    if not vault().initialized:
        return redirect(url_for("vault.setup"))
    if not vault().unlocked:
        return redirect(url_for("vault.unlock"))
    return redirect(url_for("credentials.list_credentials"))


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> Any:
    if vault().initialized:
        return redirect(url_for("vault.index"))
    if request.method == "POST":
        passphrase = request.form.get("passphrase", "")
        if passphrase != request.form.get("confirm", ""):
            raise InvalidRequest("the two passphrases differ")
        vault().create(passphrase)
        flash("Your wallet is ready. Everything in it is encrypted with your passphrase.")
        return redirect(url_for("credentials.list_credentials"))
    return render_template("wallet/setup.html", min_length=MIN_PASSPHRASE_LENGTH)


@bp.route("/unlock", methods=["GET", "POST"])
def unlock() -> Any:
    if not vault().initialized:
        return redirect(url_for("vault.setup"))
    if request.method == "POST":
        try:
            vault().unlock(request.form.get("passphrase", ""))
        except WrongPassphrase:
            flash("Wrong passphrase. Try again.", "error")
            return render_template("wallet/unlock.html"), 403
        return redirect(_safe_next(url_for("credentials.list_credentials")))
    return render_template("wallet/unlock.html")


@bp.post("/lock")
def lock() -> Any:
    vault().lock()
    flash("Wallet locked.")
    return redirect(url_for("vault.unlock"))


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Any:
    if request.method == "POST":
        new = request.form.get("new", "")
        if new != request.form.get("confirm", ""):
            raise InvalidRequest("the two new passphrases differ")
        vault().change_passphrase(request.form.get("old", ""), new)
        flash("Passphrase changed.", "success")
        return redirect(url_for("vault.settings"))
    return render_template("wallet/settings.html", min_length=MIN_PASSPHRASE_LENGTH)


@bp.post("/backup")
def backup() -> Any:
    data = vault().export_backup(request.form.get("passphrase", ""))
    stamp = dt.date.today().isoformat()
    return Response(
        data,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="kyc-wallet-backup-{stamp}.json"'},
    )


@bp.post("/restore")
def restore() -> Any:
    upload = request.files.get("backup")
    if upload is None:
        raise InvalidRequest("choose a backup file")
    count = vault().restore_backup(upload.read(), request.form.get("passphrase", ""))
    flash(f"Restored {count} item(s) from the backup.", "success")
    return redirect(url_for("credentials.list_credentials"))


@bp.route("/accounts", methods=["GET", "POST"])
def accounts() -> Any:
    if request.method == "POST":
        if request.form.get("action") == "import":
            account = import_account(
                vault(), request.form.get("private_key", ""), request.form.get("label", "")
            )
        else:
            account = create_account(vault(), request.form.get("label", ""))
        flash(f"Account {account.address} added.", "success")
        return redirect(url_for("vault.accounts"))
    return render_template("wallet/accounts.html", accounts=list_accounts(vault()))
