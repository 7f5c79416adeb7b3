"""Issue 22: nonces from the outbox's counter, many transactions in flight,
EIP-1559 fees and the replacement of a stuck transaction, the confirmation
depth, and reorgs repaired, on a Hardhat node (automining switched off where a
test needs transactions to wait: ``evm_setAutomine``; a reorg made with
``evm_snapshot`` / ``evm_revert`` and ``hardhat_mine``).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from chain.deploy import contract
from chain.devchain import DevChain
from chain.fees import Fees
from chain.inflight import NONCE_GAP, InFlight, Signer
from chain.outbox import DONE, DROPPED, MINED, QUEUED, SENT, SIGNED, Outbox
from chain.signed import SignedTx
from tests.outbox import outbox_at

GERMANY = 276


def rpc(dev: DevChain, method: str, *params: Any) -> Any:
    answer = dev.w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    assert "error" not in answer, answer
    return answer["result"]


@contextmanager
def automine_off(dev: DevChain) -> Iterator[None]:
    rpc(dev, "evm_setAutomine", False)
    try:
        yield
    finally:
        rpc(dev, "evm_setAutomine", True)
        rpc(dev, "evm_mine")  # whatever waits


def queue(dev: DevChain, outbox: Outbox, wallets: Sequence[str]) -> str:
    registry = dev.deployment.token("SOLAR").identity_registry
    for wallet in wallets:
        data = hashlib.sha256(wallet.encode()).digest()
        outbox.whitelist(dev.deployment.caip2, registry, wallet, GERMANY, data)
    return registry


def latest_nonce(dev: DevChain) -> int:
    return int(dev.w3.eth.get_transaction_count(dev.agent.address, "latest"))


def registrations(dev: DevChain, registry: str, wallet: str) -> int:
    ir = contract(dev.w3, "IdentityRegistry", registry)
    events = ir.events.IdentityRegistered().get_logs(
        from_block=dev.deployment.start_block, argument_filters={"investorAddress": wallet}
    )
    return len(events)


@pytest.mark.slow
def test_in_flight_a_round_is_sent_without_waiting_then_collected(
    hardhat_env: DevChain, outbox: Outbox
) -> None:
    dev = hardhat_env
    wallets = [dev.investor().address for _ in range(5)]
    registry = queue(dev, outbox, wallets)
    start = latest_nonce(dev)
    with automine_off(dev):
        report = dev.worker(outbox, receipt_timeout=0.2).run_once()
        assert report.done == [] and report.transactions == 0
        in_flight = outbox.transactions(dev.deployment.caip2, state=SIGNED)
        # five transactions signed, stored and broadcast without any receipt
        assert [t.signed.nonce for t in in_flight] == list(range(start, start + 5))
        assert dev.w3.eth.get_transaction_count(dev.agent.address, "pending") == start + 5
        assert latest_nonce(dev) == start
        rpc(dev, "evm_mine")
        mined = dev.w3.eth.get_block("latest")["transactions"]
        assert {t.signed.tx_hash for t in in_flight} <= {"0x" + bytes(h).hex() for h in mined}  # type: ignore[arg-type]
    report = dev.worker(outbox).run_once()
    assert sorted(report.done) == sorted(i.id for i in outbox.intents(dev.deployment.caip2))
    # 5 identities, 5 claims, one batch registration: nothing twice
    assert latest_nonce(dev) == start + 11
    assert all(registrations(dev, registry, w) == 1 for w in wallets)


@pytest.mark.slow
def test_nonce_replicas_never_take_the_same_nonce(hardhat_env: DevChain, tmp_path: Path) -> None:
    """Two workers (threads, each its own connection) store transactions at once in
    one SQLite outbox: each nonce is taken once, with the transaction that uses it."""
    dev = hardhat_env
    outbox = outbox_at(tmp_path / "outbox.sqlite")
    chain = dev.deployment.caip2
    start = dev.agent.next_nonce()

    def replica(name: str) -> None:
        inflight = InFlight(outbox, chain, dev.agent)
        for _ in range(10):
            inflight.store([(NONCE_GAP, [], dev.agent.filler)], name)

    threads = [threading.Thread(target=replica, args=(f"r{i}",)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    nonces = sorted(t.signed.nonce for t in outbox.transactions(chain))
    assert nonces == list(range(start, start + 20))


@pytest.mark.slow
def test_nonce_counter_follows_the_node_when_the_key_was_used_elsewhere(
    hardhat_env: DevChain, outbox: Outbox
) -> None:
    dev = hardhat_env
    registry = queue(dev, outbox, [dev.investor().address])
    dev.worker(outbox).run_once()
    # the same key sends a transaction outside the outbox
    dev.agent.broadcast(dev.agent.filler(dev.agent.next_nonce(), dev.agent.fees()))
    taken = dev.agent.next_nonce()
    wallet = dev.investor().address
    queue(dev, outbox, [wallet])
    report = dev.worker(outbox).run_once()
    assert report.failed == []
    mine = [t for t in outbox.transactions(dev.deployment.caip2) if t.signed.nonce >= taken]
    assert [t.signed.nonce for t in mine] == [taken, taken + 1, taken + 2]
    assert registrations(dev, registry, wallet) == 1


@pytest.mark.slow
def test_nonce_gap_of_a_refused_transaction_is_filled(
    hardhat_env: DevChain, outbox: Outbox
) -> None:
    """A stored transaction the node refuses leaves its nonce free while later ones
    wait behind it: a transfer of nothing to the sender itself fills it."""
    dev = hardhat_env
    chain = dev.deployment.caip2
    inflight = InFlight(outbox, chain, dev.agent, timeout=30)

    def foreign(nonce: int, fees: Fees) -> SignedTx:
        """Signed for another chain (id 1): the node refuses it."""
        tx: dict[str, Any] = {"nonce": nonce, "gas": 21_000, "maxFeePerGas": fees.max_fee}
        tx["value"] = 0
        tx |= {"maxPriorityFeePerGas": fees.priority_fee, "chainId": 1, "to": dev.agent.address}
        signed = dev.agent.account.sign_transaction(tx)
        raw, tx_hash = bytes(signed.raw_transaction), "0x" + bytes(signed.hash).hex()
        return SignedTx(dev.agent.address, nonce, tx_hash, raw, dev.agent.address, "0x", 21_000)

    items: list[tuple[str, list[int], Signer]] = [(NONCE_GAP, [], foreign)]
    items += [(NONCE_GAP, [], dev.agent.filler) for _ in range(2)]
    start = dev.agent.next_nonce()
    with automine_off(dev):
        records = inflight.store(items, "test")
        refused = inflight.broadcast(records)
        assert [o.record.id for o in refused] == [records[0].id]
        assert inflight.fill_gaps() == 1
        rpc(dev, "evm_mine")
    inflight.collect(inflight.pending())
    assert latest_nonce(dev) == start + 3
    states = {(t.signed.nonce, t.state) for t in outbox.transactions(chain)}
    assert states == {(start, DROPPED), (start, MINED), (start + 1, MINED), (start + 2, MINED)}


@pytest.mark.slow
def test_fee_replacement_of_a_stuck_transaction(hardhat_env: DevChain, outbox: Outbox) -> None:
    dev = hardhat_env
    chain = dev.deployment.caip2
    wallet = dev.investor().address
    registry = queue(dev, outbox, [wallet])
    start = latest_nonce(dev)
    with automine_off(dev):
        dev.worker(outbox, receipt_timeout=0.1).run_once()  # sent, never mined
        (stuck,) = outbox.transactions(chain, state=SIGNED)
        assert outbox.intent(chain, registry, wallet).state == QUEUED
        dev.worker(outbox, receipt_timeout=0.1, replace_after=0).run_once()
        first, second = outbox.transactions(chain, state=SIGNED)
        assert first.id == stuck.id and second.signed.nonce == stuck.signed.nonce
        assert second.kind == stuck.kind and second.signed.data == stuck.signed.data
        # geth and Hardhat ask at least 10 % more on both fees
        assert second.signed.max_fee * 10 >= stuck.signed.max_fee * 11
        assert second.signed.priority_fee * 10 >= stuck.signed.priority_fee * 11
        rpc(dev, "evm_mine")
    assert dev.agent.receipt(stuck.signed.tx_hash) is None
    assert dev.agent.receipt(second.signed.tx_hash) is not None
    report = dev.worker(outbox).run_once()
    assert report.failed == []
    states = {t.id: t.state for t in outbox.transactions(chain)}
    assert states[stuck.id] == DROPPED and states[second.id] == MINED
    assert outbox.intent(chain, registry, wallet).state == DONE
    assert latest_nonce(dev) == start + 3  # one identity, one claim, one registration
    assert registrations(dev, registry, wallet) == 1


@pytest.mark.slow
def test_confirmation_depth_intent_is_done_only_when_deep_enough(
    hardhat_env: DevChain, outbox: Outbox
) -> None:
    dev = hardhat_env
    chain = dev.deployment.caip2
    wallet = dev.investor().address
    registry = queue(dev, outbox, [wallet])
    report = dev.worker(outbox, confirmations=3).run_once()
    intent = outbox.intent(chain, registry, wallet)
    assert report.done == [] and report.waiting == [intent.id]
    assert intent.state == SENT and dev.client.is_verified(registry, wallet)
    rpc(dev, "hardhat_mine", "0x1")  # two blocks deep now: not yet
    assert dev.worker(outbox, confirmations=3).run_once().done == []
    assert outbox.intent(chain, registry, wallet).state == SENT
    rpc(dev, "hardhat_mine", "0x1")
    assert dev.worker(outbox, confirmations=3).run_once().done == [intent.id]
    assert outbox.intent(chain, registry, wallet).state == DONE


@pytest.mark.slow
def test_reorg_receipt_off_the_canonical_chain_is_sent_again(
    hardhat_env: DevChain, outbox: Outbox
) -> None:
    dev = hardhat_env
    chain = dev.deployment.caip2
    wallet = dev.investor().address
    registry = queue(dev, outbox, [wallet])
    start = latest_nonce(dev)
    snapshot = rpc(dev, "evm_snapshot")
    dev.worker(outbox, confirmations=2).run_once()
    before = {t.signed.tx_hash: t.block_hash for t in outbox.transactions(chain)}
    assert len(before) == 3 and outbox.intent(chain, registry, wallet).state == SENT

    # the blocks holding the three transactions leave the chain; others take their heights
    assert rpc(dev, "evm_revert", snapshot) is True
    rpc(dev, "hardhat_mine", "0x5")
    assert not dev.client.is_verified(registry, wallet)

    dev.worker(outbox, confirmations=2).run_once()
    after = outbox.transactions(chain)
    # the same three transactions (same hashes, same nonces), in new blocks
    assert [t.signed.tx_hash for t in after] == list(before)
    assert all(t.state == MINED and t.block_hash != before[t.signed.tx_hash] for t in after)
    assert latest_nonce(dev) == start + 3
    assert dev.client.is_verified(registry, wallet)
    assert registrations(dev, registry, wallet) == 1
    rpc(dev, "hardhat_mine", "0x1")
    dev.worker(outbox, confirmations=2).run_once()
    assert outbox.intent(chain, registry, wallet).state == DONE
