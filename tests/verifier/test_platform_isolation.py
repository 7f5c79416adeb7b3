"""Issue 19 items 3 and 4: nobody gets more than they are owed.

Item 3: every API read and action (a verification, the list, the monitor
trigger, webhooks) belongs to the key that created it; another key gets the
404 of an unknown id. Item 4: each managed token has a base policy that no
named or inline policy can lower, and a key whitelists only on its tokens
(403 with the reason otherwise). Each attack here succeeded before the fix.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, request

from chain.platform import PlatformChain
from ssi.errors import AccessDenied, MalformedInput
from ssi.jose import Key
from tests.servers import serve
from tests.support import RunningIssuer
from tests.verifier.conftest import (
    API_KEY,
    RULES,
    TOKEN_TARGET,
    VCT,
    RunningVerifier,
    StartVerifier,
)
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet, issue_credential
from tests.verifier.platform_keys import (
    BASE_POLICIES,
    KEY_A,
    KEY_B,
    KEY_C,
    KEYS,
    PLATFORM_POLICIES,
    WIND_TARGET,
    call,
    create,
    result,
)
from tests.verifier.sql import sql_of
from tests.verifier.test_refusals_oid4vp import assert_refused, submit
from verifier.app import create_app
from verifier.webhooks import SIGNATURE_HEADER, verify_webhook

OLD_FORM = [f"a:{KEY_A}", f"b:{KEY_B}"]


def _wallet(issuer: RunningIssuer, verifier: RunningVerifier, **applicant: Any) -> ForeignWallet:
    holder = Key.generate("ES256")
    credential = issue_credential(issuer, holder, **applicant)
    return ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])


def _intents(verifier: RunningVerifier) -> list[Any]:
    return list(sql_of(verifier.app).all("SELECT * FROM intents"))


def _revoke_everything(issuer: RunningIssuer) -> None:
    for entry in issuer.api("GET", "/api/v1/credentials").json()["credentials"]:
        issuer.api("POST", f"/api/v1/credentials/{entry['id']}/revoke")


# --- item 3: reads and actions belong to the key that created them -------------------


def test_platform_isolation_another_key_reads_a_verification_as_an_unknown_id(
    start_verifier: StartVerifier, issuer: RunningIssuer
) -> None:
    """Key B asks for key A's verified verification (claims and address): the
    answer is byte for byte the 404 of an id that does not exist."""
    verifier = start_verifier(API_KEYS=OLD_FORM)
    created = create(verifier, KEY_A, policy="solar7")
    assert submit(_wallet(issuer, verifier), created["link"]).status == 200
    mine = result(verifier, KEY_A, created["id"])
    assert mine["status"] == "verified" and mine["address"] == INVESTOR.address

    unknown = call(verifier, KEY_B, "GET", "/api/v1/verifications/no-such-id")
    theirs = call(verifier, KEY_B, "GET", f"/api/v1/verifications/{created['id']}")
    with_code = call(
        verifier, KEY_B, "GET", f"/api/v1/verifications/{created['id']}?response_code=x"
    )
    assert unknown.status == theirs.status == with_code.status == 404
    assert theirs.text() == unknown.text() == with_code.text()
    assert INVESTOR.address not in theirs.text()


def test_platform_isolation_another_key_gets_no_qr_code_of_a_verification(
    start_verifier: StartVerifier,
) -> None:
    """Key B asks for the QR code of key A's verification (issue 22's
    ``qr.svg``): the 404 of an unknown id, with no image."""
    verifier = start_verifier(API_KEYS=OLD_FORM)
    created = create(verifier, KEY_A, policy="solar7")
    mine = call(verifier, KEY_A, "GET", f"/api/v1/verifications/{created['id']}/qr.svg")
    assert mine.status == 200 and "<svg" in mine.text()
    unknown = call(verifier, KEY_B, "GET", "/api/v1/verifications/no-such-id/qr.svg")
    theirs = call(verifier, KEY_B, "GET", f"/api/v1/verifications/{created['id']}/qr.svg")
    assert unknown.status == theirs.status == 404
    assert theirs.text() == unknown.text() and "<svg" not in theirs.text()


def test_platform_isolation_a_key_lists_only_its_own_verifications(
    start_verifier: StartVerifier,
) -> None:
    verifier = start_verifier(API_KEYS=OLD_FORM)
    mine = {create(verifier, KEY_A, policy="kyc")["id"] for _ in range(2)}
    theirs = {create(verifier, KEY_B, policy="kyc")["id"]}
    for key, expected in ((KEY_A, mine), (KEY_B, theirs)):
        listed = call(verifier, key, "GET", "/api/v1/verifications")
        assert listed.status == 200, listed.text()
        assert {v["id"] for v in listed.json()["verifications"]} == expected


def test_platform_isolation_the_monitor_trigger_acts_on_the_callers_intents_only(
    start_verifier: StartVerifier, issuer: RunningIssuer
) -> None:
    """Key B's trigger neither checks nor removes key A's investor, nor tells B
    about it; A's own trigger does."""
    verifier = start_verifier(API_KEYS=OLD_FORM)
    created = create(verifier, KEY_A, policy="solar7")
    assert submit(_wallet(issuer, verifier), created["link"]).status == 200
    _revoke_everything(issuer)

    report = call(verifier, KEY_B, "POST", "/api/v1/monitor")
    assert report.status == 200 and report.json() == {
        "checked": 0,
        "removed": [],
        "failed": [],
        "results": [],
    }
    assert [i["desired"] for i in _intents(verifier)] == ["registered"]

    report = call(verifier, KEY_A, "POST", "/api/v1/monitor")
    assert _removed_only(report.json()) == [INVESTOR.address]
    assert [i["desired"] for i in _intents(verifier)] == ["removed"]


