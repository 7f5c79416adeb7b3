"""The whole journey in headless Chromium, as people would (issue 11): the
operator approves the applicant at the issuer; the investor creates a wallet,
receives the credential, creates an address; opens the platform's token page,
follows the same-device link, sees the consent screen listing exactly the
requested claims and the address to whitelist, approves; the browser lands on
the wallet's "Shared with" page and goes on by itself to the platform's
landing page (issue 18 item 4: before, the CSP's ``form-action 'self'``
cancelled the redirect and the investor stayed on the consent screen), which
says in plain words "Verified: your address 0x75C1…6506 can now hold SP7" once
the address is added on chain, with a link back to the token page, and shows
no claims and no transactions (issue 20 item 2); the KYC provider revokes;
the platform's operator runs the compliance check from the Investors page and
the address is removed (issue 20 item 7). And the cross-device variant: the
QR code on the platform page, decoded from a screenshot, handed to the wallet,
whose consent screen shows the page's verification code; after Share the
wallet says "You can close this page", and the platform page hides the QR code
and shows the outcome with the shortened address (issue 19 item 6, issue 20
item 2)."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from kyc_wallet.demo import running_demo
from kyc_wallet.demo_setup import DemoLayout
from tests.browser.conftest import Steps
from tests.browser.test_issuance_journey import investor_creates_wallet, operator_approves
from tests.servers import free_port
from tests.timing import scaled
from wallet.qr_decode import decode_qr

SHORT_ADDRESS = re.compile(r"^0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}$")
VERIFIED_CAN_HOLD_SP7 = re.compile(
    r"^Verified: your address 0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4} can now hold SP7$"
)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[DemoLayout, dict[str, str]]]:
    """The three apps as the demo runs them: separate processes, real HTTP."""
    ports = [free_port() for _ in range(3)]
    layout = DemoLayout(tmp_path / "demo", *(f"http://127.0.0.1:{p}" for p in ports))
    with running_demo(layout, quiet=True) as keys:
        yield layout, keys


def _signin(page: Page, url: str, password: str) -> None:
    page.goto(url)
    page.fill("#password", password)
    page.click("button[type=submit]")


def _receive_credential(operator: Page, investor: Page, layout: DemoLayout, steps: Steps) -> None:
    password = (layout.issuer_dir / "operator_password").read_text().strip()
    _signin(operator, f"{layout.issuer_url}/operator/login", password)
    offer = _approve(operator, layout.issuer_url, steps)
    investor_creates_wallet(investor, layout.wallet_url, steps)
    investor.goto(offer["same_device"])
    investor.fill("#pin", offer["pin"])
    investor.click("text=Accept and store in my wallet")
    expect(investor.locator("[data-testid=status]")).to_have_text("Valid")
    investor.click("text=Addresses")
    investor.click("text=Create a new address")
    expect(investor.locator("main")).to_contain_text("added")
    steps.shot(investor, "wallet-address")


def _approve(operator: Page, issuer_url: str, steps: Steps) -> dict[str, Any]:
    return operator_approves(operator, issuer_url, steps, signed_in=True)


PLATFORM = "Solar Plant 7 investor platform"
"""The organisation of the demo platform's certificate: the name the wallet shows."""


def _consent_and_share(investor: Page, steps: Steps) -> None:
    # who asks: the certificate's organisation, what was checked; the client id
    # only behind "Technical details" (issue 20 item 1)
    expect(investor.locator("h1").first).to_have_text(f"{PLATFORM} asks for your KYC credential")
    expect(investor.locator("[data-testid=verifier-host]")).to_have_text("127.0.0.1")
    expect(investor.locator("[data-testid=checked]")).to_contain_text(
        "Certificate checked against your trusted list (kyc-wallet demo CA)"
    )
    expect(investor.locator("[data-testid=client-id]")).to_be_hidden()
    assert "x509_hash" not in investor.locator("main").inner_text()
    disclosed = investor.locator("[data-testid=disclosed]").inner_text()
    for claim in (
        "18 or older",
        "KYC level",
        "Sanctions",
        "Country of residence",
        "Investor classification",
    ):
        assert claim in disclosed, claim
    for hidden in ("Date of birth", "Given name", "Family name", "Street"):
        assert hidden not in disclosed, hidden
    assert "Germany" in disclosed, disclosed  # the country by name, not "DE"
    expect(investor.locator("main")).to_contain_text("What happens on the blockchain")
    expect(investor.locator("main")).to_contain_text("Solar Plant 7 Revenue Token")
    expect(investor.locator("[data-testid=chain]")).not_to_contain_text("eip155")
    steps.shot(investor, "wallet-consent")
    investor.click(f"button:has-text('Share with {PLATFORM}')")


