"""A red-team review of issue 18 in headless Chromium: once the wallet has
locked itself, the browser must not show the investor's data again from its
own cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from ssi.sdjwt import SD
from tests.browser.conftest import Steps
from tests.browser.test_issuance_journey import investor_creates_wallet
from tests.servers import serve
from tests.support import Clock
from tests.wallet.listening_verifier import hold
from wallet.app import create_app as create_wallet


@pytest.fixture
def wallet(tmp_path: Path) -> Iterator[tuple[Flask, Clock, str]]:
    clock = Clock()
    config = {"DATA_DIR": str(tmp_path / "wallet"), "DEV_ALLOW_HTTP_LOOPBACK": True}
    app = create_wallet({**config, "IDLE_TIMEOUT": 600}, clock=clock)
    with serve(app) as url:
        yield app, clock, url


def test_after_the_idle_timeout_back_shows_no_claim_from_the_browser_cache(
    browser: Browser, wallet: tuple[Flask, Clock, str], steps: Steps
) -> None:
    """The investor opens a credential (name, birth date), goes on to another
    page and leaves the computer; the wallet locks itself after the idle
    timeout. Someone else presses Back: the wallet's pages carried no
    ``Cache-Control``, so Chromium showed the credential again from its cache
    without asking the wallet (and kept it there, on disk for a normal
    profile)."""
    app, clock, url = wallet
    context = browser.new_context()
    investor = context.new_page()
    investor_creates_wallet(investor, url, steps)
    # the credential goes into the vault as the investor's own session opens it
    (cookie,) = [c for c in context.cookies() if c["name"] == app.config["SESSION_COOKIE_NAME"]]
    session = app.test_client()
    session.set_cookie(cookie["name"], cookie["value"])
    claims = {SD("given_name"): "Erika", SD("birthdate"): "1990-08-12", SD("kyc_level"): 2}
    held = hold(app, session, claims)
    investor.goto(f"{url}/credentials/{held.item_id}")
    expect(investor.locator("main")).to_contain_text("1990-08-12")
    steps.shot(investor, "credential")
    investor.goto(f"{url}/accounts")
    expect(investor.locator("h1")).to_contain_text("address")
    clock.now += 601  # the investor is away: the wallet locks itself
    investor.go_back()
    investor.wait_for_load_state()
    steps.shot(investor, "back-after-timeout")
    expect(investor.locator("body")).not_to_contain_text("1990-08-12")
    expect(investor.locator("body")).not_to_contain_text("Erika")
    expect(investor.locator("h1")).to_have_text("Unlock your wallet")
