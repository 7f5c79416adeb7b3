"""Operator sign-in for the issuer's and the verifier's operator pages: one
password (configured, or generated into the data folder with mode 0600),
compared in constant time; the session remembers the signed-in operator."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from .config import persistent_secret

__all__ = [
    "add_signin_routes",
    "operator_password",
    "password_matches",
    "sign_in",
    "signed_in",
    "safe_next",
]

F = TypeVar("F", bound=Callable[..., Any])


def operator_password() -> str:
    configured = current_app.config.get("OPERATOR_PASSWORD")
    if configured:
        return str(configured)
    return persistent_secret(Path(current_app.config["DATA_DIR"]) / "operator_password")


def password_matches(given: str) -> bool:
    return hmac.compare_digest(given.encode(), operator_password().encode())


def sign_in() -> None:
    session.clear()  # a fresh session: no fixation of a pre-login session
    session["operator"] = True


def safe_next(prefix: str, default: str) -> str:
    """The ``next`` parameter when it is a path under ``prefix`` (no open redirect)."""
    target = request.args.get("next", "")
    return target if target.startswith(prefix) and not target.startswith("//") else default


def signed_in(login_endpoint: str) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not session.get("operator"):
                return redirect(url_for(login_endpoint, next=request.path))
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def add_signin_routes(bp: Blueprint, base_template: str) -> None:
    """``/operator/login`` and ``/operator/logout`` on ``bp`` (its ``index`` is home)."""

    def login() -> Any:
        if request.method == "POST":
            if password_matches(request.form.get("password", "")):
                sign_in()
                return redirect(safe_next("/operator/", url_for(f"{bp.name}.index")))
            flash("Wrong password.", "error")
            return render_template("common/login.html", base_template=base_template), 401
        return render_template("common/login.html", base_template=base_template)

    def logout() -> Any:
        session.clear()
        return redirect(url_for(f"{bp.name}.login"))

    bp.add_url_rule("/operator/login", "login", login, methods=["GET", "POST"])
    bp.add_url_rule("/operator/logout", "logout", logout, methods=["POST"])
