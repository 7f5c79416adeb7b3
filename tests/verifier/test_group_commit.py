"""The response endpoint under group commit (issue 22 "Durable", SQLite): many
wallets answering at once share commits, and no wallet is told its answer was
accepted before the commit holding its verdict returned.

The real verifier on a real HTTP server, real wallets (``ssi/`` only), its
real SQLite file; the order of commits and answers is recorded in the server
process (:mod:`tests.commit_order`).
"""

from __future__ import annotations

import threading
from typing import Any

from kyc_wallet.database import Database
from tests.commit_order import TAG_HEADER, CommitOrder, HeldWriter
from tests.verifier.conftest import RunningVerifier
from tests.verifier.foreign_wallet import ForeignWallet

ANSWERS = 12
DUPLICATES = 4  # answers posted twice at once: the second copy fails inside the batch


def _prepare(verifier: RunningVerifier, wallet: ForeignWallet) -> tuple[str, str, dict[str, str]]:
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    return created["id"], request.response_uri, wallet.form(request, wallet.response(request))


def test_group_commit_answers_leave_after_their_commit_and_share_it(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    db: Database = verifier.app.extensions["store"]
    order = CommitOrder(verifier.app.wsgi_app, db, "SELECT status FROM verifications WHERE id = ?")
    verifier.app.wsgi_app = order  # type: ignore[method-assign]
    flows = [_prepare(verifier, wallet) for _ in range(ANSWERS)]
    posts = [*flows, *flows[:DUPLICATES]]
    answers: list[tuple[str, int, dict[str, Any]]] = []

    def post(flow: tuple[str, str, dict[str, str]]) -> None:
        verification, uri, form = flow
        headers = {TAG_HEADER: verification}
        response = verifier.fetch.post(uri, data=form, headers=headers, raise_for_status=False)
        answers.append((verification, response.status, response.json()))

    # a commit in progress (held here) while every answer arrives: they all wait
    # for the writer, then run as one batch, the duplicates failing inside it
    threads = [threading.Thread(target=post, args=(flow,), daemon=True) for flow in posts]
    with HeldWriter(db) as held:
        for thread in threads:
            thread.start()
        held.wait_for(len(posts))
        order.clear()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive()
    assert held.errors == []

    # every verification accepted exactly once; each duplicate refused as a replay
    by_id: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for verification, status, body in answers:
        by_id.setdefault(verification, []).append((status, body))
    assert len(by_id) == ANSWERS
    for verification, got in by_id.items():
        assert [status for status, _ in got].count(200) == 1, (verification, got)
        for status, body in got:
            if status != 200:
                assert status == 400 and "already answered" in body["error_description"], body
        assert verifier.result(verification)["status"] == "verified"

    # in the server: each answer (accepted, or refused as a replay of a verdict)
    # left after a commit, with its verdict committed
    assert len(order.sent()) == len(posts)
    order.assert_each_answer_left_after_its_commit(lambda status: status == "verified")
    # one COMMIT (one fsync) for the held unit and every answer; the duplicates
    # were rolled back to their savepoints and failed nobody else
    commits = order.commits()
    assert len(commits) < ANSWERS, commits
    assert sum(commits) == 1 + ANSWERS, commits
