"""Issue 20 items 5 and 6: every page of :mod:`tests.browser.pages`, in its
state, in headless Chromium at 1280 and 390 px (an iPhone's width):

- ``test_axe[<app>-<width>]``: axe-core (through ``axe-playwright-python``)
  finds no serious or critical violation on any page of the app;
- ``test_overflow[<app>]``: at 390 px no page scrolls sideways
  (``document.documentElement.scrollWidth <= innerWidth``);
- ``test_pages_list_every_html_route``: a page route of an app without an entry
  in ``pages.py`` fails;
- the live status of a pending verification is an ``aria-live`` region, its
  QR code an image described by its link; the navigation marks the page it is
  on, a skip link comes first, and at 390 px the links fold into a menu (which
  opens without JavaScript); the wallet's navigation and its consent button do
  not share a name.

Each page is opened once per width (the axe and overflow tests of a width
share the visit), and a full-page screenshot of it kept in
``test-artifacts/pages/<width>/<app>-<name>.png`` for a reviewer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Browser, expect
from playwright.sync_api import Page as Tab

from tests.browser.conftest import ARTIFACTS
from tests.browser.page_states import Apps, States, build_states, running_apps
from tests.browser.pages import (
    APPS,
    INVESTOR,
    ISSUER_OPERATOR,
    PAGES,
    PLATFORM_OPERATOR,
    Page,
    unlisted_routes,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (1280, 390)
HEIGHT = {1280: 800, 390: 844}
SERIOUS = {"serious", "critical"}
SHOTS = ARTIFACTS / "pages"


@dataclass
class Seen:
    """What one page showed at one width."""

    page: Page
    width: int
    url: str
    violations: list[dict[str, Any]]
    scroll_width: int
    inner_width: int

    def describe_violations(self) -> list[str]:
        return [
            f"{self.page.app}/{self.page.name} at {self.width} px ({self.url}): "
            f"{v['id']} ({v['impact']}) {v['help']}: "
            + "; ".join(str(n["target"][0]) for n in v["nodes"][:5])
            for v in self.violations
        ]


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Apps]:
    with running_apps(tmp_path_factory.mktemp("pages")) as running:
        yield running


@pytest.fixture(scope="module")
def states(browser: Browser, apps: Apps) -> Iterator[States]:
    built = build_states(browser, apps, init_script=AXE_SCRIPT)
    yield built
    for context in built.contexts.values():
        context.close()


class Visits:
    """Each page of an app opened once, on demand, in one tab per profile, then
    seen at each width (the viewport resized: the media queries apply as on a
    phone); what it showed is kept."""

    def __init__(self, states: States) -> None:
        self.states = states
        self.tabs: dict[str, Tab] = {}
        self.seen: dict[str, dict[int, list[Seen]]] = {}

    def of(self, app: str, width: int) -> list[Seen]:
        if app not in self.seen:
            self.seen[app] = {w: [] for w in WIDTHS}
            for entry in PAGES:
                if entry.app == app:
                    for seen in self._visit(entry):
                        self.seen[app][seen.width].append(seen)
        return self.seen[app][width]

    def _tab(self, profile: str) -> Tab:
        if profile not in self.tabs:
            self.tabs[profile] = self.states.contexts[profile].new_page()
        return self.tabs[profile]

    def _visit(self, entry: Page) -> Iterator[Seen]:
        tab = self._tab(entry.profile)
        tab.set_viewport_size({"width": WIDTHS[0], "height": HEIGHT[WIDTHS[0]]})
        url = self.states.url(entry.path)
        response = tab.goto(url)
        if entry.click is not None:
            with tab.expect_navigation() as navigation:
                tab.locator(entry.click).first.click()
            response = navigation.value
        assert response is not None
        where = f"{entry.app}/{entry.name}: {url} → {tab.url}"
        assert response.status == entry.status, f"{where}: HTTP {response.status}"
        assert response.headers["content-type"].startswith("text/html"), where
        if entry.click is None:  # the page asked for, not a redirect to a sign-in
            assert urlsplit(tab.url).path == urlsplit(url).path, where
        for width in WIDTHS:
            tab.set_viewport_size({"width": width, "height": HEIGHT[width]})
            scroll_width, inner_width = tab.evaluate(
                "[document.documentElement.scrollWidth, window.innerWidth]"
            )
            folder = SHOTS / str(width)
            folder.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=str(folder / f"{entry.app}-{entry.name}.png"), full_page=True)
            results = tab.evaluate("axe.run({resultTypes: ['violations']})")
            violations = [v for v in results["violations"] if v.get("impact") in SERIOUS]
            yield Seen(entry, width, url, violations, scroll_width, inner_width)


@pytest.fixture(scope="module")
def visits(states: States) -> Visits:
    return Visits(states)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("app", APPS)
def test_axe(visits: Visits, app: str, width: int) -> None:
    problems = [line for seen in visits.of(app, width) for line in seen.describe_violations()]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("app", APPS)
def test_overflow(visits: Visits, app: str) -> None:
    wide = [
        f"{s.page.app}/{s.page.name}: scrollWidth {s.scroll_width} > innerWidth {s.inner_width}"
        for s in visits.of(app, 390)
        if s.scroll_width > s.inner_width
    ]
    assert not wide, "\n".join(wide)


def test_pages_list_every_html_route(apps: Apps) -> None:
    unlisted = {name: unlisted_routes(name, apps.apps[name]) for name in APPS}
    unlisted = {name: problems for name, problems in unlisted.items() if problems}
    assert not unlisted, f"give each page an entry in tests/browser/pages.py: {unlisted}"


def test_pending_page_status_is_live_and_its_qr_code_an_image_named_by_its_link(
    states: States,
) -> None:
    """The platform's page of a pending verification announces the status as it
    changes (``aria-live``); its QR code is an image whose description is the
    link it encodes."""
    tab = states.contexts[INVESTOR].new_page()
    try:
        tab.goto(states.url("{verifier}{pending}"))
        # the element the page's script updates from the status URL is (in) a live region
        live = tab.locator("[aria-live] [data-status-url], [aria-live][data-status-url]")
        expect(live).to_have_count(1)
        qr = tab.get_by_role("img", name="QR code")
        expect(qr).to_have_count(1)
        described = qr.get_attribute("aria-describedby")
        assert described, "the QR code has no description"
        link = tab.locator(f"[id='{described}']").inner_text()
        assert link.startswith("openid4vp://?client_id="), link
    finally:
        tab.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_navigation_marks_the_page_skips_to_content_and_folds_on_phones(
    states: States, width: int
) -> None:
    """In every app's navigation the current page is marked (``aria-current``); a
    "Skip to content" link is first; at 390 px the links are behind a "Menu" that
    opens without a script, at 1280 px they show at once."""
    for profile, url, current in (
        (INVESTOR, "{wallet}/history", "History"),
        (ISSUER_OPERATOR, "{issuer}/operator/credentials", "Credentials"),
        (PLATFORM_OPERATOR, "{verifier}/operator/investors", "Investors & holders"),
    ):
        context = states.contexts[profile]
        tab = context.new_page()
        try:
            tab.set_viewport_size({"width": width, "height": HEIGHT[width]})
            tab.goto(states.url(url))
            marked = tab.locator("nav [aria-current=page]")
            expect(marked).to_have_count(1)
            expect(marked).to_have_text(current)
            tab.keyboard.press("Tab")
            focused = tab.locator(":focus")
            expect(focused).to_have_text("Skip to content")
            tab.keyboard.press("Enter")
            assert urlsplit(tab.url).fragment == "content"
            assert tab.evaluate("document.activeElement.id") == "content"
            menu = tab.get_by_text("Menu", exact=True)
            if width == 390:
                expect(marked).to_be_hidden()
                menu.click()
                expect(marked).to_be_visible()
            else:
                expect(menu).to_be_hidden()
                expect(marked).to_be_visible()
        finally:
            tab.close()


def test_wallet_navigation_and_consent_name_share_differently(states: States) -> None:
    """The consent page's Share button and the navigation's links and buttons have
    different accessible names (a screen reader's list of controls tells them apart)."""
    tab = states.contexts[INVESTOR].new_page()
    try:
        tab.goto(states.url("{consent}"))
        share = tab.locator("form[action*='/consent'] button[type=submit]").first
        expect(share).to_contain_text("Share")
        in_nav = {name.strip() for name in tab.locator("nav a, nav button").all_inner_texts()}
        in_main = {name.strip() for name in tab.locator("main button").all_inner_texts()}
        assert in_nav and not in_nav & in_main, (in_nav, in_main)
    finally:
        tab.close()


def test_phone_menu_opens_without_javascript(browser: Browser, states: States) -> None:
    """The menu is a <details>: with scripts turned off it opens all the same."""
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        tab.goto(states.url("{verifier}/"))
        link = tab.locator("nav a").first
        expect(link).to_be_hidden()
        tab.get_by_text("Menu", exact=True).click()
        expect(link).to_be_visible()
        assert tab.evaluate("document.documentElement.scrollWidth <= innerWidth")
    finally:
        context.close()
