"""The states the pages of :mod:`tests.browser.pages` need, built once per test
module: the three apps as the demo configures them (``kyc_wallet.demo_setup``:
its CA, trust list, policies and token), in this process on real HTTP servers
of 127.0.0.1, plus a wallet nobody has set up yet; and four browser profiles
(a visitor, the investor, the two operators), each a Chromium context with
``bypass_csp`` so that axe-core can be injected (the apps' CSP allows only
their own scripts).

The investor creates a wallet, receives the demo applicant's credential,
creates an address, and on the platform starts a verification that stays
pending, one that is verified (same device) and one that is refused (a policy
the credential does not meet); in the wallet one request answered by Share and
one by Decline (cross-device: their pages stay put)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page

from issuer.app import create_app as create_issuer
from kyc_wallet.demo_setup import DEMO_APPLICANT, DemoLayout, prepare
from ssi.fetch import Fetcher, FetchPolicy
from tests.browser.pages import INVESTOR, ISSUER_OPERATOR, PLATFORM_OPERATOR, VISITOR
from tests.servers import free_port, serve
from verifier.app import create_app as create_verifier
from verifier.dev_chain import start_dev_chain
from wallet.app import create_app as create_wallet

__all__ = ["Apps", "States", "build_states", "running_apps"]

PASSPHRASE = "a long passphrase for the page checks"
REFUSED_POLICY = "retail-only"
"""A policy the demo applicant (a professional investor) does not meet."""


@dataclass
class Apps:
    apps: dict[str, Flask]
    urls: dict[str, str]  # wallet, new_wallet, issuer, verifier
    layout: DemoLayout
    keys: dict[str, str]
    fetch: Fetcher = field(default_factory=lambda: Fetcher(FetchPolicy(allow_http_loopback=True)))

    def new_offer(self) -> dict[str, Any]:
        """A credential offer for the demo applicant, through the issuer's API."""
        answer = self.fetch.post(
            f"{self.urls['issuer']}/api/v1/offers",
            json={"applicant": DEMO_APPLICANT},
            headers={"Authorization": f"Bearer {self.keys['issuer']}"},
        )
        offer: dict[str, Any] = answer.json()
        return offer

    def new_verification(self, policy: str) -> dict[str, Any]:
        """A verification through the platform's API (its ``link`` is cross-device)."""
        answer = self.fetch.post(
            f"{self.urls['verifier']}/api/v1/verifications",
            json={"policy": policy},
            headers={"Authorization": f"Bearer {self.keys['verifier']}"},
        )
        created: dict[str, Any] = answer.json()
        return created

    def verification_status(self, path: str) -> str:
        """The status of the verification whose page is ``path`` (its database row)."""
        from verifier.db import verifications

        tx_id = urlsplit(path).path.split("/")[2]
        with self.apps["verifier"].extensions["verifier"].db.read() as conn:
            row = verifications.get(conn, tx_id)
        assert row is not None, tx_id
        return str(row["status"])


def _add_refused_policy(layout: DemoLayout) -> None:
    path = layout.verifier_dir / "policies.json"
    policies = json.loads(path.read_text())
    policies["policies"][REFUSED_POLICY] = {
        "vct": "urn:kyc-wallet:vct:kyc:1",
        "rules": ['investor_classification == "retail"'],
    }
    path.write_text(json.dumps(policies, indent=2))