def _revoke_and_check_removed(
    operator: Page, layout: DemoLayout, keys: dict[str, str], steps: Steps
) -> None:
    operator.goto(f"{layout.issuer_url}/operator/credentials")
    while operator.locator("a:has-text('Revoke')").count():
        operator.click("a:has-text('Revoke') >> nth=0")
        expect(operator.locator("h1")).to_contain_text("Revoke issuance")
        operator.fill("#reason", "Investor asked to close the account")
        operator.click("button:has-text('Yes, revoke')")
        expect(operator).to_have_url(f"{layout.issuer_url}/operator/credentials")
        expect(operator.locator("main")).to_contain_text(
            "Reason recorded in the audit log: \u201cInvestor asked to close the account\u201d"
        )
    steps.shot(operator, "issuer-revoked")
    platform_operator = operator.context.browser.new_context().new_page()  # type: ignore[union-attr]
    password = (layout.verifier_dir / "operator_password").read_text().strip()
    _signin(platform_operator, f"{layout.verifier_url}/operator/login", password)
    # the platform's operator runs the monitor now (in the background every 30 s)
    platform_operator.goto(f"{layout.verifier_url}/operator/investors")
    platform_operator.click("text=Run the compliance check now")
    expect(platform_operator).to_have_url(f"{layout.verifier_url}/operator/investors")
    expect(platform_operator.locator(".flash")).to_have_text("Checked 1 investor: 1 removed.")
    steps.shot(platform_operator, "platform-compliance-check")
    deadline = time.monotonic() + scaled(30)
    while True:
        platform_operator.goto(f"{layout.verifier_url}/operator/investors")
        page = platform_operator.locator("main").inner_text()
        if "CredentialRevoked" in page and "\tno" in page.split("holders", 1)[1]:
            break
        assert time.monotonic() < deadline, page
        time.sleep(0.5)
    steps.shot(platform_operator, "platform-removed")


@pytest.mark.slow
def test_same_device_journey_landing_after_share(
    browser: Browser, demo: tuple[DemoLayout, dict[str, str]], steps: Steps
) -> None:
    layout, keys = demo
    operator = browser.new_context().new_page()
    investor = browser.new_context().new_page()
    _receive_credential(operator, investor, layout, steps)

    # the investor opens the token page in the same browser and uses the same-device button
    investor.goto(f"{layout.verifier_url}/tokens/SP7")
    expect(investor.locator("h1")).to_contain_text("Solar Plant 7 Revenue Token")
    conditions = investor.locator("[data-testid=conditions]")
    for sentence in (
        "You must be 18 or older",
        "Not available to residents of North Korea or Iran",
        "Professional or accredited investors only",
        "Only for residents of Austria, France, Germany or Netherlands",
    ):
        expect(conditions).to_contain_text(sentence)
    assert "kyc_level" not in investor.locator("main").inner_text()
    assert investor.locator("nav >> text=Operator").count() == 0
    steps.shot(investor, "token-page")
    investor.click("[data-testid=verify]")
    expect(investor.locator("h1")).to_have_text("Present your KYC credential")
    tx_id = investor.url.rsplit("/", 1)[-1]
    investor.click("[data-testid=same-device]")
    _consent_and_share(investor, steps)
    # the wallet's own page first (303 after the POST: form-action 'self' holds) ...
    expect(investor).to_have_url(re.compile(re.escape(layout.wallet_url) + r"/present/[^/]+/done"))
    expect(investor.locator("h1")).to_have_text(f"Shared with {PLATFORM}")
    steps.shot(investor, "wallet-shared")
    # ... then on by itself to the platform's landing page, with the response_code
    landing = re.escape(f"{layout.verifier_url}/verifications/{tx_id}/done?response_code=")
    expect(investor).to_have_url(re.compile(landing + r"[\w-]+"), timeout=scaled(20) * 1000)
    expect(investor.locator("h1")).to_contain_text("Verified: your address")
    expect(investor.locator("#whitelisting")).to_have_attribute(
        "data-state", "done", timeout=scaled(30) * 1000
    )
    expect(investor.locator("h1")).to_have_text(VERIFIED_CAN_HOLD_SP7)
    expect(investor.locator("#whitelisting")).to_have_text(
        "Added to the list of verified investors"
    )
    expect(investor.locator("[data-testid=token-link]")).to_have_text("Back to SP7")
    seen = investor.locator("main").inner_text()
    for raw in ("kyc_level", "address.country", "register", "Transaction"):
        assert raw not in seen, raw  # claims and transactions are the operator's
    steps.shot(investor, "platform-landing")
    investor.click("[data-testid=token-link]")
    expect(investor).to_have_url(f"{layout.verifier_url}/tokens/SP7")
    _revoke_and_check_removed(operator, layout, keys, steps)


