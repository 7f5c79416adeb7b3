"""Headless Chromium (Debian's ``/usr/bin/chromium``) driven by Playwright.

``playwright install`` cannot download a browser here, so the tests launch
the system Chromium with the flags this machine needs. Screenshots of each
step are written to ``test-artifacts/<test>/`` and kept when a test fails (or
always, with ``KEEP_TEST_ARTIFACTS=1``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One Chromium per test module. Not per session: Playwright's sync API keeps
    an asyncio loop running in the main thread while it is open, and later
    tests that run their own loop (didkit through ssi.w3c) would fail."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is missing: `make test` installs it (scripts/ensure-chromium.sh)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


class Steps:
    """Takes a screenshot per named step into the test's artifact folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def shot(self, page: Page, name: str) -> None:
        self.count += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{name}.png"), full_page=True)


@pytest.fixture
def steps(request: pytest.FixtureRequest) -> Iterator[Steps]:
    folder = ARTIFACTS / request.node.name
    shutil.rmtree(folder, ignore_errors=True)
    recorder = Steps(folder)
    yield recorder
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.passed and not os.environ.get("KEEP_TEST_ARTIFACTS"):
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]


PHONE: ViewportSize = {"width": 390, "height": 844}
"""The phone width of issue 20 (an iPhone 12-15 in CSS pixels)."""

MENU_BREAKPOINT = 700
"""style.css folds the navigation into its Menu at this width and below."""


def phone_page(browser: Browser) -> Page:
    """A new browser profile the size of a phone, as an investor on the go uses it."""
    return browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()


def open_in_nav(page: Page, name: str) -> None:
    """Click the navigation's link ``name`` as a person does: on a phone (the
    stylesheet's 700 px breakpoint) the links sit in the folded "Menu" (a
    <details>), which is opened first. Decided by the viewport, not by what is
    visible at one instant: before the stylesheet applies, the summary shows
    at every width."""
    viewport = page.viewport_size
    if viewport is not None and viewport["width"] <= MENU_BREAKPOINT:
        menu = page.locator("header details.menu")
        if menu.get_attribute("open") is None:
            menu.locator("summary").click()
    page.locator("nav").get_by_role("link", name=name, exact=True).click()