def test_platform_isolation_an_investor_from_the_verifiers_pages_is_every_token_keys(
    start_verifier: StartVerifier, issuer: RunningIssuer
) -> None:
    """An investor verified on the verifier's own pages (the token page) belongs
    to no key: the monitor trigger of each key that may whitelist on its token
    acts on it, that of a key for another token does not."""
    verifier = start_verifier(API_KEYS=KEYS, POLICIES=PLATFORM_POLICIES)
    verifier.app.config["VERIFIER_URL"] = verifier.url
    browser = verifier.app.test_client()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', browser.get("/").get_data(as_text=True))
    assert csrf
    started = browser.post("/start", data={"policy": "solar7", "csrf_token": csrf[1]})
    html = browser.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(r'data-testid="request-link">([^<]+)<', html)
    assert link
    assert submit(_wallet(issuer, verifier), link[1].replace("&amp;", "&")).status == 200
    _revoke_everything(issuer)

    report = call(verifier, KEY_C, "POST", "/api/v1/monitor").json()  # WF3 only
    assert report == {"checked": 0, "removed": [], "failed": [], "results": []}
    report = call(verifier, KEY_B, "POST", "/api/v1/monitor").json()  # SP7
    assert _removed_only(report) == [INVESTOR.address]


def _removed_only(report: dict[str, Any]) -> list[str]:
    """The addresses a monitor run removed, when it checked those alone and nothing failed."""
    assert report["failed"] == [] and report["checked"] == len(report["results"]), report
    assert {r["result"] for r in report["results"]} == {"removed"}, report
    assert [r["address"] for r in report["results"]] == report["removed"], report
    removed: list[str] = report["removed"]
    return removed


@pytest.fixture
def receivers() -> Iterator[dict[str, tuple[str, list[dict[str, Any]], threading.Event]]]:
    """Two platforms' webhook receivers on 127.0.0.1."""
    out: dict[str, tuple[str, list[dict[str, Any]], threading.Event]] = {}
    servers = []
    for name in ("a", "b"):
        app = Flask(f"receiver-{name}")
        received: list[dict[str, Any]] = []
        event = threading.Event()

        def hook(received: list[dict[str, Any]] = received, event: threading.Event = event) -> Any:
            received.append(
                {"body": request.get_data(as_text=True), "sig": request.headers[SIGNATURE_HEADER]}
            )
            event.set()
            return "", 204

        app.post("/hook")(hook)
        server = serve(app)
        servers.append(server)
        out[name] = (server.__enter__() + "/hook", received, event)
    yield out
    for server in servers:
        server.__exit__(None, None, None)


def test_platform_isolation_a_verdict_goes_to_its_creators_webhook_only(
    start_verifier: StartVerifier,
    issuer: RunningIssuer,
    receivers: dict[str, tuple[str, list[dict[str, Any]], threading.Event]],
) -> None:
    """Item 14: each key has its webhook URL and secret; key A's verdict is sent
    to A's URL signed with A's secret, and never to B's."""
    keys = [
        {**KEYS[0], "webhook_url": receivers["a"][0], "webhook_secret": "whsec-a-0123456789"},
        {**KEYS[1], "webhook_url": receivers["b"][0], "webhook_secret": "whsec-b-0123456789"},
    ]
    verifier = start_verifier(API_KEYS=keys, POLICIES=PLATFORM_POLICIES)
    created = create(verifier, KEY_A, policy="kyc")
    assert submit(_wallet(issuer, verifier), created["link"]).status == 200
    verifier.worker.tick_webhooks()
    assert receivers["a"][2].is_set()
    (delivery,) = receivers["a"][1]
    assert json.loads(delivery["body"])["id"] == created["id"]
    now = verifier.clock.now
    assert verify_webhook("whsec-a-0123456789", delivery["sig"], delivery["body"], now=now)
    assert not verify_webhook("whsec-b-0123456789", delivery["sig"], delivery["body"], now=now)
    assert receivers["b"][1] == []
    store = sql_of(verifier.app)
    assert [r["url"] for r in store.all("SELECT url FROM webhooks")] == [receivers["a"][0]]


