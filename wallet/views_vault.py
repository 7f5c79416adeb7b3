"""Vault pages: first start (set a passphrase), unlock, lock, change the
passphrase, encrypted backup and restore, Ethereum accounts.

Unlocking starts a new browser session (a fresh cookie with a fresh CSRF
token) that holds only the random handle of its data key
(:mod:`wallet.sessions`); :func:`vault` opens the vault for this request's
session and no other."""

from __future__ import annotations

import re
from typing import Any

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from kyc_wallet.locales import gettext as _
from kyc_wallet.web.display import short_address
from kyc_wallet.web.security import new_csrf_token
from ssi.errors import InvalidRequest

from .accounts import (
    create_account,
    find_account,
    import_account,
    list_accounts,
    remove_account,
    rename_account,
)
from .core import backup as core
from .sessions import SESSION_KEY
from .unlock_limit import MAX_WAIT, TooManyTries
from .vault import MIN_PASSPHRASE_LENGTH, VaultStore, WrongPassphrase
from .web_context import session_handle, vault, wallet_context

__all__ = ["bp", "vaults"]

bp = Blueprint("vault", __name__, static_folder="static", static_url_path="/wallet-static/vault")


def vaults() -> VaultStore:
    return wallet_context().vaults


def _start_session(handle: str) -> None:
    """A new session for the unlocked state: nothing of the session before survives."""
    session.clear()
    session[SESSION_KEY] = handle
    new_csrf_token()


# A path of this wallet: printable ASCII without a backslash, not "//" (another host).
# Browsers drop tabs and newlines from a URL and read a backslash as "/", so
# "/<TAB>/x.example" would leave the wallet (and a newline cannot go into a header).
_LOCAL_PATH = re.compile(r"/(?!/)[\x21-\x5b\x5d-\x7e]*")


def _safe_next(default: str) -> str:
    """Where to go after unlocking: the ``next`` path if it stays in the wallet."""
    target = request.args.get("next", "")
    return target if _LOCAL_PATH.fullmatch(target) else default


@bp.get("/")
def index() -> Any:
    if not vaults().initialized:
        return redirect(url_for("vault.setup"))
    if not vaults().sessions.touch(session_handle()):
        return redirect(url_for("vault.unlock"))
    return redirect(url_for("credentials.list_credentials"))


@bp.route("/setup", methods=["GET", "POST"])
def setup() -> Any:
    """First start: create the wallet, or restore it from a backup."""
    if vaults().initialized:
        return redirect(url_for("vault.index"))
    if request.method == "POST" and request.form.get("action") == "restore":
        return _start_from_backup()
    if request.method == "POST":
        passphrase = request.form.get("passphrase", "")
        if passphrase != request.form.get("confirm", ""):
            raise InvalidRequest("the two passphrases differ")
        _start_session(vaults().create(passphrase))
        flash(_("Your wallet is ready. Everything in it is encrypted with your passphrase."))
        return redirect(url_for("credentials.list_credentials"))
    return render_template("wallet/setup.html", min_length=MIN_PASSPHRASE_LENGTH)


def _start_from_backup() -> Any:
    upload = request.files.get("backup")
    if upload is None or not upload.filename:
        raise InvalidRequest("choose your backup file")
    context = wallet_context()
    message = core.StartFromBackup(upload.read(), request.form.get("passphrase", ""))
    started = core.start_from_backup(context, message, context.clock())
    _start_session(started.session)
    flash(
        _(
            "Your wallet is restored from the backup: %(summary)s. It opens with the"
            " backup's passphrase.",
            summary=core.restored_summary(started.restored),
        ),
        "success",
    )
    return redirect(url_for("credentials.list_credentials"))


def _unlock_page(status: int = 200, headers: dict[str, str] | None = None) -> Any:
    state = vaults().attempts.state()
    page = render_template(
        "wallet/unlock.html",
        failures=state.failures,
        retry_after=state.retry_after,
        max_wait_minutes=round(MAX_WAIT / 60),
    )
    return page, status, headers or {}


