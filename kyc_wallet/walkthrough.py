"""``kyc-wallet demo --walkthrough``: the whole journey without a browser.

It drives the three running apps over HTTP the way their users do: the KYC
provider's API, the investor's wallet pages (forms with their CSRF tokens, a
cookie session), and the platform's API and operator pages. Each step is
printed as it happens; any failure stops with a non-zero exit and a clear
message.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from .demo_setup import DEMO_APPLICANT, DemoLayout

__all__ = ["walkthrough", "WalkthroughFailed"]

PASSPHRASE = "walkthrough passphrase 42"


class WalkthroughFailed(Exception):
    pass


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Answer:
    status: int
    body: str
    location: str | None

    def json(self) -> Any:
        return json.loads(self.body)


class Browser:
    """A cookie session against one of our own local apps (loopback only)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect
        )

    def request(
        self,
        method: str,
        path: str,
        *,
        form: dict[str, str] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        url = path if path.startswith("http") else self.base + path
        data = None
        all_headers = dict(headers or {})
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        req = urllib.request.Request(url, data=data, method=method, headers=all_headers)
        try:
            with self.opener.open(req, timeout=30) as response:
                return Answer(response.status, response.read().decode(), None)
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read().decode(), exc.headers.get("Location"))

    def csrf(self, path: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', self.request("GET", path).body)
        if match is None:
            raise WalkthroughFailed(f"no form on {self.base}{path}")
        return match.group(1)


def _expect(answer: Answer, status: int, what: str) -> Answer:
    if answer.status != status:
        lead = re.search(r'class="lead">([^<]*)', answer.body)
        detail = lead.group(1) if lead else answer.body[:300]
        raise WalkthroughFailed(f"{what}: HTTP {answer.status}: {detail}")
    return answer


def _step(n: int, text: str) -> None:
    print(f"[{n:2}] {text}", flush=True)


def _journey(layout: DemoLayout, keys: dict[str, str]) -> None:
    issuer_api = {"Authorization": f"Bearer {keys['issuer']}"}
    verifier_api = {"Authorization": f"Bearer {keys['verifier']}"}
    issuer = Browser(layout.issuer_url)
    wallet = Browser(layout.wallet_url)
    platform = Browser(layout.verifier_url)

    offer = _expect(
        issuer.request(
            "POST", "/api/v1/offers", json_body={"applicant": DEMO_APPLICANT}, headers=issuer_api
        ),
        201,
        "creating the offer",
    ).json()
    _step(
        1,
        f"offer created for {DEMO_APPLICANT['given_name']} "
        f"{DEMO_APPLICANT['family_name']} (PIN {offer['tx_code']})",
    )

    token = wallet.csrf("/setup")
    _expect(
        wallet.request(
            "POST",
            "/setup",
            form={"passphrase": PASSPHRASE, "confirm": PASSPHRASE, "csrf_token": token},
        ),
        302,
        "creating the wallet",
    )
    token = wallet.csrf("/receive")  # the unlocked session is a new one, with its own token
    page = _expect(
        wallet.request("POST", "/receive", form={"link": offer["link"], "csrf_token": token}),
        200,
        "opening the offer",
    ).body
    offer_id = re.search(r"/offer/([^/]+)/accept", page)
    if offer_id is None:
        raise WalkthroughFailed("the wallet did not show the offer")
    _expect(
        wallet.request(
            "POST",
            f"/offer/{offer_id.group(1)}/accept",
            form={"pin": offer["tx_code"], "csrf_token": token},
        ),
        302,
        "accepting the offer",
    )
    _step(
        2,
        "credential received and stored encrypted in the wallet: 3 unlinkable SD-JWT VC "
        "copies, and the W3C over-18 credential",
    )

    _expect(
        wallet.request(
            "POST", "/accounts", form={"action": "create", "label": "demo", "csrf_token": token}
        ),
        302,
        "creating an address",
    )
    address = re.search(r"0x[0-9a-fA-F]{40}", wallet.request("GET", "/accounts").body)
    if address is None:
        raise WalkthroughFailed("the wallet shows no address")
    investor = address.group(0)
    _step(3, f"investor address created in the wallet: {investor}")

    operator_password = (layout.verifier_dir / "operator_password").read_text().strip()
    op_token = platform.csrf("/operator/login")
    _expect(
        platform.request(
            "POST", "/operator/login", form={"password": operator_password, "csrf_token": op_token}
        ),
        302,
        "signing in as the platform operator",
    )
    op_token = platform.csrf("/operator/investors")
    platform.request(
        "POST", "/operator/tokens/SP7/mint", form={"amount": "1000", "csrf_token": op_token}
    )
    refused = platform.request(
        "POST",
        "/operator/tokens/SP7/transfer",
        form={"to": investor, "amount": "10", "csrf_token": op_token},
    )
    shown = platform.request("GET", "/operator/investors").body
    if "Transfer refused by the token" not in shown:
        raise WalkthroughFailed(
            f"a transfer to the unverified address was not refused ({refused.status})"
        )
    _step(
        4,
        "1000 SP7 minted to the platform's treasury; a transfer to the investor is "
        "refused by the token (address not verified)",
    )

    created, consent = _open_request(platform, wallet, token, "sp7", verifier_api)
    asking = re.search(r"<h1>(.*?) asks for your KYC credential</h1>", consent)
    checked = "Certificate checked against your trusted list" in consent
    _step(
        5,
        f"request shown in the wallet: {asking.group(1) if asking else '?'} asks"
        f"{' (certificate checked against your trusted list)' if checked else ''}",
    )
    rows = re.findall(r"<tr[^>]*><th>([^<]+)</th><td>([^<]*)</td></tr>", consent)
    disclosed = ", ".join(
        f"{label}: {value}"
        for label, value in rows
        if label not in ("Chain", "Token", "Identity registry")
    )
    _step(6, f"claims disclosed: {disclosed}; everything else stays hidden")
    _consent(wallet, token, consent, {"address": investor})
    result = _wait_for(
        platform,
        created["id"],
        verifier_api,
        lambda r: (
            r["status"] != "pending"
            and (r.get("whitelisting") or {}).get("state") in ("done", "failed")
        ),
    )
    if result["status"] != "verified":
        raise WalkthroughFailed(f"the platform refused: {result.get('reason')}")
    _step(
        7,
        f"presentation verified by the platform (KYC level {result['claims'].get('kyc_level')}, "
        f"resident in {result['claims'].get('address.country')})",
    )
    txs = result["whitelisting"].get("transactions", [])
    _step(
        8,
        "address whitelisted on the token's identity registry: "
        + ", ".join(f"{t['kind']} {t['hash']}" for t in txs),
    )

    op_token = platform.csrf("/operator/investors")
    platform.request(
        "POST",
        "/operator/tokens/SP7/transfer",
        form={"to": investor, "amount": "10", "csrf_token": op_token},
    )
    shown = platform.request("GET", "/operator/investors").body
    sent = re.search(r"Transferred 10 SP7 to [^ ]+ \(transaction (0x[0-9a-f]+)\)", shown)
    if sent is None:
        raise WalkthroughFailed("the transfer to the whitelisted investor did not go through")
    _step(9, f"the transfer that was refused before now succeeds (transaction {sent.group(1)})")

    _w3c_platform(platform, wallet, token, verifier_api)

    credentials = _expect(
        issuer.request("GET", "/api/v1/credentials", headers=issuer_api), 200, "listing credentials"
    ).json()["credentials"]
    for credential in credentials:
        issuer.request(
            "POST",
            f"/api/v1/credentials/{credential['id']}/revoke",
            json_body={"reason": "walkthrough"},
            headers=issuer_api,
        )
    _step(11, f"the KYC provider revokes the credential ({len(credentials)} copies)")

    report = _expect(
        platform.request("POST", "/api/v1/monitor", headers=verifier_api),
        200,
        "running the compliance monitor",
    ).json()
    if investor not in report["removed"]:
        raise WalkthroughFailed(f"the monitor did not remove the address: {report}")
    removed = _wait_for(
        platform,
        created["id"],
        verifier_api,
        lambda r: (
            r["whitelisting"]["desired"] == "removed"
            and r["whitelisting"]["state"] in ("done", "failed")
        ),
    )
    op_token = platform.csrf("/operator/investors")
    platform.request(
        "POST",
        "/operator/tokens/SP7/transfer",
        form={"to": investor, "amount": "1", "csrf_token": op_token},
    )
    if "Transfer refused by the token" not in platform.request("GET", "/operator/investors").body:
        raise WalkthroughFailed("a transfer to the removed address was not refused")
    delete = [t for t in removed["whitelisting"]["transactions"] if t["kind"] == "delete"]
    _step(
        12,
        f"the monitor saw the revocation; address removed from the registry"
        f"{' (' + delete[-1]['hash'] + ')' if delete else ''}; transfers to it are refused again",
    )


def _open_request(
    platform: Browser, wallet: Browser, token: str, policy: str, headers: dict[str, str]
) -> tuple[dict[str, Any], str]:
    """The platform starts a verification; the investor pastes its link into the wallet."""
    created: dict[str, Any] = _expect(
        platform.request(
            "POST", "/api/v1/verifications", json_body={"policy": policy}, headers=headers
        ),
        201,
        f"starting the verification ({policy})",
    ).json()
    consent = _expect(
        wallet.request("POST", "/present", form={"link": created["link"], "csrf_token": token}),
        200,
        f"opening the request in the wallet ({policy})",
    ).body
    return created, consent


def _consent(wallet: Browser, token: str, consent: str, extra: dict[str, str]) -> None:
    """The investor approves on the consent screen (the first credential offered)."""
    request_id = re.search(r"/present/([^/]+)/consent", consent)
    choice = re.findall(r'name="(credential_[^"]+)" value="([^"]+)"', consent)[:1]
    if request_id is None or not choice:
        raise WalkthroughFailed("the wallet's consent screen is incomplete")
    form = {"csrf_token": token, choice[0][0]: choice[0][1], **extra}
    _expect(
        wallet.request("POST", f"/present/{request_id.group(1)}/consent", form=form),
        303,
        "consenting",
    )


def _w3c_platform(platform: Browser, wallet: Browser, token: str, headers: dict[str, str]) -> None:
    """A platform that speaks W3C VC asks only "over 18" (policy ``adults-w3c``)."""
    created, consent = _open_request(platform, wallet, token, "adults-w3c", headers)
    if "cannot be partly shared" not in consent:
        raise WalkthroughFailed("the consent screen does not say the W3C credential goes whole")
    _consent(wallet, token, consent, {})
    result = _wait_for(platform, created["id"], headers, lambda r: r["status"] != "pending")
    if result["status"] != "verified":
        raise WalkthroughFailed(f"the W3C platform refused: {result.get('reason')}")
    over18 = result["claims"].get("over18")
    _step(
        10,
        "a W3C-based platform asks only 'over 18': the wallet shares the W3C over-18 "
        f"credential (VC-JWT) whole, and it is verified (over18 = {over18})",
    )


def _wait_for(browser: Browser, tx_id: str, headers: dict[str, str], done: Any) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        result: dict[str, Any] = _expect(
            browser.request("GET", f"/api/v1/verifications/{tx_id}", headers=headers),
            200,
            "reading the verification",
        ).json()
        if done(result):
            return result
        time.sleep(0.3)
    raise WalkthroughFailed("the platform did not finish within 60 s")


def walkthrough(layout: DemoLayout, keys: dict[str, str]) -> int:
    print(f"kyc-wallet demo --walkthrough (data in {layout.data})", flush=True)
    try:
        _journey(layout, keys)
    except (WalkthroughFailed, OSError, KeyError, ValueError) as exc:
        print(f"walkthrough FAILED: {exc}", flush=True)
        return 1
    print("walkthrough complete: every step succeeded", flush=True)
    return 0
