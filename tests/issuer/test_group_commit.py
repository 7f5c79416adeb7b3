"""The credential endpoint under group commit (issue 22 "Durable", SQLite):
concurrent Credential Requests share commits, and no wallet receives a
credential before the commit that consumed its token and recorded the
credential returned.

The real issuer on a real HTTP server and its real SQLite file; the order of
commits and answers is recorded in the server process (:mod:`tests.commit_order`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kyc_wallet.database import Database
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from ssi.oid4vci import CredentialResponse
from tests.commit_order import TAG_HEADER, CommitOrder, HeldWriter
from tests.hardening.client import Answer, IssuerClient
from tests.hardening.conftest import RAISED_LIMITS
from tests.support import RunningIssuer, start_issuer

REQUESTS = 10


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    yield from start_issuer(tmp_path / "issuer", fetcher, **RAISED_LIMITS)


def test_group_commit_credentials_leave_after_their_commit_and_share_it(
    issuer: RunningIssuer,
) -> None:
    db: Database = issuer.app.extensions["store"]
    order = CommitOrder(
        issuer.app.wsgi_app,
        db,
        "SELECT COUNT(*) FROM credentials c JOIN offers o ON o.id = c.offer_id"
        " WHERE o.applicant_id = ?",
    )
    issuer.app.wsgi_app = order  # type: ignore[method-assign]
    client = IssuerClient(issuer.url)
    now = int(issuer.clock.now)
    requests = []
    for _ in range(REQUESTS):
        offer = client.create_offer()
        token = client.access_token(offer)
        body = client.credential_body([Key.generate("ES256")], client.nonce(), now=now)
        requests.append((offer.applicant_id, token, body))
    answers: dict[str, Answer] = {}

    def post(applicant: str, token: str, body: object) -> None:
        headers = {"Authorization": f"Bearer {token}", TAG_HEADER: applicant}
        answers[applicant] = client.post_json("/credential", body, headers)

    threads = [threading.Thread(target=post, args=r, daemon=True) for r in requests]
    with HeldWriter(db) as held:
        for thread in threads:
            thread.start()
        held.wait_for(REQUESTS)
        order.clear()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive()
    assert held.errors == []
    for applicant, answer in answers.items():
        assert answer.status == 200, answer.body
        assert len(CredentialResponse.from_dict(answer.json()).credential_values) == 1, applicant
    assert len(answers) == REQUESTS
    # in the server: each credential left after the commit that recorded it
    assert len(order.sent()) == REQUESTS
    order.assert_each_answer_left_after_its_commit(lambda count: count == 1)
    commits = order.commits()
    assert len(commits) < REQUESTS, commits  # one COMMIT (one fsync) for many requests
    assert sum(commits) == 1 + REQUESTS, commits
