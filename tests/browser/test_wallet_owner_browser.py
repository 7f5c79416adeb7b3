"""Issue 18, item 1, in headless Chromium: what a web page can do to the
investor's unlocked wallet.

- DNS rebinding: Chromium resolves ``rebind.attacker.example`` to 127.0.0.1
  (``--host-resolver-rules``, as the attacker's DNS would after the switch),
  so the attacker's page and the wallet share an origin. The wallet answers
  that name with 400 on every page.
- Another web app on 127.0.0.1 (same site, another port, so the investor's
  cookie goes along) posts a form to the wallet, even with the investor's
  CSRF token: Chromium names its origin and the wallet refuses with 403.
- A second browser profile sees only the unlock page.

Issue 20, items 4 and 8: the address's Copy button puts the full address on
the clipboard (a static script; the CSP allows no other), and a new wallet
is restored from a backup on its first screen.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from markupsafe import escape
from playwright.sync_api import Browser, expect, sync_playwright

from tests.browser.conftest import ARGS, CHROMIUM, Steps
from tests.browser.test_issuance_journey import PASSPHRASE, investor_creates_wallet
from tests.servers import serve
from wallet.app import create_app as create_wallet

REBIND = "rebind.attacker.example"


@pytest.fixture(scope="module")
def rebinding_browser() -> Iterator[Browser]:
    """Chromium whose resolver maps the attacker's name to 127.0.0.1 (and
    nothing else leaves the machine: every other name fails to resolve)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: `make test` installs it")
    rules = f"--host-resolver-rules=MAP {REBIND} 127.0.0.1, EXCLUDE 127.0.0.1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*ARGS, rules], headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def wallet_url(tmp_path: Path) -> Iterator[str]:
    wallet = create_wallet(
        {"DATA_DIR": str(tmp_path / "wallet"), "DEV_ALLOW_HTTP_LOOPBACK": True}, clock=time.time
    )
    with serve(wallet) as url:
        yield url


def attacker_site(target: str, token: str) -> Flask:
    """A page that posts the wallet's 'create an address' form, token included."""
    app = Flask("attacker")

    @app.get("/")
    def page() -> str:
        return (
            f'<form method="post" action="{escape(target)}/accounts">'
            '<input type="hidden" name="action" value="create">'
            '<input type="hidden" name="label" value="attacker">'
            f'<input type="hidden" name="csrf_token" value="{escape(token)}">'
            '<button id="go" type="submit">Win a prize</button></form>'
        )

    return app


def test_wallet_owner_in_chromium_rebinding_and_foreign_pages_get_nothing(
    rebinding_browser: Browser, wallet_url: str, steps: Steps
) -> None:
    clipboard = ["clipboard-read", "clipboard-write"]
    investor = rebinding_browser.new_context(permissions=clipboard).new_page()
    investor_creates_wallet(investor, wallet_url, steps)
    investor.click("text=Addresses")
    expect(investor.locator("h1")).to_contain_text("address")
    token = investor.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token

    # the attacker's page, now resolved to 127.0.0.1, reads the wallet under its own name
    port = urlsplit(wallet_url).port
    rebound = investor.context.new_page()
    response = rebound.goto(f"http://{REBIND}:{port}/credentials")
    assert response is not None and response.status == 400
    expect(rebound.locator("body")).to_contain_text("does not answer to that host name")
    assert rebound.url == f"http://{REBIND}:{port}/credentials"
    steps.shot(rebound, "rebinding-refused")

    # a web app on another port of 127.0.0.1 posts the form with the investor's token
    with serve(attacker_site(wallet_url, token)) as attacker:
        page = investor.context.new_page()
        page.goto(attacker)
        page.click("#go")
        expect(page.locator("main")).to_contain_text("sent from another site")
        assert page.url == f"{wallet_url}/accounts"
        steps.shot(page, "cross-origin-form-refused")

    # nothing was added; the investor's own form still works
    investor.goto(f"{wallet_url}/accounts")
    expect(investor.locator("main")).not_to_contain_text("0x")
    investor.click("button:has-text('Create')")
    expect(investor.locator("main")).to_contain_text("added")

    # the address as in MetaMask: its picture, the short form, a Copy button
    full = investor.locator("[data-testid=full-address]").text_content()
    assert full is not None and len(full) == 42
    expect(investor.locator("[data-testid=short-address]")).to_have_text(f"{full[:6]}…{full[-4:]}")
    picture = investor.locator("img.blockie").first
    expect(picture).to_have_attribute("src", re.compile(r"^data:image/svg\+xml;base64,"))
    assert picture.evaluate("img => img.complete && img.naturalWidth > 0")  # the CSP let it load
    investor.click("button.copy")
    expect(investor.locator(".copy-status")).to_have_text("Copied")
    assert investor.evaluate("navigator.clipboard.readText()") == full
    steps.shot(investor, "address-copied")
    # the one scanner (issue 20 item 9) is one entry of the navigation
    investor.click("nav >> text=Scan or paste")
    expect(investor).to_have_url(f"{wallet_url}/scan")
    expect(investor.locator("h1")).to_have_text("Scan or paste")
    expect(investor.locator("nav")).not_to_contain_text("Add a credential")

    # a second browser profile on the same computer sees only the unlock page
    stranger = rebinding_browser.new_context().new_page()
    stranger.goto(f"{wallet_url}/accounts")
    expect(stranger.locator("h1")).to_have_text("Unlock your wallet")
    assert urlsplit(stranger.url).path == "/unlock"
    stranger.goto(f"{wallet_url}/scan")
    expect(stranger.locator("h1")).to_have_text("Unlock your wallet")
    steps.shot(stranger, "second-profile-unlock")


def test_wallet_owner_restores_a_backup_on_the_first_screen(
    rebinding_browser: Browser, wallet_url: str, tmp_path: Path, steps: Steps
) -> None:
    """A backup made in one wallet starts another from its first screen (the
    module's one Chromium: Playwright's sync API runs one at a time)."""
    browser = rebinding_browser
    investor = browser.new_context().new_page()
    investor_creates_wallet(investor, wallet_url, steps)
    investor.click("text=Addresses")
    investor.fill("#label", "Savings")
    investor.click("button:has-text('Create a new address')")
    expect(investor.locator("[data-testid=account-label]")).to_have_text("Savings")
    investor.click("text=Settings & backup")
    investor.fill("#backup-passphrase", PASSPHRASE)
    with investor.expect_download() as download:
        investor.click("button:has-text('Download backup')")
    backup = tmp_path / "backup.json"
    download.value.save_as(backup)

    second = create_wallet(
        {"DATA_DIR": str(tmp_path / "second"), "DEV_ALLOW_HTTP_LOOPBACK": True}, clock=time.time
    )
    with serve(second) as second_url:
        page = browser.new_context().new_page()
        page.goto(second_url)
        expect(page.locator("h1")).to_have_text("Create your wallet")
        expect(page.locator("[data-testid=restore-first] h2")).to_have_text("Restore from a backup")
        steps.shot(page, "first-screen")
        page.set_input_files("#backup", str(backup))
        page.fill("#backup-passphrase", PASSPHRASE)
        page.click("button:has-text('Restore from a backup')")
        expect(page.locator("h1")).to_have_text("My credentials")
        assert urlsplit(page.url).path == "/credentials"
        expect(page.locator("main")).to_contain_text(
            "Your wallet is restored from the backup: 1 added, 0 kept (newer here)."
        )
        steps.shot(page, "restored")
        page.click("text=Addresses")
        expect(page.locator("[data-testid=account-label]")).to_have_text("Savings")
