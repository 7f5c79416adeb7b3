"""Races on single-use values (SECURITY.md "OpenID4VCI 1.0"; issue 13
"Concurrency"): 100 concurrent uses of one pre-authorized code, one
``c_nonce`` and one access token against the real server. Exactly one wins;
every other one gets the spec's replay error (OpenID4VCI 1.0 §6.3
``invalid_grant``, §8.3.1.2 ``invalid_nonce``, RFC 6750 §3.1
``invalid_token``), never a 500 and never a rate-limit refusal (the limits
are raised in ``conftest.py``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

import pytest

from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from tests.hardening.client import Answer, IssuerClient
from tests.hardening.conftest import RAISED_LIMITS
from tests.support import RunningIssuer, issuer_rows, start_issuer

RACERS = 100


@pytest.fixture
def issuer(tmp_path: Path, database_url: str) -> Iterator[RunningIssuer]:
    """Every race runs on SQLite and on PostgreSQL (``-k postgres``); a small
    status list, so that concurrent allocations meet on it."""
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    yield from start_issuer(
        tmp_path / "issuer",
        fetcher,
        DATABASE_URL=database_url,
        STATUS_LIST_SIZE=512,
        **RAISED_LIMITS,
    )


def _race(attempts: list[Callable[[], Answer]]) -> list[Answer]:
    """Run every attempt at once: all threads start together at a barrier."""
    barrier = threading.Barrier(len(attempts))

    def run(attempt: Callable[[], Answer]) -> Answer:
        barrier.wait(timeout=60)
        return attempt()

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(run, attempts))


def _outcomes(answers: list[Answer]) -> Counter[tuple[int, str | None]]:
    return Counter((a.status, a.error) for a in answers)


def test_one_pre_authorized_code_used_by_100_at_once_yields_one_token(
    client: IssuerClient,
) -> None:
    offer = client.create_offer()
    answers = _race([partial(client.token, offer.code, offer.tx_code)] * RACERS)
    assert _outcomes(answers) == {(200, None): 1, (400, "invalid_grant"): RACERS - 1}
    (winner,) = [a for a in answers if a.status == 200]
    assert winner.json()["token_type"] == "Bearer"


@pytest.mark.slow
def test_one_c_nonce_in_100_concurrent_credential_requests_issues_once(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    tokens = [client.access_token(client.create_offer()) for _ in range(RACERS)]
    c_nonce = client.nonce()
    now = int(issuer.clock.now)
    bodies = [client.credential_body([Key.generate("ES256")], c_nonce, now) for _ in tokens]
    answers = _race([partial(client.credential, t, b) for t, b in zip(tokens, bodies, strict=True)])
    assert _outcomes(answers) == {(200, None): 1, (400, "invalid_nonce"): RACERS - 1}
    issued = issuer_rows(issuer.app, "SELECT COUNT(*) AS n FROM credentials")[0]
    assert issued is not None and issued["n"] == 1


def test_one_access_token_in_100_concurrent_credential_requests_issues_once(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    token = client.access_token(client.create_offer())
    now = int(issuer.clock.now)
    bodies = [
        client.credential_body([Key.generate("ES256"), Key.generate("ES256")], client.nonce(), now)
        for _ in range(RACERS)
    ]
    answers = _race([partial(client.credential, token, b) for b in bodies])
    assert _outcomes(answers) == {(200, None): 1, (401, "invalid_token"): RACERS - 1}
    issued = issuer_rows(issuer.app, "SELECT COUNT(*) AS n FROM credentials")[0]
    assert issued is not None and issued["n"] == 2


def test_status_indices_of_concurrent_credential_requests_are_distinct(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    """BEGIN IMMEDIATE (``issuer.db.credentials.take_indices``): 40
    Credential Requests at once on a list of 512 indices; every one is issued,
    no two credentials share a list index, none is a 500."""
    count = 40
    tokens = [client.access_token(client.create_offer()) for _ in range(count)]
    now = int(issuer.clock.now)
    bodies = [
        client.credential_body([Key.generate("ES256") for _ in range(3)], client.nonce(), now)
        for _ in tokens
    ]
    answers = _race([partial(client.credential, t, b) for t, b in zip(tokens, bodies, strict=True)])
    assert _outcomes(answers) == {(200, None): count}
    rows = issuer_rows(issuer.app, "SELECT status_list_id, status_idx FROM credentials")
    assert len(rows) == 3 * count
    assert len({(r["status_list_id"], r["status_idx"]) for r in rows}) == 3 * count


def test_revocation_racing_credential_requests_leaves_no_valid_copy(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    """BEGIN IMMEDIATE (``issuer.db.offers.lock_offer_status``; issue 19): a
    revocation and the Credential Requests of its issuance at once. A request
    that loses is told ``credential_request_denied`` (or, after the token was
    closed, ``invalid_token``); one that wins has its copies revoked by the
    revocation that follows it. No copy of a revoked issuance stays valid."""
    for _ in range(5):
        offer = client.create_offer()
        token = client.access_token(offer)
        now = int(issuer.clock.now)
        bodies = [client.credential_body([Key.generate("ES256")], client.nonce(), now)]
        attempts: list[Callable[[], Answer]] = [partial(client.credential, token, bodies[0])]
        attempts.append(partial(client.revoke, offer.issuance_id))
        answers = _race(attempts)
        assert all(a.status < 500 for a in answers), answers
        assert answers[1].status == 200, answers[1]
        assert answers[0].status == 200 or answers[0].error in (
            "credential_request_denied",
            "invalid_token",
        ), answers[0]
        rows = issuer_rows(
            issuer.app,
            "SELECT c.status FROM credentials c JOIN offers o ON o.id = c.offer_id"
            " WHERE o.issuance_id = :id",
            id=offer.issuance_id,
        )
        assert [r["status"] for r in rows] == [1] * (1 if answers[0].status == 200 else 0)
