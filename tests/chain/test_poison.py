"""Issue 19 item 1: one bad intent never holds up the others. On the in-process
EVM with the real T-REX / ONCHAINID contracts: a poison intent between two good
ones fails alone, marked ``failed`` with its revert reason; it is tried again only
after its back-off (doubling, capped; not at all after ``max_attempts``); and a
batch that one entry makes revert is split so that the other entries go through
in the same run.

The poison is the platform's own agent address as an investor: ONCHAINID refuses
an identity whose wallet is also its management key, so its creation reverts on
chain every time."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chain.deploy import contract
from chain.devchain import DevChain
from chain.outbox import DONE, FAILED, QUEUED, REVERTED, Outbox
from chain.transactions import Sender
from chain.worker import Worker
from tests.outbox import outbox_at

DATA = hashlib.sha256(b"verification record").digest()
ONCHAINID_REFUSAL = "wallet is also listed in management keys"


class MovableClock:
    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def outbox(tmp_path: Path, clock: MovableClock) -> Outbox:
    return outbox_at(tmp_path / "outbox.sqlite", now=clock)


def _worker(dev: DevChain, outbox: Outbox, **options: object) -> Worker:
    return Worker(outbox, dev.client, dev.agent, **options)  # type: ignore[arg-type]


def test_poison_intent_between_two_good_ones_fails_alone(
    inproc_env: DevChain, outbox: Outbox, clock: MovableClock
) -> None:
    dev = inproc_env
    chain, registry = dev.deployment.caip2, dev.deployment.token("CHARGE").identity_registry
    first, last = dev.investor().address, dev.investor().address
    good_1 = outbox.whitelist(chain, registry, first, 276, DATA)
    poison = outbox.whitelist(chain, registry, dev.agent.address, 276, DATA)
    good_2 = outbox.whitelist(chain, registry, last, 250, DATA)

    report = _worker(dev, outbox, retry_base=60.0).run_once()

    assert sorted(report.done) == [good_1.id, good_2.id] and report.failed == [poison.id]
    assert dev.client.is_verified(registry, first) and dev.client.is_verified(registry, last)
    assert not dev.client.contains(registry, dev.agent.address)
    failed = outbox.intent(chain, registry, dev.agent.address)
    assert (failed.state, failed.attempts) == (FAILED, 1)
    assert failed.last_error is not None and ONCHAINID_REFUSAL in failed.last_error
    assert failed.retry_at == (clock.now + timedelta(seconds=60)).timestamp()
    assert [i.id for i in outbox.failed()] == [poison.id]


def test_poison_intent_is_retried_only_after_its_back_off(
    inproc_env: DevChain, outbox: Outbox, clock: MovableClock
) -> None:
    dev = inproc_env
    chain, registry = dev.deployment.caip2, dev.deployment.token("CHARGE").identity_registry
    outbox.whitelist(chain, registry, dev.agent.address, 276, DATA)
    worker = _worker(dev, outbox, retry_base=60.0, retry_max=200.0, max_attempts=4)
    worker.run_once()
    sent = len(outbox.transactions(chain))

    clock.now += timedelta(seconds=59)
    assert worker.run_once().transactions == 0  # still backing off: nothing sent
    assert len(outbox.transactions(chain)) == sent

    waits = []
    for _ in range(3):
        clock.now += timedelta(seconds=200)
        report = worker.run_once()
        assert report.transactions == 1 and len(report.failed) == 1
        intent = outbox.intent(chain, registry, dev.agent.address)
        waits.append(None if intent.retry_at is None else intent.retry_at - clock.now.timestamp())
    assert waits == [120.0, 200.0, None]  # doubled, capped, then given up (4 attempts)
    assert (intent.state, intent.attempts) == (FAILED, 4)
    clock.now += timedelta(days=30)
    assert worker.run_once().transactions == 0  # not retried automatically any more


def test_poison_in_a_batch_is_split_so_the_others_go_through(
    inproc_env: DevChain, outbox: Outbox
) -> None:
    """Between planning and sending, another agent registers one of the batch's
    wallets: ``batchRegisterIdentity`` reverts ("address stored already"). The
    worker registers the entries one by one in the same run, counting no failure
    against the good ones."""
    dev = inproc_env
    chain, registry = dev.deployment.caip2, dev.deployment.token("CHARGE").identity_registry
    other_agent = dev.investor(funded=True)
    ir = contract(dev.w3, "IdentityRegistry", registry)
    dev.agent.transact(ir.functions.addAgent(other_agent.address), 200_000, "addAgent")
    wallets = [dev.investor().address for _ in range(3)]
    intents = [outbox.whitelist(chain, registry, w, 276, DATA) for w in wallets]
    raced: list[str] = []

    def race(event: str, kind: str, tx_hash: str) -> None:
        if event == "signed" and kind == "batch_register" and not raced:
            identity = dev.client.identity_of(wallets[1])
            function = ir.functions.registerIdentity(wallets[1], identity, 276)
            Sender(dev.w3, other_agent).transact(function, 300_000, "registerIdentity")
            raced.append(tx_hash)

    report = _worker(dev, outbox, hook=race).run_once()

    assert raced, "the batch was never sent"
    batch = [t for t in outbox.transactions(chain) if t.kind == "batch_register"]
    assert [t.state for t in batch] == [REVERTED]
    assert sorted(report.done) == [i.id for i in intents] and report.failed == []
    for wallet in wallets:
        assert dev.client.is_verified(registry, wallet)
        intent = outbox.intent(chain, registry, wallet)
        assert (intent.state, intent.attempts) == (DONE, 0)


def test_poison_changed_intent_is_queued_again_at_once(
    inproc_env: DevChain, outbox: Outbox
) -> None:
    """A new verdict for a failed address (or a removal) resets its back-off."""
    dev = inproc_env
    chain, registry = dev.deployment.caip2, dev.deployment.token("CHARGE").identity_registry
    outbox.whitelist(chain, registry, dev.agent.address, 276, DATA)
    _worker(dev, outbox).run_once()
    again = outbox.whitelist(chain, registry, dev.agent.address, 276, DATA)
    assert (again.state, again.attempts, again.retry_at) == (QUEUED, 0, None)