@bp.route("/unlock", methods=["GET", "POST"])
def unlock() -> Any:
    if not vaults().initialized:
        return redirect(url_for("vault.setup"))
    if request.method == "POST":
        try:
            handle = vaults().unlock(request.form.get("passphrase", ""))
        except TooManyTries as exc:
            return _unlock_page(429, {"Retry-After": str(exc.state.retry_after)})
        except WrongPassphrase:
            flash(_("Wrong passphrase. Try again."), "error")
            return _unlock_page(403)
        _start_session(handle)
        return redirect(_safe_next(url_for("credentials.list_credentials")))
    return _unlock_page()


@bp.post("/lock")
def lock() -> Any:
    vaults().lock(session_handle())
    session.clear()
    flash(_("Wallet locked."))
    return redirect(url_for("vault.unlock"))


@bp.route("/settings", methods=["GET", "POST"])
def settings() -> Any:
    if request.method == "POST":
        new = request.form.get("new", "")
        if new != request.form.get("confirm", ""):
            raise InvalidRequest("the two new passphrases differ")
        vaults().change_passphrase(session_handle(), request.form.get("old", ""), new)
        flash(_("Passphrase changed. Other browser sessions are locked."), "success")
        return redirect(url_for("vault.settings"))
    return render_template("wallet/settings.html", min_length=MIN_PASSPHRASE_LENGTH)


@bp.post("/backup")
def backup() -> Any:
    context = wallet_context()
    message = core.MakeBackup(session_handle(), request.form.get("passphrase", ""))
    made = core.make_backup(context, message, context.clock())
    return Response(
        made.content,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="{made.filename}"'},
    )


@bp.post("/restore")
def restore() -> Any:
    upload = request.files.get("backup")
    if upload is None:
        raise InvalidRequest("choose a backup file")
    context = wallet_context()
    passphrase = request.form.get("passphrase", "")
    message = core.RestoreBackup(session_handle(), upload.read(), passphrase)
    restored = core.restore(context, message, context.clock())
    flash(
        _("Restored from the backup: %(summary)s.", summary=core.restored_summary(restored)),
        "success",
    )
    return redirect(url_for("credentials.list_credentials"))


@bp.route("/accounts", methods=["GET", "POST"])
def accounts() -> Any:
    """The addresses; ``?remove=<id>`` asks to confirm removing one (no script needed)."""
    if request.method == "POST":
        if request.form.get("action") == "import":
            account = import_account(
                vault(), request.form.get("private_key", ""), request.form.get("label", "")
            )
        else:
            account = create_account(vault(), request.form.get("label", ""))
        flash(_("Address %(address)s added.", address=short_address(account.address)), "success")
        return redirect(url_for("vault.accounts"))
    removing = request.args.get("remove")
    confirm = find_account(vault(), removing) if removing else None
    return render_template("wallet/accounts.html", accounts=list_accounts(vault()), confirm=confirm)


@bp.post("/accounts/<item_id>/name")
def rename(item_id: str) -> Any:
    account = rename_account(vault(), item_id, request.form.get("label", ""))
    flash(
        _(
            "%(address)s is now called “%(label)s”.",
            address=short_address(account.address),
            label=account.label,
        ),
        "success",
    )
    return redirect(url_for("vault.accounts"))


@bp.post("/accounts/<item_id>/remove")
def remove(item_id: str) -> Any:
    if request.form.get("confirm") != "yes":
        return redirect(url_for("vault.accounts", remove=item_id))
    account = remove_account(vault(), item_id)
    flash(
        _(
            "%(label)s (%(address)s) was removed from this wallet.",
            label=account.label,
            address=short_address(account.address),
        ),
        "success",
    )
    return redirect(url_for("vault.accounts"))
