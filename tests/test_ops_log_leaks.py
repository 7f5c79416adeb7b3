"""Issue 21 item 10: no personal data and no secret in any log line.

The whole walkthrough runs against the three apps (separate processes, as in
``kyc-wallet demo --walkthrough``) with every logger at DEBUG
(``KYCW_LOG_LEVEL``); then every line of their output, and every record of
this process, is searched for the applicant's name, birth date and street,
the PIN, the pre-authorized code, any ``response_code``, the API keys, the
operator passwords, the wallet passphrase and every session cookie's value."""

from __future__ import annotations

import http.cookiejar
import json
import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from kyc_wallet import walkthrough as walkthrough_module
from kyc_wallet.demo import running_demo
from kyc_wallet.demo_setup import DEMO_APPLICANT, DemoLayout
from kyc_wallet.walkthrough import PASSPHRASE, Answer, Browser, walkthrough
from tests.servers import free_port


class RecordingBrowser(Browser):
    """The walkthrough's browser, keeping every answer and its cookie jar."""

    answers: list[Answer] = []
    jars: list[http.cookiejar.CookieJar] = []
    instances: list[Browser] = []

    def __init__(self, base: str) -> None:
        super().__init__(base)
        RecordingBrowser.instances.append(self)
        for handler in self.opener.handlers:  # type: ignore[attr-defined]
            if isinstance(handler, urllib.request.HTTPCookieProcessor):
                RecordingBrowser.jars.append(handler.cookiejar)

    def request(self, method: str, path: str, **kwargs: Any) -> Answer:
        answer = super().request(method, path, **kwargs)
        RecordingBrowser.answers.append(answer)
        return answer


def _secrets(layout: DemoLayout, keys: dict[str, str]) -> dict[str, str]:
    found: dict[str, str] = {
        "given name": DEMO_APPLICANT["given_name"],
        "family name": DEMO_APPLICANT["family_name"],
        "birth date": DEMO_APPLICANT["birthdate"],
        "street": DEMO_APPLICANT["street_address"],
        "wallet passphrase": PASSPHRASE,
        "issuer operator password": (layout.issuer_dir / "operator_password").read_text().strip(),
        "verifier operator password": (layout.verifier_dir / "operator_password")
        .read_text()
        .strip(),
    }
    found.update({f"{role} API key": key for role, key in keys.items()})
    for answer in RecordingBrowser.answers:
        text = f"{answer.body}\n{answer.location or ''}"
        for n, code in enumerate(re.findall(r"response_code=([A-Za-z0-9_\-]+)", text)):
            found[f"response_code {n}"] = code
        try:
            body = json.loads(answer.body)
        except ValueError:
            continue
        if isinstance(body, dict) and "tx_code" in body:
            n = sum(name.startswith("PIN") for name in found)
            found[f"PIN {n}"] = body["tx_code"]
            grant = body["credential_offer"]["grants"]
            code = grant["urn:ietf:params:oauth:grant-type:pre-authorized_code"]
            found[f"pre-authorized code {n}"] = code["pre-authorized_code"]
    for jar in RecordingBrowser.jars:
        for cookie in jar:
            if cookie.value:
                found[f"cookie {cookie.name} of {cookie.domain}:{cookie.port}"] = cookie.value
    return found


def _leaks(lines: list[str], secrets: dict[str, str]) -> list[str]:
    leaks = []
    for what, value in secrets.items():
        # a short value (the PIN) only as a whole token: not inside a hex id or a number
        pattern = re.compile(rf"(?<![0-9A-Za-z]){re.escape(value)}(?![0-9A-Za-z])")
        for line in lines:
            if (value in line) if len(value) >= 10 else pattern.search(line):
                leaks.append(f"{what}: {line[:300]}")
    return leaks


def _same_device_answer(layout: DemoLayout, keys: dict[str, str]) -> None:
    """The walkthrough answers across devices; here the investor also answers a
    request on the same device, then lands on the verifier's page with the
    ``response_code`` in the query string (OpenID4VP 1.0 §8.2)."""
    (wallet,) = [b for b in RecordingBrowser.instances if b.base == layout.wallet_url]
    # the walkthrough revoked every copy: a fresh credential first
    offer = (
        RecordingBrowser(layout.issuer_url)
        .request(
            "POST",
            "/api/v1/offers",
            json_body={"applicant": DEMO_APPLICANT},
            headers={"Authorization": f"Bearer {keys['issuer']}"},
        )
        .json()
    )
    token = wallet.csrf("/receive")
    page = wallet.request("POST", "/receive", form={"link": offer["link"], "csrf_token": token})
    offer_id = re.search(r"/offer/([^/]+)/accept", page.body)
    assert offer_id is not None
    accept = {"pin": offer["tx_code"], "csrf_token": token}
    assert wallet.request("POST", f"/offer/{offer_id.group(1)}/accept", form=accept).status == 302
    platform = RecordingBrowser(layout.verifier_url)
    created = platform.request(
        "POST",
        "/api/v1/verifications",
        json_body={"policy": "sp7"},
        headers={"Authorization": f"Bearer {keys['verifier']}"},
    ).json()
    query = created["same_device_link"].split("?", 1)[1]
    consent = wallet.request("GET", f"/authorize?{query}")
    assert consent.status == 200, consent.body[:300]
    address = re.search(r"0x[0-9a-fA-F]{40}", wallet.request("GET", "/accounts").body)
    assert address is not None
    extra = {"address": address.group(0)}
    walkthrough_module._consent(wallet, wallet.csrf("/present"), consent.body, extra)
    done = [a for a in RecordingBrowser.answers if a.location and "/done" in a.location][-1]
    page = wallet.request("GET", done.location or "")
    onward = re.search(r'href="([^"]*response_code=[^"]+)"', page.body)
    assert onward is not None, page.body[:500]
    platform.request("GET", onward.group(1).replace("&amp;", "&"))


@pytest.mark.slow
def test_the_walkthrough_logs_no_personal_data_and_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("KYCW_LOG_LEVEL", "DEBUG")
    monkeypatch.setattr(walkthrough_module, "Browser", RecordingBrowser)
    RecordingBrowser.answers, RecordingBrowser.jars, RecordingBrowser.instances = [], [], []
    caplog.set_level("DEBUG")
    ports = [free_port() for _ in range(3)]
    layout = DemoLayout(tmp_path / "demo", *(f"http://127.0.0.1:{p}" for p in ports))
    logs = tmp_path / "logs"
    with running_demo(layout, quiet=True, logs=logs) as keys:
        assert walkthrough(layout, keys) == 0
        _same_device_answer(layout, keys)
    secrets = _secrets(layout, keys)
    expected = {"PIN 0", "PIN 1", "pre-authorized code 0", "response_code 0", "issuer API key"}
    assert expected <= set(secrets), sorted(secrets)
    assert any(name.startswith("cookie kycw_wallet_session") for name in secrets), secrets.keys()
    assert any(name.startswith("cookie kycw_verifier_session") for name in secrets)

    lines: list[str] = []
    for name in ("issuer", "wallet", "verifier"):
        output = (logs / f"{name}.log").read_text(errors="replace").splitlines()
        records = [json.loads(line) for line in output if line.startswith("{")]
        # every app wrote JSON lines at DEBUG, with its access lines
        assert any(r.get("logger") == "kyc_wallet.access" for r in records), name
        assert any(r["level"] == "DEBUG" for r in records), name
        lines += output
    lines += (logs / "migrate.log").read_text(errors="replace").splitlines()
    lines += [caplog.text]
    assert _leaks(lines, secrets) == []
