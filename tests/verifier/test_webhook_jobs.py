"""Webhooks exactly once per attempt (issue 21 item 8): each delivery is a job
of the worker, claimed by one worker (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, an immediate transaction on SQLite), POSTed with an
``Idempotency-Key`` that stays the same on every attempt, retried with a
back-off that doubles, then failed, shown to the operator and counted."""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, request
from prometheus_client import REGISTRY

from ssi.fetch import Fetcher, FetchPolicy
from tests.servers import serve
from tests.verifier.conftest import BOTH_ENGINES, RunningVerifier, StartVerifier
from tests.verifier.sql import sql_of
from tests.verifier.test_review_verifier import _error_response
from verifier.api_keys import webhooks_by_actor
from verifier.settings import current_settings
from verifier.webhooks import (
    IDEMPOTENCY_HEADER,
    LEASE,
    SIGNATURE_HEADER,
    Webhooks,
    WebhookTarget,
)

pytestmark = BOTH_ENGINES  # storage and protocol: SQLite and PostgreSQL

SECRET = "whsec-jobs-0123456789"


class Receiver:
    """A platform's webhook endpoint on 127.0.0.1 answering ``status``."""

    def __init__(self) -> None:
        self.status = 204
        self.received: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def keys(self) -> Counter[str]:
        with self.lock:
            return Counter(str(d["key"]) for d in self.received)


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    app = Flask("receiver")
    state = Receiver()

    @app.post("/hook")
    def hook() -> Any:
        with state.lock:
            state.received.append(
                {
                    "key": request.headers.get(IDEMPOTENCY_HEADER),
                    "sig": request.headers.get(SIGNATURE_HEADER),
                    "body": request.get_data(as_text=True),
                }
            )
        return "", state.status

    with serve(app) as url:
        yield url + "/hook", state


def _verifier(start_verifier: StartVerifier, url: str, **config: Any) -> RunningVerifier:
    return start_verifier(
        WEBHOOK_URL=url, WEBHOOK_SECRET=SECRET, OPERATOR_PASSWORD="operator-password", **config
    )


def _queued(verifier: RunningVerifier, count: int) -> list[str]:
    """``count`` verifications answered with an error (each queues one webhook)."""
    ids = []
    for _ in range(count):
        created = verifier.create()
        _error_response(verifier, created)
        ids.append(created["id"])
    return ids


def _failures() -> float:
    return REGISTRY.get_sample_value("kycw_verifier_webhook_failures_total") or 0.0


def test_webhook_retried_with_back_off_then_failed_and_shown_to_the_operator(
    start_verifier: StartVerifier, receiver: tuple[str, Receiver]
) -> None:
    url, platform = receiver
    verifier = _verifier(start_verifier, url, WEBHOOK_MAX_ATTEMPTS=3, WEBHOOK_RETRY_BASE=10)
    platform.status = 500
    (tx_id,) = _queued(verifier, 1)
    assert platform.received == []  # the web process sends nothing
    before = _failures()

    assert verifier.worker.tick_webhooks() == 0
    assert len(platform.received) == 1
    assert verifier.worker.tick_webhooks() == 0  # its back-off has not passed
    assert len(platform.received) == 1
    verifier.clock.now += 10
    verifier.worker.tick_webhooks()
    assert len(platform.received) == 2
    verifier.clock.now += 10
    verifier.worker.tick_webhooks()  # the back-off doubled: 20 s
    assert len(platform.received) == 2
    verifier.clock.now += 10
    verifier.worker.tick_webhooks()
    assert len(platform.received) == 3  # WEBHOOK_MAX_ATTEMPTS
    verifier.clock.now += 3600
    verifier.worker.tick_webhooks()
    assert len(platform.received) == 3  # given up

    assert set(platform.keys()) == {f"kycw-{tx_id}-1"}  # the same key on every attempt
    assert _failures() - before == 3
    row = sql_of(verifier.app).one("SELECT * FROM webhooks WHERE verification_id = ?", (tx_id,))
    assert (row["state"], row["attempts"]) == ("failed", 3) and "HTTP 500" in row["last_error"]

    client = verifier.app.test_client()
    page = client.get("/operator/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    signed_in = client.post(
        "/operator/login", data={"password": "operator-password", "csrf_token": token.group(1)}
    )
    assert signed_in.status_code == 302
    page = client.get("/operator/").get_data(as_text=True)
    assert "Webhooks that could not be delivered" in page
    assert tx_id in page and "HTTP 500" in page


def test_webhook_claimed_by_one_of_several_concurrent_workers(
    start_verifier: StartVerifier, receiver: tuple[str, Receiver]
) -> None:
    """Four workers (each its own sender, as four processes have) tick at once,
    released together: every delivery is POSTed exactly once (before, each web
    worker sent what it saw pending: 100 verdicts made 383 POSTs)."""
    url, platform = receiver
    verifier = _verifier(start_verifier, url)
    ids = _queued(verifier, 12)
    db = verifier.app.extensions["verifier"].db
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    target = WebhookTarget(url, SECRET)
    by_actor = webhooks_by_actor(current_settings(verifier.app).api_access, target)
    barrier = threading.Barrier(4)
    counts: list[int] = []

    def work(name: str) -> None:
        webhooks = Webhooks(db, fetcher.post, verifier.clock, by_actor, target)
        barrier.wait()
        counts.append(webhooks.deliver(name))

    threads = [threading.Thread(target=work, args=(f"worker-{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    keys = platform.keys()
    assert sorted(keys) == sorted(f"kycw-{tx_id}-{n}" for n, tx_id in enumerate(ids, 1))
    assert set(keys.values()) == {1} and sum(counts) == 12
    rows = sql_of(verifier.app).all("SELECT state, claimed_by FROM webhooks")
    assert {(r["state"], r["claimed_by"]) for r in rows} == {("delivered", None)}


def test_webhook_of_a_crashed_worker_is_taken_again_after_its_lease(
    start_verifier: StartVerifier, receiver: tuple[str, Receiver]
) -> None:
    from verifier.db import deliveries

    url, platform = receiver
    verifier = _verifier(start_verifier, url)
    (tx_id,) = _queued(verifier, 1)
    db = verifier.app.extensions["verifier"].db
    now = int(verifier.clock.now)
    (taken,) = deliveries.claim(db, "crashed", now, LEASE)  # then it died
    assert verifier.worker.tick_webhooks() == 0 and platform.received == []
    verifier.clock.now += LEASE
    assert verifier.worker.tick_webhooks() == 1
    assert platform.keys() == Counter({f"kycw-{tx_id}-{taken['id']}": 1})
    with db.transaction() as conn:  # the crashed worker's late outcome is not recorded
        assert not deliveries.record_attempt(
            conn, taken["id"], "crashed", now, "late", max_attempts=8, retry_at=now
        )
    row = sql_of(verifier.app).one("SELECT state FROM webhooks WHERE id = ?", (taken["id"],))
    assert row["state"] == "delivered"
