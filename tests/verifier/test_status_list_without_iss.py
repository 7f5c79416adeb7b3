"""Issue 19 item 8, the verifier and its monitor: the real issuer publishes its
Status List Tokens without ``iss`` (Token Status List §5.1 does not require it;
another issuer implementation may leave it out). The verifier accepts the
presentation and its monitor still removes the address once the credential is
revoked; a list naming another issuer in ``iss`` is refused. Both were refused
before: the list's key was looked up by its ``iss``."""

from __future__ import annotations

from typing import Any

import pytest

import issuer.core.status_list
from ssi.status_list import build_status_list_token
from tests.support import RunningIssuer
from tests.verifier.conftest import RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet
from tests.verifier.sql import sql_of
from tests.verifier.test_refusals_oid4vp import assert_refused, submit
from verifier.maintenance import run_maintenance

OTHER_ISSUER = "http://127.0.0.1:9/bank"  # loopback: nothing is fetched from it


def _lists_with_iss(monkeypatch: pytest.MonkeyPatch, iss: str | None) -> None:
    """The issuer signs its lists with this ``iss`` (``None``: without one)."""

    def build_with(*args: Any, **kwargs: Any) -> str:
        return build_status_list_token(*args, **{**kwargs, "issuer": iss})

    monkeypatch.setattr(issuer.core.status_list, "build_status_list_token", build_with)


def test_status_list_without_iss_is_accepted_by_the_verifier(
    verifier: RunningVerifier, wallet: ForeignWallet, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lists_with_iss(monkeypatch, None)
    created = verifier.create()
    response = submit(wallet, created["link"])
    assert response.status == 200, response.text()
    assert verifier.result(created["id"])["status"] == "verified"


def test_status_list_without_iss_another_issuers_iss_is_refused_by_the_verifier(
    start_verifier: StartVerifier,
    issuer: RunningIssuer,
    wallet: ForeignWallet,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another issuer of the trust list named in the list's ``iss``: refused before any
    key of that issuer is looked up."""
    trust = {"issuers": {issuer.url: {"mechanisms": ["metadata"]}}}
    trust["issuers"][OTHER_ISSUER] = {"mechanisms": ["metadata"]}
    verifier = start_verifier(TRUST_LIST=trust)
    wallet.x509_roots = [verifier.ca]
    _lists_with_iss(monkeypatch, OTHER_ISSUER)
    created = verifier.create()
    result = assert_refused(verifier, created, submit(wallet, created["link"]), "UntrustedIssuer")
    assert "is not the Referenced Token's" in result["reason"]["description"]


def test_status_list_without_iss_revocation_is_enforced_by_the_monitor(
    issuer: RunningIssuer,
    verifier: RunningVerifier,
    wallet: ForeignWallet,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _lists_with_iss(monkeypatch, None)
    created = verifier.create("solar7")
    assert submit(wallet, created["link"]).status == 200
    store = sql_of(verifier.app)
    (intent,) = store.all("SELECT * FROM intents")
    assert '"iss"' in intent["status_issuer_json"]
    assert run_maintenance(verifier.app).failed == []
    (credential,) = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    assert issuer.api("POST", f"/api/v1/credentials/{credential['id']}/revoke").status == 200
    report = run_maintenance(verifier.app)
    assert report.removed == [INVESTOR.address] and report.failed == []
