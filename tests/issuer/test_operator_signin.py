"""Issue 19 item 9: operator sign-in of the issuer and the verifier, attacked
over real HTTP on 127.0.0.1 (kyc_wallet/web/signin.py).

* A copied session cookie dies when its owner signs out, and every session
  dies when the operator password changes: sessions are server-side records.
* A session ends after ``OPERATOR_IDLE_TIMEOUT`` without use and
  ``OPERATOR_SESSION_LIFETIME`` after sign-in, whatever the cookie says.
* Guessing the password gets 429 with ``Retry-After``, per client address
  (the test's clients send from 127.0.0.2, 127.0.0.3, …: Linux routes the
  whole 127/8 to the loopback) and for all clients together; during the wait
  even the right password is not accepted.
* A configured password under 16 characters stops the start with one line.
* Behind an https public URL, the cookie is ``Secure`` and HSTS is sent.
"""

from __future__ import annotations

import http.client
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from flask import Flask

from issuer.app import create_app as create_issuer
from kyc_wallet.web.config import ConfigurationError
from tests.servers import serve
from tests.support import Clock
from verifier.app import create_app as create_verifier

PASSWORD = "operator-password"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Browser:
    """A browser at one client address: keeps its cookies, sends the CSRF token."""

    url: str
    source: str = "127.0.0.1"
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> http.client.HTTPResponse:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(
            parts.hostname or "", parts.port, timeout=30, source_address=(self.source, 0)
        )
        headers = {"Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.text = response.read().decode()  # type: ignore[attr-defined]
        conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and "Expires=Thu, 01 Jan 1970" not in header:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return response

    def csrf(self, path: str) -> str:
        page = self.request("GET", path)
        match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)  # type: ignore[attr-defined]
        assert match, page.text  # type: ignore[attr-defined]
        return match.group(1)

    def sign_in(self, password: str = PASSWORD) -> http.client.HTTPResponse:
        token = self.csrf("/operator/login")
        return self.request("POST", "/operator/login", {"password": password, "csrf_token": token})

    def sign_out(self) -> None:
        token = self.csrf("/operator/")
        assert self.request("POST", "/operator/logout", {"csrf_token": token}).status == 302

    def operator_page(self) -> http.client.HTTPResponse:
        return self.request("GET", "/operator/")


def _signed_in(response: http.client.HTTPResponse) -> bool:
    if response.status == 200:
        return True
    assert response.status == 302, response.status
    assert "/operator/login" in response.headers["Location"]
    return False


@dataclass
class Running:
    app: Flask
    url: str
    clock: Clock

    def browser(self, source: str = "127.0.0.1") -> Browser:
        return Browser(self.url, source)


def _create(role: str, data_dir: Path, clock: Clock, **config: Any) -> Flask:
    settings: dict[str, Any] = {
        "DATA_DIR": str(data_dir),
        "OPERATOR_PASSWORD": PASSWORD,
        "TESTING": True,
        **config,
    }
    if role == "issuer":
        settings.setdefault("ISSUER_NAME", "Example KYC")  # required for a public ISSUER_URL
        return create_issuer(settings, clock=clock)
    settings.update(MONITOR_INTERVAL=0, CHAIN_WORKER_INTERVAL=0)
    return create_verifier(settings, clock=clock)


StartApp = Callable[..., Running]


@pytest.fixture(params=["issuer", "verifier"])
def start_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StartApp]:
    """Start the issuer or the verifier (settings as keywords) on a real server;
    a second start uses the same data folder, as a restart (or another worker)."""
    role: str = request.param
    clock = Clock()
    servers: list[Any] = []

    def start(**config: Any) -> Running:
        app = _create(role, tmp_path / role, clock, **config)
        server = serve(app)
        url = server.__enter__()
        servers.append(server)
        return Running(app, url, clock)

    yield start
    for server in servers:
        server.__exit__(None, None, None)


# --- sessions --------------------------------------------------------------------


def test_signin_copied_cookie_is_dead_after_logout(start_app: StartApp) -> None:
    running = start_app()
    operator = running.browser()
    assert operator.sign_in().status == 302
    thief = running.browser("127.0.0.2")
    thief.cookies = dict(operator.cookies)  # the cookie, copied
    assert _signed_in(thief.operator_page())
    operator.sign_out()
    assert not _signed_in(thief.operator_page())
    assert not _signed_in(operator.operator_page())


def test_signin_operator_pages_are_not_kept_in_the_browser_cache(start_app: StartApp) -> None:
    """Applicants' records and investors' addresses must not outlive sign-out in the
    browser's (disk) cache: Back after Sign out asks the server again."""
    operator = start_app().browser()
    assert operator.sign_in().status == 302
    page = operator.operator_page()
    assert page.status == 200
    assert page.headers["Cache-Control"] == "no-store"


def test_signin_sessions_survive_a_restart_but_not_a_password_change(
    start_app: StartApp,
) -> None:
    first = start_app()
    operator = first.browser()
    assert operator.sign_in().status == 302
    copy = first.browser("127.0.0.2")
    copy.cookies = dict(operator.cookies)
    same = start_app()  # another worker, or a restart, with the same password
    operator.url = copy.url = same.url
    assert _signed_in(operator.operator_page())
    changed = start_app(OPERATOR_PASSWORD="a-new-password-of-the-operator")
    operator.url = copy.url = changed.url
    refused = copy.operator_page()
    assert not _signed_in(refused)
    page = copy.request("GET", refused.headers["Location"]).text  # type: ignore[attr-defined]
    assert "The operator password has changed" in page
    assert not _signed_in(operator.operator_page())
    assert operator.sign_in("a-new-password-of-the-operator").status == 302
    assert _signed_in(operator.operator_page())


