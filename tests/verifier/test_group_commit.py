"""The response endpoint under group commit (issue 22 "Durable", SQLite): many
wallets answering at once share commits, and no wallet is told its answer was
accepted before the commit holding its verdict returned.

The real verifier on a real HTTP server, real wallets (``ssi/`` only), its
real SQLite file. The server process records, in order, each commit (a hook
on the writer, :meth:`Database.on_commit`) and the moment each answer's first
bytes are handed to the HTTP server (a WSGI wrapper), and at that moment
reads the verdict on a connection of its own, which sees committed rows only.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kyc_wallet.database import Batch, Database
from tests.support import wait_until
from tests.verifier.conftest import RunningVerifier
from tests.verifier.foreign_wallet import ForeignWallet

ANSWERS = 12
DUPLICATES = 4  # answers posted twice at once: the second copy fails in the batch
TAG = "HTTP_X_TEST_VERIFICATION"


@dataclass
class Sent:
    verification: str
    status: int
    committed_status: str | None  # read at the moment the answer left


class Recorder:
    """The server-side order of commits and answers (the WSGI wrapper)."""

    def __init__(self, app: Callable[..., Iterable[bytes]], database: Path) -> None:
        self.app, self.database = app, database
        self.events: list[tuple[str, Any]] = []
        self.lock = threading.Lock()

    def commit(self, batch: Batch) -> None:
        with self.lock:
            self.events.append(("commit", batch.units))

    def committed_status(self, verification: str) -> str | None:
        conn = sqlite3.connect(self.database)
        try:
            row = conn.execute(
                "SELECT status FROM verifications WHERE id = ?", (verification,)
            ).fetchone()
            return None if row is None else str(row[0])
        finally:
            conn.close()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        verification = environ.get(TAG)
        if verification is None:
            return self.app(environ, start_response)
        status: list[int] = []

        def record_status(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(int(code.split()[0]))
            return start_response(code, headers, exc_info)

        body = self.app(environ, record_status)
        return self._sending(verification, status, body)

    def _sending(self, verification: str, status: list[int], body: Any) -> Iterator[bytes]:
        try:
            first = True
            for chunk in body:
                if first:  # the server writes this chunk when we hand it over
                    first = False
                    seen = self.committed_status(verification)
                    with self.lock:
                        self.events.append(("sent", Sent(verification, status[0], seen)))
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()


def _prepare(verifier: RunningVerifier, wallet: ForeignWallet) -> tuple[str, str, dict[str, str]]:
    created = verifier.create()
    request = wallet.fetch_request(created["link"]).request
    return created["id"], request.response_uri, wallet.form(request, wallet.response(request))


def test_group_commit_answers_leave_after_their_commit_and_share_it(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    db: Database = verifier.app.extensions["store"]
    assert db.group is not None, "the verifier's SQLite database commits in groups"
    assert db.path is not None
    recorder = Recorder(verifier.app.wsgi_app, db.path)
    db.on_commit(recorder.commit)
    verifier.app.wsgi_app = recorder  # type: ignore[method-assign]
    flows = [_prepare(verifier, wallet) for _ in range(ANSWERS)]
    posts = [*flows, *flows[:DUPLICATES]]
    answers: list[tuple[str, int, dict[str, Any]]] = []

    def post(flow: tuple[str, str, dict[str, str]]) -> None:
        verification, uri, form = flow
        response = verifier.fetch.post(
            uri, data=form, headers={"X-Test-Verification": verification}, raise_for_status=False
        )
        answers.append((verification, response.status, response.json()))

    # A commit in progress (held here) while every answer arrives: they all wait
    # for the writer, then run as one batch, the duplicates failing inside it.
    release = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        with db.transaction():
            holding.set()
            release.wait(120)

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert holding.wait(60)
    threads = [threading.Thread(target=post, args=(flow,), daemon=True) for flow in posts]
    for thread in threads:
        thread.start()
    group = db.group
    assert group is not None
    wait_until(lambda: group.waiting == len(posts), 120, "the answers never reached the writer")
    with recorder.lock:
        recorder.events.clear()
    release.set()
    for thread in [holder, *threads]:
        thread.join(120)
        assert not thread.is_alive()

    # every verification accepted exactly once; each duplicate refused as a replay
    by_id: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    for verification, status, body in answers:
        by_id.setdefault(verification, []).append((status, body))
    assert len(by_id) == ANSWERS
    for verification, got in by_id.items():
        assert sorted(status for status, _ in got)[0] == 200, (verification, got)
        assert [status for status, _ in got].count(200) == 1, (verification, got)
        for status, body in got:
            if status != 200:
                assert status == 400 and "already answered" in body["error_description"], body
        assert verifier.result(verification)["status"] == "verified"

    # the order in the server: each answer left after a commit, its verdict committed
    events = list(recorder.events)
    sent = [e for kind, e in events if kind == "sent"]
    assert len(sent) == len(posts)
    for index, (kind, event) in enumerate(events):
        if kind != "sent":
            continue
        assert any(k == "commit" for k, _ in events[:index]), events
        assert event.committed_status == "verified", event  # accepted or replay: on disk
    commits = [units for kind, units in events if kind == "commit"]
    # one COMMIT (one fsync) for the held unit and every answer; the failing
    # duplicates were rolled back to their savepoints and failed nobody else
    assert len(commits) < ANSWERS, commits
    assert sum(commits) == 1 + ANSWERS, commits
