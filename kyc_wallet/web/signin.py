"""Operator sign-in for the issuer's and the verifier's operator pages
(issue 19 item 9).

* One password: ``OPERATOR_PASSWORD``, or generated into the data folder
  (``operator_password``, mode 0600). A configured password shorter than
  :data:`MIN_PASSWORD_LENGTH` stops the start, with one line that names the
  setting and how to generate one. Compared in constant time.
* ``POST /operator/login`` backs off per client and for all clients together
  (:mod:`.signin_throttle`): 429 with ``Retry-After``.
* Sessions are records on the server (``operator_sessions``): the cookie
  carries a random session id, the database its SHA-256, when it was opened
  and last used, and an HMAC of the password it was opened with. Signing out
  deletes the record, so every copy of the cookie is dead; a new password
  ends every session; a session ends after ``OPERATOR_IDLE_TIMEOUT`` seconds
  without use and ``OPERATOR_SESSION_LIFETIME`` seconds after sign-in
  (OWASP ASVS 4.0 V3.3.1, V3.3.2). The records are in the app's database, so
  every worker of a multi-worker server shares them.
* ``Secure`` cookies and HSTS whenever the public URL is https (:mod:`.https`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlite_migrate import Migrations

from kyc_wallet.database import Database
from kyc_wallet.database.compat import run
from kyc_wallet.locales import gettext as _

from . import signin_throttle as throttle
from .auth import secret_hash
from .config import ConfigurationError, persistent_secret
from .config_types import check_setting_types
from .https import install_https

__all__ = [
    "DEFAULTS",
    "MIN_PASSWORD_LENGTH",
    "add_signin_routes",
    "install_operator_signin",
    "migrations",
    "operator_password",
    "password_notice",
    "safe_next",
    "signed_in",
]

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

MIN_PASSWORD_LENGTH = 16
DEFAULTS: dict[str, Any] = {
    "OPERATOR_IDLE_TIMEOUT": 900,
    "OPERATOR_SESSION_LIFETIME": 28_800,
    "OPERATOR_SIGNIN_ATTEMPTS": 5,
    "OPERATOR_SIGNIN_ATTEMPTS_ALL": 20,
    "OPERATOR_SIGNIN_MAX_DELAY": 900,
}
"""Settings of the sign-in (docs/configuration.md); an app's own value wins."""

migrations = Migrations("kyc-wallet-operator-signin")
"""The sign-in's tables, applied to the issuer's and the verifier's database."""


@migrations()
def m001_operator_sessions_signin(db: Any) -> None:
    db.executescript(
        """
        CREATE TABLE operator_sessions (
            id_hash TEXT PRIMARY KEY,        -- SHA-256 of the session id in the cookie
            password_mac TEXT NOT NULL,      -- HMAC of the password it was opened with
            created_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL
        );
        """
        + throttle.SQL
    )


def install_operator_signin(app: Flask, url_setting: str) -> None:
    """Check the configured password (too short: :class:`ConfigurationError`),
    fill in the sign-in's default settings, and send ``Secure`` cookies and
    HSTS when the public URL (the setting ``url_setting``) is https."""
    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    check_setting_types(app.config, DEFAULTS)
    configured = app.config.get("OPERATOR_PASSWORD")
    if configured not in (None, ""):
        if not isinstance(configured, str):
            raise ConfigurationError(
                f"OPERATOR_PASSWORD must be a string, not {type(configured).__name__!r}: an"
                " environment value is read as JSON, so quote one that is all digits"
                """ (KYCW_ISSUER_OPERATOR_PASSWORD='"…"')"""
            )
        if len(configured) < MIN_PASSWORD_LENGTH:
            length = len(configured)
            raise ConfigurationError(
                f"OPERATOR_PASSWORD has {length} characters, at least {MIN_PASSWORD_LENGTH} "
                "are needed: generate one with "
                "python3 -c 'import secrets; print(secrets.token_urlsafe(24))' "
                "(or leave it unset to use the generated operator_password file)"
            )
    else:  # the generated file, created now if absent; one edited by hand is held to the rule
        path = _password_file(app.config["DATA_DIR"])
        if len(persistent_secret(path)) < MIN_PASSWORD_LENGTH:
            raise ConfigurationError(
                f"{path} holds a password of fewer than {MIN_PASSWORD_LENGTH} characters "
                f"(at least {MIN_PASSWORD_LENGTH} are needed): delete it to have a new one "
                "generated, or set OPERATOR_PASSWORD"
            )
    install_https(app, url_setting)


def password_notice() -> str:
    """Where the operator password is, for the start line: never the password
    itself (stdout goes to the service's log, which more people read)."""
    if current_app.config.get("OPERATOR_PASSWORD"):
        return "operator password: OPERATOR_PASSWORD, as configured"
    return f"operator password: in {_password_file(current_app.config['DATA_DIR'])}"


def _password_file(data_dir: str) -> Path:
    return Path(data_dir) / "operator_password"


def operator_password() -> str:
    """The password, configured or in the generated file; an empty or short one
    (a file emptied while the app runs) is never returned: the sign-in fails
    closed (:class:`ConfigurationError`)."""
    configured = current_app.config.get("OPERATOR_PASSWORD")
    if configured:
        return str(configured)
    path = _password_file(current_app.config["DATA_DIR"])
    password = persistent_secret(path)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigurationError(
            f"{path} holds a password of fewer than {MIN_PASSWORD_LENGTH} characters: "
            "delete it to have a new one generated"
        )
    return password


def _store() -> Database:
    store: Database = current_app.extensions["store"]
    return store


def _now() -> int:
    return int(current_app.extensions["clock"]())