def test_signin_session_ends_after_idle_timeout(start_app: StartApp) -> None:
    running = start_app(OPERATOR_IDLE_TIMEOUT=900)
    operator = running.browser()
    assert operator.sign_in().status == 302
    running.clock.now += 899
    assert _signed_in(operator.operator_page())  # in use: the idle time starts again
    running.clock.now += 899
    assert _signed_in(operator.operator_page())
    running.clock.now += 900
    refused = operator.operator_page()
    assert not _signed_in(refused)
    page = operator.request("GET", refused.headers["Location"]).text  # type: ignore[attr-defined]
    assert "signed out after 15 minutes without activity" in page


def test_signin_session_ends_at_absolute_lifetime(start_app: StartApp) -> None:
    running = start_app(OPERATOR_IDLE_TIMEOUT=900, OPERATOR_SESSION_LIFETIME=8 * 3600)
    operator = running.browser()
    assert operator.sign_in().status == 302
    for _ in range(8 * 3600 // 800 - 1):  # busy all day, never idle
        running.clock.now += 800
        assert _signed_in(operator.operator_page())
    running.clock.now += 8 * 3600 - (8 * 3600 // 800 - 1) * 800
    assert not _signed_in(operator.operator_page())


# --- guessing ----------------------------------------------------------------------


def test_signin_brute_force_gets_429_with_retry_after(start_app: StartApp) -> None:
    running = start_app(OPERATOR_SIGNIN_ATTEMPTS=5, OPERATOR_SIGNIN_MAX_DELAY=900)
    attacker = running.browser("127.0.0.2")
    for _ in range(5):
        assert attacker.sign_in("guess-guess-guess").status == 401
    blocked = attacker.sign_in(PASSWORD)  # even the right one, during the wait
    assert blocked.status == 429 and blocked.headers["Retry-After"] == "1"
    assert "Too many failed sign-ins: try again in 1 seconds" in blocked.text  # type: ignore[attr-defined]
    assert not _signed_in(attacker.operator_page())
    assert running.browser("127.0.0.3").sign_in().status == 302  # other clients may
    waits = []
    for _ in range(12):  # each failure doubles the wait, up to the cap
        running.clock.now += int(blocked.headers["Retry-After"])
        assert attacker.sign_in("guess-guess-guess").status == 401
        blocked = attacker.sign_in("guess-guess-guess")
        assert blocked.status == 429
        waits.append(int(blocked.headers["Retry-After"]))
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    running.clock.now += 900
    assert attacker.sign_in(PASSWORD).status == 302  # after the wait, the right one works
    assert _signed_in(attacker.operator_page())


def test_signin_backs_off_for_all_clients_together(start_app: StartApp) -> None:
    running = start_app(OPERATOR_SIGNIN_ATTEMPTS=5, OPERATOR_SIGNIN_ATTEMPTS_ALL=20)
    for n in range(20):  # one guess from each of 20 addresses: no client reaches its limit
        assert running.browser(f"127.0.1.{n + 1}").sign_in("guess-guess-guess").status == 401
    blocked = running.browser("127.0.2.1").sign_in(PASSWORD)
    assert blocked.status == 429 and blocked.headers["Retry-After"] == "1"
    running.clock.now += 1
    assert running.browser("127.0.2.1").sign_in(PASSWORD).status == 302


# --- configuration -------------------------------------------------------------------


@pytest.mark.parametrize("role", ["issuer", "verifier"])
def test_signin_password_read_as_a_number_refuses_to_start_saying_so(
    tmp_path: Path, role: str
) -> None:
    """``KYCW_ISSUER_OPERATOR_PASSWORD=12345678901234567890`` is JSON for a number:
    the start says to quote it (it said "has no characters")."""
    with pytest.raises(ConfigurationError, match="must be a string, not 'int'.*quote"):
        _create(role, tmp_path / role, Clock(), OPERATOR_PASSWORD=12345678901234567890)


@pytest.mark.parametrize("role", ["issuer", "verifier"])
def test_signin_short_password_refuses_to_start(tmp_path: Path, role: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text('OPERATOR_PASSWORD = "fifteen-chars!!"\n')
    config.chmod(0o600)
    result = subprocess.run(
        [sys.executable, "-m", "kyc_wallet.cli", role, "--data-dir", str(tmp_path / "data")]
        + ["--config", str(config), "--port", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"kyc-wallet {role}: cannot start: OPERATOR_PASSWORD has 15")
    assert "secrets.token_urlsafe" in lines[0]
    with pytest.raises(ConfigurationError, match="OPERATOR_PASSWORD"):
        _create(role, tmp_path / "data", Clock(), OPERATOR_PASSWORD="fifteen-chars!!")
    _create(role, tmp_path / "data", Clock(), OPERATOR_PASSWORD="sixteen-chars!!!")


@pytest.mark.parametrize(
    ("public_url", "secure"), [("https://operator.example", True), ("http://127.0.0.1", False)]
)
def test_signin_secure_cookie_and_hsts_when_public_url_is_https(
    start_app: StartApp, public_url: str, secure: bool
) -> None:
    running = start_app(ISSUER_URL=public_url, VERIFIER_URL=public_url)
    response = running.browser().request("GET", "/operator/login")
    cookie = response.headers["Set-Cookie"]
    assert ("; Secure" in cookie) is secure
    hsts = response.headers.get("Strict-Transport-Security")
    assert hsts == ("max-age=31536000" if secure else None)