# --- item 4: base policies, and the tokens of each key --------------------------------


def _refused_403(verifier: RunningVerifier, key: str, body: dict[str, Any], reason: str) -> None:
    answer = call(verifier, key, "POST", "/api/v1/verifications", body)
    assert answer.status == 403, answer.text()
    assert answer.json()["error"] == "access_denied"
    assert reason in answer.json()["error_description"], answer.text()


def test_platform_isolation_a_key_whitelists_only_on_its_tokens(
    start_verifier: StartVerifier,
) -> None:
    verifier = start_verifier(API_KEYS=KEYS, POLICIES=PLATFORM_POLICIES)
    inline_wind = {"vct": VCT, "rules": RULES, "address_proof": True, "token": WIND_TARGET}
    _refused_403(verifier, KEY_A, {"policy_body": inline_wind}, "may not whitelist on token 'WF3'")
    _refused_403(
        verifier,
        KEY_A,
        {"policy": "solar7", "token": WIND_TARGET},
        "may not whitelist on token 'WF3'",
    )
    _refused_403(verifier, KEY_A, {"policy": "wind3"}, "may not use the policy 'wind3'")
    _refused_403(verifier, KEY_C, {"policy": "solar7"}, "may not use the policy 'solar7'")
    assert sql_of(verifier.app).all("SELECT id FROM verifications") == []
    # what it may do: its token, its policies, inline policies that whitelist nothing
    create(verifier, KEY_A, policy="solar7")
    create(verifier, KEY_A, policy_body={"vct": VCT, "rules": []})
    create(verifier, KEY_C, policy="wind3")
    create(verifier, KEY_C, policy_body=inline_wind)


def test_platform_isolation_a_token_without_base_policy_is_refused(
    verifier: RunningVerifier,
) -> None:
    """A registry the verifier does not manage, or a managed registry given with
    another token or name, is refused to every key (here one of the old form)."""
    for target, reason in (
        (WIND_TARGET, "manages no token on the identity registry"),
        ({**TOKEN_TARGET, "token": WIND_TARGET["token"]}, "give exactly that token"),
        ({**TOKEN_TARGET, "name": "Another Token"}, "give exactly that token"),
    ):
        body = {"vct": VCT, "rules": [], "address_proof": True, "token": target}
        _refused_403(verifier, API_KEY, {"policy_body": body}, reason)
    assert sql_of(verifier.app).all("SELECT id FROM verifications") == []


def test_platform_isolation_inline_policy_without_rules_keeps_the_base_rules_on_chain(
    start_verifier: StartVerifier, issuer: RunningIssuer
) -> None:
    """The attack of the issue: an inline policy with no rule and an address proof
    on a token. The base policy still applies: an investor at KYC level 1 is
    refused and nothing reaches the chain; one who passes the base is registered."""
    base = {"token": "SP7", "vct": VCT, "rules": RULES, "claims": [["address", "country"]]}
    verifier = start_verifier(
        CHAIN="dev",
        DEV_TOKENS=[{"name": "Solar Plant 7", "symbol": "SP7", "allowed_countries": ["DE"]}],
        POLICIES={"policies": {}, "base_policies": {"SP7": base}},
    )
    platform: PlatformChain = verifier.app.extensions["chain"]
    sp7 = platform.token("SP7")
    target = {
        "chain_id": platform.deployment.caip2,
        "identity_registry": sp7.identity_registry,
        "token": sp7.token,
        "name": sp7.name,
    }
    inline = {"vct": VCT, "rules": [], "address_proof": True, "token": target}

    created = verifier.create(None, policy_body=inline)
    answer = submit(_wallet(issuer, verifier, kyc_level=1), created["link"])
    assert_refused(verifier, created, answer, "RuleFailed")
    verifier.worker.tick_chain()
    assert _intents(verifier) == []
    assert not platform.is_verified(INVESTOR.address, sp7)

    created = verifier.create(None, policy_body=inline)
    assert submit(_wallet(issuer, verifier), created["link"]).status == 200
    verifier.worker.tick_chain()
    assert platform.is_verified(INVESTOR.address, sp7)


