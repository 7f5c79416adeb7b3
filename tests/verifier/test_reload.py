"""Issue 21 item 9: the verifier re-reads its trust list and policies without a
restart, on ``SIGHUP`` and by the operator's "Reload" action; a file that does
not load or validate keeps the previous configuration, and the log and the
operator's page say why.

``kyc-wallet verifier`` runs as a real process on 127.0.0.1 (the serve path
installs the ``SIGHUP`` handler); its policies file is rewritten between
signals. A policy is "used" when the REST API creates a verification with it."""

from __future__ import annotations

import json
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.hardening.verifier_process import VerifierProcess
from tests.servers import free_port
from tests.support import API_KEY, scaled, wait_until
from tests.verifier.conftest import RULES, VCT, RunningVerifier
from verifier.settings import settings, settings_holder

PASSWORD = "operator-password-for-reload"
OLD = {"policies": {"kyc": {"vct": VCT, "rules": RULES}}}
NEW = {"policies": {"adults": {"vct": VCT, "rules": ["age_equal_or_over.18 == true"]}}}
BAD_RULE = {"policies": {"adults": {"vct": VCT, "rules": ["age_equal_or_over.18 =="]}}}
REFUSED = "not reloaded (the previous one stays)"


@pytest.fixture
def running(tmp_path: Path) -> Iterator[tuple[VerifierProcess, Path]]:
    policies = tmp_path / "policies.json"
    policies.write_text(json.dumps(OLD))
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"issuers": {"http://127.0.0.1:9": {"mechanisms": ["metadata"]}}}))
    config = tmp_path / "verifier.toml"
    config.write_text(
        f'API_KEYS = ["platform:{API_KEY}"]\n'
        "DEV_ALLOW_HTTP_LOOPBACK = true\n"
        f'OPERATOR_PASSWORD = "{PASSWORD}"\n'
        f"POLICIES_PATH = {json.dumps(str(policies))}\n"
        f"TRUST_LIST_PATH = {json.dumps(str(trust))}\n"
        "CHAIN_WORKER_INTERVAL = 0\n"
        "MONITOR_INTERVAL = 0\n"
    )
    process = VerifierProcess(tmp_path / "data", config, free_port(), tmp_path / "verifier.log")
    process.start()
    try:
        yield process, policies
    finally:
        process.kill()


def _create(process: VerifierProcess, policy: str) -> int:
    answer = requests.post(
        f"{process.url}/api/v1/verifications",
        json={"policy": policy},
        headers={"Authorization": f"Bearer {API_KEY}"},
        timeout=scaled(10),
    )
    return answer.status_code


def _uses(process: VerifierProcess, policy: str) -> bool:
    return _create(process, policy) == 201


def _sighup(process: VerifierProcess) -> None:
    assert process.process is not None
    process.process.send_signal(signal.SIGHUP)


def _log(process: VerifierProcess) -> str:
    return process.log.read_text(errors="replace")


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _operator(process: VerifierProcess) -> requests.Session:
    """A signed-in operator's browser session (cookies, CSRF token, Origin)."""
    session = requests.Session()
    session.headers["Origin"] = process.url
    login = session.get(f"{process.url}/operator/login", timeout=scaled(10))
    answer = session.post(
        f"{process.url}/operator/login",
        data={"password": PASSWORD, "csrf_token": _csrf(login.text)},
        timeout=scaled(10),
    )
    assert answer.status_code == 200 and answer.url.endswith("/operator/"), answer.text
    return session


def _reload_button(process: VerifierProcess, session: requests.Session) -> Any:
    page = session.get(f"{process.url}/operator/", timeout=scaled(10))
    assert "Reload the trust list and policies" in page.text
    return session.post(
        f"{process.url}/operator/reload", data={"csrf_token": _csrf(page.text)}, timeout=scaled(10)
    )


def test_reload_on_sighup_uses_the_new_policies(running: tuple[VerifierProcess, Path]) -> None:
    process, policies = running
    assert _uses(process, "kyc") and not _uses(process, "adults")
    policies.write_text(json.dumps(NEW))
    _sighup(process)
    wait_until(lambda: _uses(process, "adults"), 30, "the new policy was never used")
    assert _create(process, "kyc") != 201  # replaced, not merged
    assert process.process is not None and process.process.poll() is None


@pytest.mark.parametrize(
    ("bad", "reason"),
    [("{not json", "is not valid JSON"), (json.dumps(BAD_RULE), "age_equal_or_over.18 ==")],
)
def test_reload_on_sighup_of_a_bad_file_keeps_the_old_one_and_says_why(
    running: tuple[VerifierProcess, Path], bad: str, reason: str
) -> None:
    process, policies = running
    policies.write_text(bad)
    _sighup(process)
    line = wait_until(
        lambda: next((x for x in _log(process).splitlines() if "reload refused" in x), None),
        30,
        "no log line said the reload was refused",
    )
    assert reason in line
    assert _uses(process, "kyc") and not _uses(process, "adults")
    page = _operator(process).get(f"{process.url}/operator/", timeout=scaled(10)).text
    outcome = re.search(r'data-testid="reload-outcome">([^<]*)<', page)
    assert outcome is not None and REFUSED in outcome.group(1) and reason in outcome.group(1)


def test_reload_by_the_operator_action(running: tuple[VerifierProcess, Path]) -> None:
    """The operator's button reloads at once and the answer says how it went; a
    bad file keeps the old policies, with the reason; a POST without the CSRF
    token reloads nothing."""
    process, policies = running
    operator = _operator(process)

    policies.write_text(json.dumps(NEW))
    forged = operator.post(f"{process.url}/operator/reload", data={}, timeout=scaled(10))
    assert forged.status_code == 400 and "CSRF" in forged.text
    assert _uses(process, "kyc") and not _uses(process, "adults")

    answer = _reload_button(process, operator)
    assert answer.status_code == 200 and answer.url.endswith("/operator/")
    assert "trust list and policies reloaded" in answer.text
    assert _uses(process, "adults") and not _uses(process, "kyc")

    policies.write_text(json.dumps(BAD_RULE))
    answer = _reload_button(process, operator)
    assert answer.status_code == 200
    assert REFUSED in answer.text and "age_equal_or_over.18 ==" in answer.text
    assert _uses(process, "adults")  # the previous (good) file's policy stays
    assert "reload refused" in _log(process)


def test_reload_mid_request_keeps_the_request_on_its_copy(verifier: RunningVerifier) -> None:
    """A request reads one configuration from start to end: a reload while it runs
    changes what the next request reads, not what this one does."""
    app = verifier.app
    app.config["POLICIES"] = NEW
    with app.test_request_context("/"):
        before = settings()
        assert settings_holder(app).reload().ok
        assert settings() is before and "kyc" in before.policies
    with app.test_request_context("/"):
        assert set(settings().policies) == {"adults"}