@pytest.mark.slow
def test_cross_device_journey_landing_after_share(
    browser: Browser, demo: tuple[DemoLayout, dict[str, str]], steps: Steps, tmp_path: Path
) -> None:
    layout, _keys = demo
    operator = browser.new_context().new_page()
    investor = browser.new_context().new_page()
    _receive_credential(operator, investor, layout, steps)
    # another device shows the platform page; its QR code is photographed
    screen = browser.new_context().new_page()
    screen.goto(f"{layout.verifier_url}/tokens/SP7")
    screen.click("[data-testid=verify]")
    code = screen.locator("[data-testid=verification-code]").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}", code), code
    shot = tmp_path / "qr.png"
    screen.locator(".qr").screenshot(path=str(shot))
    link = decode_qr(shot.read_bytes())
    assert link.startswith("openid4vp://?client_id=x509_hash%3A")
    # one scanner for offers and requests (issue 20 item 9)
    investor.click("nav >> text=Scan or paste")
    expect(investor).to_have_url(f"{layout.wallet_url}/scan")
    expect(investor.locator("h1")).to_have_text("Scan or paste")
    investor.fill("#link", link)
    investor.click("text=Continue")
    expect(investor.locator("[data-testid=verification-code]")).to_have_text(code)
    _consent_and_share(investor, steps)
    expect(investor).to_have_url(re.compile(re.escape(layout.wallet_url) + r"/present/[^/]+/done"))
    expect(investor.locator("h1")).to_have_text(f"Shared with {PLATFORM}")
    expect(investor.locator("main")).to_contain_text("You can close this page")
    assert investor.locator("#continue").count() == 0
    steps.shot(investor, "wallet-shared")
    # the history: the platform by name, the claims by their labels, no protocol words
    investor.click("nav >> text=History")
    expect(investor).to_have_url(f"{layout.wallet_url}/history")
    expect(investor.locator("[data-testid=history-verifier]")).to_have_text(PLATFORM)
    history = investor.locator("main").inner_text()
    assert "18 or older" in history and "Country of residence" in history, history
    for word in ("x509_hash", "age_equal_or_over", "vct", "iat", "eip155", "jwt_vc_json"):
        assert not re.search(rf"\b{word}\b", history), word
    assert re.search(r"0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}", history), history
    steps.shot(investor, "wallet-history")
    # the same link again: already answered, said in plain words
    investor.click("nav >> text=Scan or paste")
    investor.fill("#link", link)
    investor.click("text=Continue")
    expect(investor.locator("h1")).to_have_text(
        "This request was already answered or has expired: start again on the platform"
    )
    steps.shot(investor, "wallet-scan-answered")
    expect(screen.locator("#headline")).to_contain_text(
        "Verified: your address", timeout=scaled(20) * 1000
    )
    expect(screen.locator(".qr")).to_be_hidden()  # the request is answered
    expect(screen.locator("#whitelisting")).to_have_attribute(
        "data-state", "done", timeout=scaled(30) * 1000
    )
    expect(screen.locator("#headline")).to_have_text(VERIFIED_CAN_HOLD_SP7)
    expect(screen.locator("#whitelisting")).to_have_text("Added to the list of verified investors")
    expect(screen.locator("[data-testid=address]")).to_have_text(SHORT_ADDRESS)
    seen = screen.locator("main").inner_text()
    assert "register" not in seen and "kyc_level" not in seen  # outcome and short address only
    steps.shot(screen, "platform-verified")
