"""Every page of the three apps that a person sees, with the state it needs
(issue 20 items 5 and 6): the accessibility (axe) and phone-width (overflow)
tests of ``tests/browser/test_pages_a11y.py`` open each of them.

One entry per route that renders HTML, at least: :func:`unlisted_routes` names
every GET route of an app's ``url_map`` that is neither listed here nor a
machine route (the API, ``/.well-known``, metrics and probes, static files) nor
excused in :data:`NOT_PAGES` with a reason; ``test_pages_list_every_html_route``
fails on any. A new page of an app gets its entry here.

A path is a template: ``{wallet}``, ``{new_wallet}``, ``{issuer}`` and
``{verifier}`` are the apps' base URLs; the other names are the states that
:mod:`tests.browser.page_states` builds once per module (a credential's id, a
verification's pages, a fresh consent request per visit, ...).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

__all__ = ["APPS", "NOT_PAGES", "PAGES", "Page", "html_routes", "unlisted_routes"]

APPS = ("wallet", "issuer", "verifier")

# the browser profiles of tests.browser.page_states
VISITOR = "visitor"  # no cookie: the wallet is locked, nobody signed in
INVESTOR = "investor"  # wallet unlocked, a credential and an address; the platform's sessions
ISSUER_OPERATOR = "issuer_operator"  # signed in at the issuer
PLATFORM_OPERATOR = "platform_operator"  # signed in at the verifier


@dataclass(frozen=True)
class Page:
    """One page as a person reaches it.

    ``route``: the endpoint of the GET route whose page is checked (``None`` for a
    page only a POST's answer or an error renders); ``profile``: the browser profile
    that opens it; ``path``: the URL (a template, see the module); ``status``: the
    HTTP status of the page; ``click``: a page reached by a link or form on ``path``
    (the selector of its button or link): the page checked is the one it leads to."""

    app: str
    name: str
    route: str | None
    profile: str
    path: str
    status: int = 200
    click: str | None = None


PAGES: tuple[Page, ...] = (
    # the wallet
    Page("wallet", "setup", "vault.setup", VISITOR, "{new_wallet}/setup"),
    Page("wallet", "unlock", "vault.unlock", VISITOR, "{wallet}/unlock"),
    Page("wallet", "credentials", "credentials.list_credentials", INVESTOR, "{wallet}/credentials"),
    Page(
        "wallet", "credential", "credentials.detail", INVESTOR, "{wallet}/credentials/{credential}"
    ),
    Page("wallet", "receive", "receive.receive_form", INVESTOR, "{wallet}/receive"),
    Page("wallet", "offer", "receive.offer_route", INVESTOR, "{offer}"),
    Page("wallet", "present", "present.present_form", INVESTOR, "{wallet}/present"),
    Page("wallet", "consent", "present.authorize", INVESTOR, "{consent}"),
    Page("wallet", "shared", "present.done", INVESTOR, "{wallet}{shared}"),
    Page("wallet", "declined", "present.done", INVESTOR, "{wallet}{declined}"),
    Page("wallet", "history", "present.history", INVESTOR, "{wallet}/history"),
    Page("wallet", "accounts", "vault.accounts", INVESTOR, "{wallet}/accounts"),
    Page("wallet", "settings", "vault.settings", INVESTOR, "{wallet}/settings"),
    Page("wallet", "scan", "scan.scan", INVESTOR, "{wallet}/scan"),
    Page("wallet", "not-found", None, INVESTOR, "{wallet}/no-such-page", status=404),
    # the issuer (KYC provider)
    Page("issuer", "login", "operator.login", VISITOR, "{issuer}/operator/login"),
    Page("issuer", "applicants", "operator.index", ISSUER_OPERATOR, "{issuer}/operator/"),
    Page(
        "issuer",
        "applicant",
        "operator.applicant",
        ISSUER_OPERATOR,
        "{issuer}/operator/applicants/{applicant}",
    ),
    Page(
        "issuer",
        "issued",
        "operator.applicant",
        ISSUER_OPERATOR,
        "{issuer}/operator/applicants/{issued}",
    ),
    Page(
        "issuer",
        "new-applicant",
        "operator.new_applicant",
        ISSUER_OPERATOR,
        "{issuer}/operator/applicants/new",
    ),
    Page(
        "issuer",
        "offer",
        None,  # the answer of "Approve" (POST .../offer)
        ISSUER_OPERATOR,
        "{issuer}/operator/applicants/{applicant}",
        click="form[action$='/offer'] button[type=submit]",
    ),
    Page(
        "issuer",
        "credentials",
        "operator.credentials",
        ISSUER_OPERATOR,
        "{issuer}/operator/credentials",
    ),
    Page(
        "issuer",
        "confirm-revoke",
        "operator.confirm_issuance",
        ISSUER_OPERATOR,
        "{issuer}/operator/applicants/{issued}",
        click="a[href*='/operator/issuances/'][href*='/revoke']",
    ),
    Page(
        "issuer",
        "confirm-copy",
        "operator.confirm_copy",
        ISSUER_OPERATOR,
        "{issuer}/operator/credentials/{copy}/copy?action=suspend",
    ),
    Page("issuer", "audit", "operator.audit_log", ISSUER_OPERATOR, "{issuer}/operator/audit"),
    Page("issuer", "not-found", None, VISITOR, "{issuer}/no-such-page", status=404),
    # the verifier (token platform)
    Page("verifier", "index", "pages.index", VISITOR, "{verifier}/"),
    Page("verifier", "token", "operator.token_page", VISITOR, "{verifier}/tokens/SP7"),
    Page("verifier", "login", "operator.login", VISITOR, "{verifier}/operator/login"),
    Page("verifier", "pending", "pages.verification", INVESTOR, "{verifier}{pending}"),
    # the page that showed the QR code, once answered (cross-device: the outcome shows there)
    Page("verifier", "verified", "pages.verification", INVESTOR, "{verifier}{verified}"),
    Page("verifier", "refused", "pages.verification", INVESTOR, "{verifier}{refused}"),
    # where the wallet sends the investor after Share on the same device
    Page("verifier", "landing", "pages.done", INVESTOR, "{verifier}{landing}"),
    Page("verifier", "operator", "operator.index", PLATFORM_OPERATOR, "{verifier}/operator/"),
    Page(
        "verifier",
        "investors",
        "operator.investors",
        PLATFORM_OPERATOR,
        "{verifier}/operator/investors",
    ),
    Page(
        "verifier",
        "verification-detail",
        "operator.verification_detail",
        PLATFORM_OPERATOR,
        "{verifier}/operator/verifications/{verified_id}",
    ),
    Page("verifier", "audit", "operator.audit_log", PLATFORM_OPERATOR, "{verifier}/operator/audit"),
    Page("verifier", "not-found", None, VISITOR, "{verifier}/no-such-page", status=404),
    # another browser's verification: "started by another session"
    Page("verifier", "forbidden", None, VISITOR, "{verifier}{pending}", status=403),
)

MACHINE_PREFIXES = ("/api/", "/.well-known/", "/metrics", "/healthz", "/readyz", "/livez")
"""Routes for programs, not people: JSON, JWTs, Prometheus text."""

NOT_PAGES: dict[str, dict[str, str]] = {
    "wallet": {
        "vault.index": "only redirects (to /setup, /unlock or /credentials)",
    },
    "issuer": {
        "operator.root": "only redirects to /operator/",
        "metadata.credential_offer": "the credential offer as JSON (OpenID4VCI 1.0 §4.1.3)",
        "metadata.status_list": "a status list token (JWT), for verifiers",
        "metadata.vct_type_metadata": "SD-JWT VC type metadata as JSON, for wallets",
    },
    "verifier": {
        "pages.status": "JSON the pending page's script polls",
        "protocol.get_request": "the signed request object (JWT) the wallet fetches",
    },
}
"""GET routes outside :data:`MACHINE_PREFIXES` that render no page, each with why."""


def _static(endpoint: str) -> bool:
    return endpoint == "static" or endpoint.endswith(".static")


def html_routes(app: Flask) -> set[str]:
    """The endpoints of ``app``'s GET routes that are not for programs or static files."""
    return {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set())
        and not _static(rule.endpoint)
        and not rule.rule.startswith(MACHINE_PREFIXES)
    }


def unlisted_routes(name: str, app: Flask) -> list[str]:
    """The HTML routes of the app ``name`` with no entry in :data:`PAGES` nor in
    :data:`NOT_PAGES` (and the exclusions that name no route of the app)."""
    listed = {page.route for page in PAGES if page.app == name and page.route is not None}
    excused = NOT_PAGES[name]
    routes = html_routes(app)
    missing = [f"{endpoint}: no entry" for endpoint in sorted(routes - listed - set(excused))]
    gone = [f"{endpoint}: listed, but no such route" for endpoint in sorted(listed - routes)]
    stale = [
        f"{endpoint}: excused, but no such route" for endpoint in sorted(set(excused) - routes)
    ]
    return missing + gone + stale