@contextmanager
def running_apps(folder: Path) -> Iterator[Apps]:
    """The demo's three apps (and an empty wallet) in this process, on free ports."""
    ports = {name: free_port() for name in ("issuer", "wallet", "verifier")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    layout = DemoLayout(folder, urls["issuer"], urls["wallet"], urls["verifier"])
    keys = prepare(layout)
    _add_refused_policy(layout)

    def config(directory: Path) -> dict[str, Any]:
        return {"CONFIG_FILE": str(directory / "config.toml"), "DATA_DIR": str(directory)}

    issuer = create_issuer(config(layout.issuer_dir))
    wallet = create_wallet(config(layout.wallet_dir))
    new_wallet = create_wallet({"DATA_DIR": str(folder / "new-wallet")})
    verifier_config = config(layout.verifier_dir)
    verifier = create_verifier(verifier_config, chain=start_dev_chain(verifier_config))
    apps = {"issuer": issuer, "wallet": wallet, "new_wallet": new_wallet, "verifier": verifier}
    try:
        with ExitStack() as stack:
            for name, app in apps.items():
                port = ports.get(name, 0)
                urls[name] = stack.enter_context(serve(app, port=port))
            yield Apps(apps, urls, layout, keys)
    finally:
        issuer.extensions["issuer"].db.dispose()
        verifier.extensions["store"].dispose()


@dataclass
class States:
    """The browser profiles and the values the page paths name."""

    contexts: dict[str, BrowserContext]
    values: dict[str, str | Callable[[], str]]

    def url(self, template: str) -> str:
        """``template`` with its names filled (a callable value is asked anew)."""
        filled = {
            k: v() if callable(v) else v
            for k, v in self.values.items()
            if "{" + k + "}" in template
        }
        return template.format(**filled)


def _sign_in(page: Page, url: str, password_file: Path) -> None:
    page.goto(f"{url}/operator/login")
    page.fill("#password", password_file.read_text().strip())
    with page.expect_navigation():
        page.press("#password", "Enter")
    assert "/login" not in page.url, page.url


def _share(investor: Page, answer: str = "consent") -> None:
    """On the consent page: Share (``consent``) or Decline (``decline``)."""
    with investor.expect_navigation():
        investor.locator(f"form[action*='/{answer}'] button[type=submit]").first.click()


def _wallet_with_a_credential(investor: Page, apps: Apps) -> tuple[str, str]:
    """Create the vault, receive a credential, create an address: the credential's
    id in the wallet and its applicant's at the issuer."""
    wallet = apps.urls["wallet"]
    investor.goto(f"{wallet}/setup")
    investor.fill("#passphrase", PASSPHRASE)
    investor.fill("#confirm", PASSPHRASE)
    with investor.expect_navigation():
        investor.press("#confirm", "Enter")
    offer = apps.new_offer()
    investor.goto(offer["same_device_link"])
    investor.fill("#pin", offer["tx_code"])
    with investor.expect_navigation():
        investor.press("#pin", "Enter")
    path = urlsplit(investor.url).path
    assert path.startswith("/credentials/"), investor.url
    investor.goto(f"{wallet}/accounts")
    token = investor.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    created = investor.request.post(
        f"{wallet}/accounts",
        form={"action": "create", "label": "Main", "csrf_token": token},
        headers={"Origin": wallet},
    )
    assert created.ok, created.status
    return path.rsplit("/", 1)[1], str(offer["applicant_id"])


def _authorize(apps: Apps, link: str) -> str:
    """The wallet's ``/authorize`` URL for an ``openid4vp://`` link (as the OS hands it over)."""
    return f"{apps.urls['wallet']}/authorize?{urlsplit(link).query}"


def _answered_in_wallet(investor: Page, apps: Apps, answer: str) -> str:
    """A cross-device request answered in the wallet: the path of its last page."""
    investor.goto(_authorize(apps, apps.new_verification("kyc-basic")["link"]))
    _share(investor, answer)
    path = urlsplit(investor.url).path
    assert path.startswith("/present/") and path.endswith("/done"), investor.url
    return path


def _verification_on_the_platform(investor: Page, apps: Apps, policy: str | None) -> str:
    """Start a verification on the platform's pages (the token page's button, else
    the policy chosen on the start page) and return its page's path; with ``policy``,
    answer it from the wallet on this device first (Share)."""
    verifier = apps.urls["verifier"]
    if policy is None:
        investor.goto(f"{verifier}/tokens/SP7")
        with investor.expect_navigation():
            investor.click("[data-testid=verify]")
        return urlsplit(investor.url).path
    investor.goto(f"{verifier}/")
    investor.select_option("#policy", policy)
    with investor.expect_navigation():
        investor.click("form[action$='/start'] button[type=submit]")
    page = urlsplit(investor.url).path
    investor.click("[data-testid=same-device]")
    investor.wait_for_url(f"{apps.urls['wallet']}/authorize?*")
    _share(investor)
    return page


def _landing(investor: Page, apps: Apps) -> str:
    """The platform's landing page the wallet went on to (path and query)."""
    investor.wait_for_url(f"{apps.urls['verifier']}/verifications/*/done?response_code=*")
    landing = urlsplit(investor.url)
    return f"{landing.path}?{landing.query}"


def build_states(browser: Browser, apps: Apps, init_script: str | None = None) -> States:
    """The profiles and states; ``init_script`` runs in every page they open."""
    contexts = {
        name: browser.new_context(bypass_csp=True)
        for name in (VISITOR, INVESTOR, ISSUER_OPERATOR, PLATFORM_OPERATOR)
    }
    if init_script is not None:
        for context in contexts.values():
            context.add_init_script(init_script)
    pages = {name: context.new_page() for name, context in contexts.items()}
    issuer, verifier = apps.urls["issuer"], apps.urls["verifier"]
    _sign_in(pages[ISSUER_OPERATOR], issuer, apps.layout.issuer_dir / "operator_password")
    _sign_in(pages[PLATFORM_OPERATOR], verifier, apps.layout.verifier_dir / "operator_password")

    investor = pages[INVESTOR]
    credential, issued = _wallet_with_a_credential(investor, apps)
    pending = _verification_on_the_platform(investor, apps, None)
    verified = _verification_on_the_platform(investor, apps, "sp7")
    landing = _landing(investor, apps)
    refused = _verification_on_the_platform(investor, apps, REFUSED_POLICY)
    assert apps.verification_status(pending) == "pending"
    assert apps.verification_status(verified) == "verified"
    assert apps.verification_status(refused) == "refused"

    from issuer.db.tables import credentials as issued_copies

    with apps.apps["issuer"].extensions["issuer"].db.read() as conn:
        query = issued_copies.select().where(issued_copies.c.applicant_id == issued).limit(1)
        copy = str(conn.execute(query).mappings().one()["id"])
    values: dict[str, str | Callable[[], str]] = {
        **apps.urls,
        "credential": credential,
        "issued": issued,  # an applicant whose credential the investor holds
        "copy": copy,  # one copy (credential) of it, at the issuer
        "applicant": str(apps.new_offer()["applicant_id"]),  # one still to approve
        "pending": pending,
        "verified": verified,
        "verified_id": verified.rsplit("/", 1)[1],  # for the operator's page of it
        "landing": landing,
        "refused": refused,
        "shared": _answered_in_wallet(investor, apps, "consent"),
        "declined": _answered_in_wallet(investor, apps, "decline"),
        # each visit its own offer and request: both are single use
        "offer": lambda: str(apps.new_offer()["same_device_link"]),
        "consent": lambda: str(apps.new_verification("sp7")["same_device_link"]),
    }
    for page in pages.values():
        page.close()
    return States(contexts, values)