def test_platform_isolation_a_named_policy_weaker_than_the_base_keeps_the_base(
    start_verifier: StartVerifier, issuer: RunningIssuer
) -> None:
    """The policies file names a policy for SP7 with no rule and a ten-year age
    limit: the wallet is asked for what the base rules read, the base rules
    refuse a level-1 investor, and the shorter age limit stands."""
    verifier = start_verifier(POLICIES=PLATFORM_POLICIES)
    created = verifier.create("weak")
    wallet = _wallet(issuer, verifier, kyc_level=1)
    request = wallet.fetch_request(created["link"]).request
    asked = {tuple(c.path) for c in request.dcql_query.credentials[0].claims or ()}
    assert ("kyc_level",) in asked and ("sanctions_screening_result",) in asked
    answer = wallet.post(request, wallet.form(request, wallet.response(request)))
    assert_refused(verifier, created, answer, "RuleFailed")
    assert _intents(verifier) == []
    row = sql_of(verifier.app).one(
        "SELECT policy FROM verifications WHERE id = ?", (created["id"],)
    )
    assert json.loads(row["policy"])["body"]["max_credential_age_days"] == 365


def test_platform_isolation_an_old_form_key_warns_at_start_and_keeps_the_base(
    start_verifier: StartVerifier, issuer: RunningIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    """``"name:key"`` still works (every token and named policy, as before), with
    a warning at start that shows the new form (without the key); the base
    policies bind it like any key."""
    with caplog.at_level(logging.WARNING):
        verifier = start_verifier(API_KEYS=[f"platform:{API_KEY}"], POLICIES=PLATFORM_POLICIES)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    (warning,) = [w for w in warnings if "API key 'platform'" in w]
    assert '{name = "platform", key = "…", tokens = ["SP7", "WF3"],' in warning
    assert API_KEY not in caplog.text

    create(verifier, API_KEY, policy="wind3")  # every token and named policy, as before
    inline = {"vct": VCT, "rules": [], "address_proof": True, "token": TOKEN_TARGET}
    created = create(verifier, API_KEY, policy_body=inline)
    answer = submit(_wallet(issuer, verifier, kyc_level=1), created["link"])
    assert_refused(verifier, created, answer, "RuleFailed")
    assert _intents(verifier) == []


def test_platform_isolation_the_effective_policy_only_adds_checks() -> None:
    from verifier.base_policies import load_base_policies

    bases = load_base_policies(PLATFORM_POLICIES)
    request = {
        "vct": VCT,
        "rules": ["kyc_level >= 3"],
        "claims": [["given_name"]],
        "max_credential_age_days": 3650,
        "address_proof": True,
        "token": TOKEN_TARGET,
    }
    body, managed = bases.effective("inline", request)
    assert managed is not None and managed.id == "SP7"
    assert body["rules"] == [*RULES, "kyc_level >= 3"]
    assert body["claims"] == [["given_name"]]
    assert body["max_credential_age_days"] == 365
    # a policy that whitelists nothing is left as it is
    assert bases.effective("inline", {"vct": VCT}) == ({"vct": VCT}, None)
    with pytest.raises(AccessDenied, match="credential type"):
        bases.effective("inline", {**request, "vct": "urn:other"})


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"API_KEYS": [{**KEYS[0], "tokens": ["XX"]}]}, "unknown tokens ['XX']"),
        ({"API_KEYS": [{**KEYS[0], "policies": ["nope"]}]}, "unknown policies ['nope']"),
        ({"API_KEYS": [{**KEYS[0], "token": ["SP7"]}]}, "unknown members ['token']"),
        ({"API_KEYS": [KEYS[0], {**KEYS[1], "name": "a"}]}, "same name"),
        ({"API_KEYS": [{**KEYS[0], "webhook_url": "https://a.example/h"}]}, "webhook_secret"),
        ({"WEBHOOK_URL": "https://a.example/h"}, "WEBHOOK_SECRET"),
        (
            {
                "POLICIES": {
                    "policies": {
                        "p1": {"vct": VCT, "address_proof": True, "token": TOKEN_TARGET},
                        "p2": {"vct": VCT, "address_proof": True, "token": TOKEN_TARGET},
                    }
                }
            },
            "base_policies",
        ),
        (
            {
                "POLICIES": {
                    "policies": {},
                    "base_policies": {
                        **BASE_POLICIES,
                        "SP7bis": {**BASE_POLICIES["SP7"], "token": {**TOKEN_TARGET, "name": "X"}},
                    },
                }
            },
            "one identity registry",
        ),
        (
            {
                "POLICIES": {
                    "policies": {
                        "other": {"vct": "urn:x", "address_proof": True, "token": TOKEN_TARGET}
                    },
                    "base_policies": BASE_POLICIES,
                }
            },
            "credential type",
        ),
        ({"POLICIES": {"policies": {}, "base_policy": BASE_POLICIES}}, "'base_policy'"),
    ],
)
def test_platform_isolation_a_bad_configuration_stops_the_start(
    tmp_path: Path, changes: dict[str, Any], reason: str
) -> None:
    config = {"DATA_DIR": str(tmp_path), "POLICIES": PLATFORM_POLICIES, **changes}
    with pytest.raises(MalformedInput) as info:
        create_app(config)
    assert reason in info.value.description
