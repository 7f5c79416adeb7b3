"""Issue 20 item 2: an error page keeps the app's navigation, says in a plain
sentence what happened and what to do next, and keeps the technical code in
small print for support; the status code is the error's, and protocol and API
paths still answer JSON. For each of the three apps (Flask's test client)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from issuer.app import create_app as create_issuer
from kyc_wallet.web.error_pages import explain, size_in_words
from verifier.app import create_app as create_verifier
from wallet.app import create_app as create_wallet

PASSWORD = "operator-password"


def _issuer(data_dir: Path) -> Flask:
    return create_issuer({"DATA_DIR": str(data_dir), "OPERATOR_PASSWORD": PASSWORD})


def _wallet(data_dir: Path) -> Flask:
    return create_wallet({"DATA_DIR": str(data_dir)})


def _verifier(data_dir: Path) -> Flask:
    return create_verifier({"DATA_DIR": str(data_dir), "OPERATOR_PASSWORD": PASSWORD})


# app factory, a link only its navigation has, a page form checked for CSRF, an API path
APPS: dict[str, tuple[Callable[[Path], Flask], str, str, str]] = {
    "issuer": (_issuer, "Audit log", "/operator/login", "/api/v1/nope"),
    "wallet": (_wallet, "My credentials", "/lock", "/api/nope"),
    "verifier": (_verifier, "New verification", "/operator/login", "/api/v1/nope"),
}


def _csrf(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _client(name: str, tmp_path: Path) -> tuple[Flask, FlaskClient]:
    return _client_of(APPS[name][0](tmp_path / name), name)


def _parts(page: str) -> dict[str, str]:
    """The page's navigation, headline, next step and small print, as text."""

    def text(pattern: str) -> str:
        match = re.search(pattern, page, re.S)
        assert match, (pattern, page)
        return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())

    return {
        "nav": text(r"<nav[^>]*>(.*?)</nav>"),
        "h1": text(r"<h1>(.*?)</h1>"),
        "next": text(r'data-testid="error-next">(.*?)</p>'),
        "small": text(r'data-testid="error-code"><small>(.*?)</small>'),
    }


def _assert_error_page(page: str, name: str, headline: str, next_step: str, code: str) -> None:
    parts = _parts(page)
    assert APPS[name][1] in parts["nav"]  # the app's own navigation
    assert parts["h1"] == headline
    assert next_step in parts["next"]
    assert f"error {code}" in parts["small"]
    assert "javascript:" not in page and "Something went wrong (" not in page


@pytest.mark.parametrize("name", list(APPS))
def test_error_page_not_found_keeps_the_navigation_and_says_what_to_do(
    name: str, tmp_path: Path
) -> None:
    app, client = _client(name, tmp_path)
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    _assert_error_page(page, name, "This page does not exist", "go to the start page", "not_found")
    with app.test_request_context():
        home = app.url_for(str(app.jinja_env.globals["home_endpoint"]))
    assert f'<a class="button secondary" href="{home}">Go to the start page</a>' in page
    assert "HTTP 404" in _parts(page)["small"]


@pytest.mark.parametrize("name", list(APPS))
def test_error_page_expired_form_says_reload(name: str, tmp_path: Path) -> None:
    _, client = _client(name, tmp_path)
    form_path = APPS[name][2]
    response = client.post(form_path, data={"password": "x"}, headers={"Referer": "/"})
    assert response.status_code == 400  # the status stays the CSRF check's
    page = response.get_data(as_text=True)
    _assert_error_page(
        page, name, "The form expired", "Reload the page and try again.", "invalid_request"
    )
    assert "CSRF" in _parts(page)["small"]  # the technical reason, for support only


@pytest.mark.parametrize("name", list(APPS))
def test_error_page_too_large_names_the_limit(name: str, tmp_path: Path) -> None:
    app, client = _client(name, tmp_path)
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = client.post(
        APPS[name][2],
        data=b"x" * (limit + 1),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    _assert_error_page(
        page,
        name,
        "What you sent is too large",
        f"The limit is {size_in_words(limit)}",
        "invalid_request",
    )


@pytest.mark.parametrize("name", list(APPS))
def test_error_page_unexpected_error_keeps_details_in_small_print(
    name: str, tmp_path: Path
) -> None:
    app = APPS[name][0](tmp_path / name)

    def boom() -> Any:
        raise RuntimeError("secret internals")

    app.add_url_rule("/boom", "boom", boom)
    _, client = _client_of(app, name)
    response = client.get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    _assert_error_page(
        page, name, "Something went wrong on our side", "contact support", "server_error"
    )
    assert "secret internals" not in page
    assert re.search(r"request [0-9a-f]{32}", _parts(page)["small"])


def _client_of(app: Flask, name: str) -> tuple[Flask, FlaskClient]:
    """A client past the app's sign-in (the wallet: a new vault, unlocked)."""
    client = app.test_client()
    if name == "issuer":
        token = _csrf(client, "/operator/login")
        client.post("/operator/login", data={"password": PASSWORD, "csrf_token": token})
    if name == "wallet":
        token = _csrf(client, "/setup")
        secret = "a long test passphrase"
        form = {"passphrase": secret, "confirm": secret, "csrf_token": token}
        assert client.post("/setup", data=form).status_code in (302, 303)
    return app, client


@pytest.mark.parametrize("name", list(APPS))
def test_error_page_api_errors_stay_json(name: str, tmp_path: Path) -> None:
    _, client = _client(name, tmp_path)
    response = client.get(APPS[name][3])
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_error_page_shows_the_apps_own_message(tmp_path: Path) -> None:
    """An app's own 4xx message (here the issuer's unknown applicant) is shown;
    a 400 of the app's says what went wrong, then what to do."""
    _, client = _client("issuer", tmp_path)
    response = client.get("/operator/issuances/nope/delete")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    _assert_error_page(page, "issuer", "That did not work", "try again", "invalid_request")
    detail = re.search(r'data-testid="error-detail" class="lead">([^<]+)<', page)
    assert detail and "action must be one of revoke, suspend, reinstate" in detail.group(1)


def test_error_page_wording_for_waits_and_limits() -> None:
    assert explain(429, retry_after=30).next_step == "Wait 30 seconds and try again."
    assert explain(429, retry_after=600).next_step == "Wait 10 minutes and try again."
    assert explain(503).headline == "This service is unavailable for a moment"
    assert explain(503, retry_after=5).next_step == "Wait 5 seconds and try again."
    assert explain(418).headline == "That did not work"
    assert explain(599).headline == "Something went wrong on our side"
    assert explain(403, "form_expired").headline == "The form expired"
    assert [size_in_words(n) for n in (2_000_000, 1_100_000, 64_000, 12)] == [
        "2 MB",
        "1.1 MB",
        "64 kB",
        "12 bytes",
    ]


def test_error_page_too_many_requests_says_how_long_to_wait(tmp_path: Path) -> None:
    app = create_verifier(
        {
            "DATA_DIR": str(tmp_path / "verifier"),
            "RATE_LIMIT_REQUEST": "1 per minute",
            "RATE_LIMIT_STORAGE": "memory://",
        }
    )
    client = app.test_client()
    token = _csrf(client, "/operator/login")  # the session's token
    client.post("/start", data={"policy": "nope", "csrf_token": token})
    response = client.post("/start", data={"policy": "nope", "csrf_token": token})
    assert response.status_code == 429
    wait = int(response.headers["Retry-After"])
    page = response.get_data(as_text=True)
    _assert_error_page(
        page, "verifier", "Too many attempts", f"Wait {wait} seconds and try again.", "slow_down"
    )
