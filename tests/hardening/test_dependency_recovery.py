"""Issue 13, dependencies down and back, end to end on 127.0.0.1: while the
issuer's status list host or a did:web issuer's host is down, the verifier
refuses with the reason and whitelists nothing, and its monitor neither
removes nor keeps an investor silently; once the host is back on the same
port, the next request (or monitor tick) completes - no failure was cached,
as a success or as a refusal (SECURITY.md "Revocation, fail-closed").

The issuer signs with an x5c chain, so the status list is the verifier's only
fetch from it; a host goes down by stopping its HTTP server and comes back as
a new server on the same port (:class:`tests.servers.Restartable`)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response

from issuer.app import DEFAULTS as ISSUER_DEFAULTS
from issuer.kyc_claims import KycRecord, sd_paths
from ssi.did import Resolver, did_web_document
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from ssi.sdjwt import HeldSDJWT, mark
from ssi.sdjwt_vc import issue_credential
from ssi.status_list import (
    STATUS_LIST_MEDIA_TYPE,
    StatusList,
    StatusReference,
    build_status_list_token,
)
from tests.servers import Restartable, free_port
from tests.support import APPLICANT, Clock, RunningIssuer
from tests.verifier.conftest import (
    VCT,
    RunningVerifier,
    StartVerifier,
    start_verifier,  # noqa: F401 (the fixture, for this folder)
    verifier_database,  # noqa: F401
)
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet
from tests.verifier.foreign_wallet import issue_credential as obtain_credential
from tests.verifier.sql import sql_of
from tests.verifier.test_refusals_oid4vp import assert_not_consumed, assert_refused, submit
from tests.verifier.test_status import x5c_issuer_app
from verifier.failures import backoff

STATUS_LIST_TTL = int(ISSUER_DEFAULTS["STATUS_LIST_TTL"])


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher(FetchPolicy(allow_http_loopback=True))


@pytest.fixture
def holder() -> Key:
    return Key.generate("ES256")


@pytest.fixture
def issuer_host(tmp_path: Path) -> Iterator[Restartable]:
    """The real issuer (x5c) on a port fixed first: its certificate names its URL."""
    port = free_port()
    host = Restartable(
        x5c_issuer_app(tmp_path / "issuer", f"http://127.0.0.1:{port}", Clock()), port
    )
    host.start()
    yield host
    host.stop()


@pytest.fixture
def issuer(issuer_host: Restartable, fetcher: Fetcher) -> RunningIssuer:
    app: Flask = issuer_host.app
    return RunningIssuer(app, issuer_host.url, app.extensions["clock"], fetcher)


@pytest.fixture
def verifier(
    start_verifier: StartVerifier,  # noqa: F811
    issuer: RunningIssuer,
    tmp_path: Path,
) -> RunningVerifier:
    root = tmp_path / "issuer" / "root.pem"
    trust = {issuer.url: {"mechanisms": ["x509"], "x509_roots": [str(root)]}}
    return start_verifier(TRUST_LIST={"issuers": trust})


@pytest.fixture
def wallet(
    issuer: RunningIssuer,
    verifier: RunningVerifier,
    holder: Key,
) -> ForeignWallet:
    credential = obtain_credential(issuer, holder)
    wallet = ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])
    assert wallet.held.claims["iss"] == issuer.url  # received while the issuer runs
    return wallet


def _intents(verifier: RunningVerifier) -> list[Any]:
    return list(sql_of(verifier.app).all("SELECT * FROM intents"))


def _verified(verifier: RunningVerifier, wallet: ForeignWallet, policy: str) -> None:
    created = verifier.create(policy)
    answer = submit(wallet, created["link"])
    assert answer.status == 200, answer.text()
    assert verifier.result(created["id"])["status"] == "verified"


def test_status_list_host_down_refuses_then_back_verifies(
    issuer_host: Restartable, verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    issuer_host.stop()
    created = verifier.create("solar7")
    result = assert_refused(verifier, created, submit(wallet, created["link"]), "FetchError")
    where = issuer_host.url.removeprefix("http://")
    assert result["reason"]["description"].startswith(f"cannot connect to {where}")
    assert "whitelisting" not in result and _intents(verifier) == []

    issuer_host.start()  # the same port: a fresh request of the same wallet goes through
    _verified(verifier, wallet, "solar7")
    (intent,) = _intents(verifier)
    assert (intent["address"], intent["desired"]) == (INVESTOR.address, "registered")


@pytest.mark.parametrize("revoked", [False, True], ids=["valid", "revoked"])
def test_monitor_retries_an_unreachable_status_list_until_it_returns(
    issuer_host: Restartable,
    issuer: RunningIssuer,
    verifier: RunningVerifier,
    wallet: ForeignWallet,
    caplog: pytest.LogCaptureFixture,
    revoked: bool,
) -> None:
    """Down: each tick after the item's back-off reports the list as not checked and
    changes nothing (removing on a network error would let anyone who can cut the
    issuer off un-whitelist investors); back: the next tick checks it and removes a
    revoked investor. (Issue 19 item 1: a failed item waits for its back-off, 60 s
    doubling, in the background monitor; every tick retried it before.)"""
    _verified(verifier, wallet, "solar7")
    (intent,) = _intents(verifier)
    if revoked:
        (credential,) = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
        assert issuer.api("POST", f"/api/v1/credentials/{credential['id']}/revoke").status == 200
    issuer_host.stop()
    verifier.clock.now += STATUS_LIST_TTL + 1  # the list the verifier cached is stale
    background = verifier.worker
    where = issuer_host.url.removeprefix("http://")
    failure = f"{intent['status_uri']}: FetchError: cannot connect to {where}"
    for attempt in (1, 2):  # every tick after the back-off retries; none decides
        with caplog.at_level(logging.WARNING, logger="verifier.background"):
            report = background.tick_monitor()
        assert (report.checked, report.removed) == (1, [])
        assert len(report.failed) == 1 and report.failed[0].startswith(failure)
        assert "status lists not checked: " + failure in caplog.text
        caplog.clear()
        assert background.tick_monitor().checked == 0  # waits for its back-off
        verifier.clock.now += backoff(attempt)
    answer = verifier.api("POST", "/api/v1/monitor")  # the platform's on-demand run says so too
    assert answer.status == 200 and answer.json()["removed"] == []
    assert [line.startswith(failure) for line in answer.json()["failed"]] == [True]
    assert [row["desired"] for row in _intents(verifier)] == ["registered"]
    verifier.clock.now += backoff(3)

    issuer_host.start()
    report = background.tick_monitor()
    assert report.failed == [] and report.removed == ([INVESTOR.address] if revoked else [])
    (row,) = _intents(verifier)
    if revoked:
        assert (row["desired"], row["removal_reason"]) == ("removed", "CredentialRevoked")
    else:
        assert (row["desired"], row["removal_reason"]) == ("registered", None)


# --- an issuer identified by did:web ---------------------------------------------------


class DidWebIssuer:
    """A foreign issuer whose ``iss`` is ``did:web:localhost%3A<port>``: its host
    serves the DID document and the Status List Token, both signed with its key."""

    def __init__(self, clock: Clock) -> None:
        self.key = Key.generate("ES256")
        self.clock = clock
        self.host = Restartable(self._app())
        self.did = f"did:web:localhost%3A{self.host.port}"
        self.kid = f"{self.did}#{self.key.thumbprint()}"
        self.status_uri = f"http://localhost:{self.host.port}/statuslists/1"

    def _app(self) -> Flask:
        app = Flask(__name__)

        @app.get("/.well-known/did.json")
        def did_json() -> Any:
            return did_web_document(self.did, [self.key.public()])

        @app.get("/statuslists/1")
        def status_list() -> Response:
            now = int(self.clock())
            token = build_status_list_token(
                StatusList(16, 1),  # all VALID
                self.status_uri,
                self.key,
                now=now,
                exp=now + 3600,
                ttl=STATUS_LIST_TTL,
                issuer=self.did,
                header={"kid": self.kid},
            )
            return Response(token, mimetype=STATUS_LIST_MEDIA_TYPE)

        return app

    def credential(self, holder: Key) -> str:
        now = int(self.clock())
        claims = KycRecord.from_dict(APPLICANT).credential_claims(dt.date.today())
        issued = issue_credential(
            mark(claims, sd_paths(claims)),
            self.key,
            vct=VCT,
            iss=self.did,
            iat=now,
            exp=now + 86_400,
            status=StatusReference(0, self.status_uri),
            holder_key=holder,
            header={"kid": self.kid},
        )
        return issued.compact()


@pytest.fixture
def did_issuer(issuer: RunningIssuer) -> Iterator[DidWebIssuer]:
    did_issuer = DidWebIssuer(issuer.clock)
    did_issuer.host.start()
    yield did_issuer
    did_issuer.host.stop()


def test_did_web_host_down_refuses_then_back_verifies(
    start_verifier: StartVerifier,  # noqa: F811
    did_issuer: DidWebIssuer,
    fetcher: Fetcher,
    holder: Key,
) -> None:
    verifier = start_verifier(TRUST_LIST={"issuers": {did_issuer.did: {"mechanisms": ["did"]}}})
    credential = did_issuer.credential(holder)
    wallet = ForeignWallet(fetcher, did_issuer.clock, credential, holder, [verifier.ca])
    resolve = Resolver(fetcher, allow_http_loopback=True).resolve_key
    wallet.held = HeldSDJWT.receive(  # the wallet resolves the did:web while it is up
        credential, lambda header, _: resolve(header["kid"], did_issuer.did), typ="dc+sd-jwt"
    )

    did_issuer.host.stop()
    # the issuer cannot be authenticated, so the holder binding never verifies: a 400
    # that consumes nothing (issue 19 item 7)
    created = verifier.create()
    description = assert_not_consumed(
        verifier, created, submit(wallet, created["link"]), "ResolutionError"
    )
    assert description.startswith(
        f"ResolutionError: cannot fetch the DID document of {did_issuer.did}:"
        " cannot connect to localhost:"
    )

    did_issuer.host.start()  # no refusal was cached: the next request resolves it again
    _verified(verifier, wallet, "kyc")

    did_issuer.host.stop()  # nor a success: the document is fetched for each presentation
    created = verifier.create()
    assert_not_consumed(verifier, created, submit(wallet, created["link"]), "ResolutionError")