def _password_mac(password: str) -> str:
    """Binds a session to the password it was opened with, without storing it."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, b"operator-password:" + password.encode(), hashlib.sha256).hexdigest()


def _ended(row: Any, now: int) -> str | None:
    """Why the session ``row`` is over, or ``None`` while it lasts."""
    config = current_app.config
    idle = int(config["OPERATOR_IDLE_TIMEOUT"])
    if now - int(row["created_at"]) >= int(config["OPERATOR_SESSION_LIFETIME"]):
        return _("Your session reached its maximum length: sign in again.")
    if now - int(row["last_seen_at"]) >= idle:
        return _(
            "You were signed out after %(minutes)d minutes without activity.", minutes=idle // 60
        )
    try:
        current = _password_mac(operator_password())
    except ConfigurationError as exc:  # fail closed: every session ends
        log.error("operator session ended: %s", exc.description)
        return _("The operator password is not usable: ask the administrator.")
    if not hmac.compare_digest(row["password_mac"], current):
        return _("The operator password has changed: sign in with the new one.")
    return None


def _current_session() -> str | None:
    """``None`` when the cookie names a live session (its last use is now
    recorded); else why not (empty when there is no session at all)."""
    sid = session.get("operator")
    if not isinstance(sid, str):
        return ""
    now = _now()
    with _store().transaction() as conn:
        row = run(
            conn, "SELECT * FROM operator_sessions WHERE id_hash = :id", {"id": secret_hash(sid)}
        ).first()
        if row is None:
            return _("Your session has ended: sign in again.")
        reason = _ended(row, now)
        if reason is not None:
            run(conn, "DELETE FROM operator_sessions WHERE id_hash = :id", {"id": row["id_hash"]})
            return reason
        run(
            conn,
            "UPDATE operator_sessions SET last_seen_at = :now WHERE id_hash = :id",
            {"now": now, "id": row["id_hash"]},
        )
    return None


def _open_session(conn: Any, now: int) -> None:
    config = current_app.config
    run(
        conn,
        "DELETE FROM operator_sessions WHERE last_seen_at <= :idle OR created_at <= :old",
        {
            "idle": now - int(config["OPERATOR_IDLE_TIMEOUT"]),
            "old": now - int(config["OPERATOR_SESSION_LIFETIME"]),
        },
    )
    sid = secrets.token_urlsafe(32)
    run(
        conn,
        "INSERT INTO operator_sessions (id_hash, password_mac, created_at, last_seen_at)"
        " VALUES (:id, :mac, :now, :now)",
        {"id": secret_hash(sid), "mac": _password_mac(operator_password()), "now": now},
    )
    session.clear()  # a fresh session: no fixation of a pre-login session
    session["operator"] = sid


def _attempt(password: str) -> int | None:
    """Sign in with ``password``: ``None`` when signed in, ``0`` when the
    password is wrong, else the seconds to wait (the password unchecked)."""
    now = _now()
    client = throttle.client_scope(request.remote_addr)
    scopes = [client, throttle.ALL]
    with _store().transaction() as conn:
        wait = throttle.retry_after(conn, scopes, now)
        if wait:
            return wait
        try:
            expected = operator_password()
        except ConfigurationError as exc:  # fail closed: nobody signs in
            log.error("operator sign-in refused: %s", exc.description)
            expected = None
        if expected is not None and hmac.compare_digest(password.encode(), expected.encode()):
            throttle.forget(conn, client)
            _open_session(conn, now)
            return None
        throttle.record_failure(conn, scopes, now, current_app.config)
    return 0


def safe_next(prefix: str, default: str) -> str:
    """The ``next`` parameter when it is a path under ``prefix`` (no open redirect)."""
    target = request.args.get("next", "")
    return target if target.startswith(prefix) and not target.startswith("//") else default


def signed_in(login_endpoint: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            reason = _current_session()
            if reason is not None:
                session.pop("operator", None)
                if reason:
                    flash(reason, "error")
                return redirect(url_for(login_endpoint, next=request.path))
            # records and addresses: none stays in the browser's cache after sign-out
            response = make_response(view(*args, **kwargs))
            response.headers["Cache-Control"] = "no-store"
            return response

        return wrapper  # type: ignore[return-value]

    return decorate


def add_signin_routes(bp: Blueprint, base_template: str) -> None:
    """``/operator/login`` and ``/operator/logout`` on ``bp`` (its ``index`` is home)."""

    def page(status: int = 200, headers: dict[str, str] | None = None) -> Any:
        body = render_template("common/login.html", base_template=base_template)
        return body, status, headers or {}

    def login() -> Any:
        if request.method != "POST":
            return page()
        wait = _attempt(request.form.get("password", ""))
        if wait is None:
            return redirect(safe_next("/operator/", url_for(f"{bp.name}.index")))
        if wait:
            log.warning("operator sign-in refused: too many failed attempts (%d s to wait)", wait)
            flash(
                _("Too many failed sign-ins: try again in %(seconds)d seconds.", seconds=wait),
                "error",
            )
            return page(429, {"Retry-After": str(wait)})
        flash(_("Wrong password."), "error")
        return page(401)

    def logout() -> Any:
        sid = session.get("operator")
        if isinstance(sid, str):
            with _store().transaction() as conn:
                run(
                    conn,
                    "DELETE FROM operator_sessions WHERE id_hash = :id",
                    {"id": secret_hash(sid)},
                )
        session.clear()
        return redirect(url_for(f"{bp.name}.login"))

    bp.add_url_rule("/operator/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/operator/logout", "logout", logout, methods=["POST"])
