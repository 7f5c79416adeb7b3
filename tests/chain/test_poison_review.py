"""A red-team review of issue 19 item 1 on the outbox worker: a back-off that
gives up. After ``max_attempts`` a failed intent was never tried again; for a
*removal* (a revoked or expired investor) that is failing open: once the cause
is gone (here the agent role, taken away and given back) the revoked investor
stayed whitelisted on chain for good, and the verifier's monitor never looks at
a removal again. A removal now keeps its back-off (capped) and is never given up;
a registration still is (failing closed: the investor is verified again).

On the in-process EVM with the real T-REX / ONCHAINID contracts."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path

import pytest

from chain.deploy import contract
from chain.devchain import DevChain
from chain.outbox import DONE, FAILED, Outbox
from chain.worker import Worker
from tests.chain.test_poison import MovableClock
from tests.outbox import outbox_at

DATA = hashlib.sha256(b"verification record").digest()
NOT_AGENT = "AgentRole: caller does not have the Agent role"


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def outbox(tmp_path: Path, clock: MovableClock) -> Outbox:
    return outbox_at(tmp_path / "outbox.sqlite", now=clock)


def test_poison_review_a_failing_removal_is_never_given_up(
    inproc_env: DevChain, outbox: Outbox, clock: MovableClock
) -> None:
    dev = inproc_env
    chain, registry = dev.deployment.caip2, dev.deployment.token("CHARGE").identity_registry
    worker = Worker(outbox, dev.client, dev.agent, retry_base=60.0, retry_max=200.0, max_attempts=3)
    investor = dev.investor().address
    outbox.whitelist(chain, registry, investor, 276, DATA)
    worker.run_once()
    assert dev.client.is_verified(registry, investor)

    ir = contract(dev.w3, "IdentityRegistry", registry)
    dev.agent.transact(ir.functions.removeAgent(dev.agent.address), 200_000, "removeAgent")
    try:
        outbox.remove(chain, registry, investor)  # the investor's credential was revoked
        for _ in range(5):  # more failures than max_attempts
            report = worker.run_once()
            assert report.transactions == 1 and len(report.failed) == 1
            intent = outbox.intent(chain, registry, investor)
            assert intent.state == FAILED and intent.last_error is not None
            assert NOT_AGENT in intent.last_error
            assert intent.retry_at is not None, f"given up after {intent.attempts} attempts"
            assert intent.retry_at - clock.now.timestamp() <= 200.0
            clock.now += timedelta(seconds=200)
    finally:
        dev.agent.transact(ir.functions.addAgent(dev.agent.address), 200_000, "addAgent")

    worker.run_once()  # the cause is gone: the removal goes through at its next try
    assert outbox.intent(chain, registry, investor).state == DONE
    assert not dev.client.contains(registry, investor)
