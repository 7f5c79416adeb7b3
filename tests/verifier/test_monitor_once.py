"""Issue 21 item 7: the compliance monitor fetches each status list once per run
and checks every investor on it from that copy; a list that cannot be fetched
fails its own investors' checks (with the reason) and the others proceed.

The issuer serves its real Status List Tokens on 127.0.0.1; a WSGI wrapper
counts the requests for each list (and can make one list answer 503). The
issuer opens a new list for each credential (``STATUS_LIST_SIZE`` 2: a list is
full at half occupancy), so two credentials are on two lists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from ssi.fetch import Fetcher
from ssi.jose import Key
from tests.support import RunningIssuer, start_issuer
from tests.verifier.conftest import RunningVerifier
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential
from tests.verifier.sql import sql_of
from verifier.maintenance import run_maintenance


class CountingLists:
    """WSGI middleware: counts ``GET /statuslists/<id>``; a path in ``down`` gets 503."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.counts: Counter[str] = Counter()
        self.down: set[str] = set()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path.startswith("/statuslists/"):
            self.counts[path] += 1
            if path in self.down:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"down"]
        return self.app(environ, start_response)


@pytest.fixture
def issuer(tmp_path: Path, fetcher: Fetcher) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", fetcher, STATUS_LIST_SIZE=2)


@pytest.fixture
def lists(issuer: RunningIssuer) -> CountingLists:
    counting = CountingLists(issuer.app.wsgi_app)
    issuer.app.wsgi_app = counting  # type: ignore[method-assign]
    return counting


def _wallet(issuer: RunningIssuer, verifier: RunningVerifier) -> ForeignWallet:
    holder = Key.generate("ES256")
    credential = issue_credential(issuer, holder)
    return ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])


def _whitelist(verifier: RunningVerifier, wallet: ForeignWallet, count: int) -> list[str]:
    """``count`` new investors whitelisted with ``wallet``'s credential; their addresses."""
    addresses = []
    for _ in range(count):
        account = Account.create()
        created = verifier.create("solar7")
        request = wallet.fetch_request(created["link"]).request
        presentation = wallet.present(request, address=account.address)
        response = wallet.response(request, presentation, wallet.proof(request, account))
        assert wallet.post(request, wallet.form(request, response)).status == 200
        addresses.append(account.address)
    return addresses


def _list_path(verifier: RunningVerifier, address: str) -> str:
    row = sql_of(verifier.app).one("SELECT status_uri FROM intents WHERE address = ?", (address,))
    uri: str = row["status_uri"]
    return "/statuslists/" + uri.rsplit("/statuslists/", 1)[1]


def test_monitor_once_per_run_for_many_investors_on_one_list(
    issuer: RunningIssuer, verifier: RunningVerifier, lists: CountingLists
) -> None:
    investors = _whitelist(verifier, _wallet(issuer, verifier), 5)
    (path,) = {_list_path(verifier, a) for a in investors}
    lists.counts.clear()

    report = run_maintenance(verifier.app)  # forced: the cache answers nothing

    assert report.checked == 5 and report.failed == [] and report.removed == []
    assert dict(lists.counts) == {path: 1}
    # each run fetches its own copy: a second forced run fetches once more
    run_maintenance(verifier.app)
    assert dict(lists.counts) == {path: 2}


def test_monitor_once_per_list_for_investors_on_two_lists(
    issuer: RunningIssuer, verifier: RunningVerifier, lists: CountingLists
) -> None:
    first = _whitelist(verifier, _wallet(issuer, verifier), 3)
    second = _whitelist(verifier, _wallet(issuer, verifier), 2)
    first_path, second_path = _list_path(verifier, first[0]), _list_path(verifier, second[0])
    assert first_path != second_path
    lists.counts.clear()

    report = run_maintenance(verifier.app)

    assert report.checked == 5 and report.failed == []
    assert dict(lists.counts) == {first_path: 1, second_path: 1}
    answer = verifier.api("POST", "/api/v1/monitor")  # the API's forced run: the same
    assert answer.status == 200, answer.text()
    assert dict(lists.counts) == {first_path: 2, second_path: 2}


def test_monitor_once_a_list_that_fails_fails_only_its_investors(
    issuer: RunningIssuer, verifier: RunningVerifier, lists: CountingLists
) -> None:
    """The list of the first credential answers 503: its investors' checks fail
    with that reason (fetched once, not once per investor); the second credential
    is revoked and its investors are still removed."""
    first = _whitelist(verifier, _wallet(issuer, verifier), 3)
    second = _whitelist(verifier, _wallet(issuer, verifier), 2)
    down, up = _list_path(verifier, first[0]), _list_path(verifier, second[0])
    credentials = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    (revoked,) = [c for c in credentials if f"/statuslists/{c['status_list']['id']}" == up]
    assert issuer.api("POST", f"/api/v1/credentials/{revoked['id']}/revoke").status == 200
    lists.down.add(down)
    lists.counts.clear()

    report = run_maintenance(verifier.app)

    assert dict(lists.counts) == {down: 1, up: 1}
    assert report.checked == 5 and sorted(report.removed) == sorted(second)
    results = {r.address: (r.result, r.reason) for r in report.results}
    for address in first:
        result, reason = results[address]
        assert result == "failed"
        assert reason is not None and reason.startswith("FetchHTTPStatus") and "503" in reason
    assert {results[a] for a in second} == {("removed", "CredentialRevoked")}
    store = sql_of(verifier.app)
    desired = {r["address"]: r["desired"] for r in store.all("SELECT * FROM intents")}
    assert desired == {**dict.fromkeys(first, "registered"), **dict.fromkeys(second, "removed")}
    failed = {r["intent_id"] for r in store.all("SELECT * FROM intent_failures")}
    assert len(failed) == len(first)
