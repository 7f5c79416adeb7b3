"""The outbox: intents committed first, one per (chain, registry, address); failures kept."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from eth_account import Account

from chain.artifacts import node_modules
from chain.backend import connect
from chain.devchain import DevChain
from chain.erc3643 import ERC3643Client
from chain.errors import ArtifactsMissing, ChainUnavailable, OutboxError
from chain.outbox import DONE, DROPPED, FAILED, QUEUED, REGISTERED, REMOVED, Outbox
from chain.transactions import Sender
from chain.worker import Worker
from kyc_wallet.database import Database
from kyc_wallet.database.migrate import current_revision, head_revision, upgrade
from tests.servers import free_port

CHAIN = "eip155:31337"
REGISTRY = "0x" + "11" * 20
DATA = hashlib.sha256(b"verification record").digest()


def test_database_is_wal_with_full_sync_and_migrated(outbox: Outbox) -> None:
    with outbox.db.read() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert current_revision(conn) == head_revision("verifier")


def test_one_intent_per_chain_registry_address(outbox: Outbox) -> None:
    wallet = Account.create().address
    first = outbox.whitelist(CHAIN, REGISTRY, wallet.lower(), 276, DATA)
    again = outbox.whitelist(CHAIN, REGISTRY, wallet, 276, DATA)
    removed = outbox.remove(CHAIN, REGISTRY, wallet)
    assert first.id == again.id == removed.id
    assert removed.desired == REMOVED and removed.state == QUEUED
    assert removed.country == 276  # kept for the record
    assert len(outbox.intents(CHAIN)) == 1
    other_chain = outbox.whitelist("eip155:1", REGISTRY, wallet, 276, DATA)
    assert other_chain.id != first.id and other_chain.desired == REGISTERED


def test_country_outside_iso_numeric_is_refused(outbox: Outbox) -> None:
    with pytest.raises(OutboxError, match="ISO 3166-1"):
        outbox.whitelist(CHAIN, REGISTRY, Account.create().address, -1, DATA)
    with pytest.raises(OutboxError, match="ISO 3166-1"):
        outbox.whitelist(CHAIN, REGISTRY, Account.create().address, 1000, DATA)


def test_country_zero_is_kept_for_a_token_without_country_rules(outbox: Outbox) -> None:
    """Issue 9: the country code comes from the disclosed address.country; 0 only
    where the token has no country rules (T-REX stores 0 as "no country")."""
    intent = outbox.whitelist(CHAIN, REGISTRY, Account.create().address, 0, DATA)
    assert intent.country == 0


def test_claim_data_must_be_a_32_byte_hash(outbox: Outbox) -> None:
    with pytest.raises(OutboxError, match="32-byte"):
        outbox.whitelist(CHAIN, REGISTRY, Account.create().address, 276, b"passport no 123")


def test_malformed_address_is_refused(outbox: Outbox) -> None:
    with pytest.raises(OutboxError, match="not an address"):
        outbox.whitelist(CHAIN, REGISTRY, "0x1234", 276, DATA)


def test_unknown_intent_is_an_outbox_error(outbox: Outbox) -> None:
    with pytest.raises(OutboxError, match="no intent"):
        outbox.intent(CHAIN, REGISTRY, Account.create().address)


def test_missing_artifacts_tell_the_user_to_run_npm_ci(tmp_path: Path) -> None:
    with pytest.raises(ArtifactsMissing, match="npm ci"):
        node_modules(start=tmp_path)


def test_node_down_leaves_the_intent_queued(inproc_env: DevChain, outbox: Outbox) -> None:
    dev = inproc_env
    registry = dev.deployment.token("SOLAR").identity_registry
    wallet = dev.investor().address
    outbox.whitelist(dev.deployment.caip2, registry, wallet, 276, DATA)
    down = connect(f"http://127.0.0.1:{free_port()}", timeout=2)
    worker = Worker(
        outbox, ERC3643Client(down, dev.deployment, dev.claim_signer), Sender(down, dev.owner)
    )
    with pytest.raises(ChainUnavailable, match="node is unreachable"):
        worker.run_once()
    intent = outbox.intent(dev.deployment.caip2, registry, wallet)
    assert intent.state == QUEUED
    assert intent.last_error is not None and "unreachable" in intent.last_error
    assert outbox.transactions(dev.deployment.caip2) == []
    dev.worker(outbox).run_once()  # the node is back: the same intent goes through
    assert outbox.intent(dev.deployment.caip2, registry, wallet).state == DONE
    assert dev.client.is_verified(registry, wallet)


def test_revert_fails_the_intent_with_the_reason_and_a_back_off(
    inproc_env: DevChain, outbox: Outbox
) -> None:
    """A key that does not own the IdFactory: the revert reason reaches the intent,
    which is ``failed`` at once and waits for its back-off (issue 19 item 1; it was
    ``queued`` and retried at every run before)."""
    dev = inproc_env
    intruder = dev.investor(funded=True)
    registry = dev.deployment.token("SOLAR").identity_registry
    wallet = dev.investor().address
    outbox.whitelist(dev.deployment.caip2, registry, wallet, 276, DATA)
    worker = Worker(outbox, dev.client, Sender(dev.w3, intruder), retry_base=3600.0)
    report = worker.run_once()
    intent = outbox.intent(dev.deployment.caip2, registry, wallet)
    assert report.failed == [intent.id]
    assert (intent.state, intent.attempts) == (FAILED, 1)
    assert intent.last_error is not None and "Ownable: caller is not the owner" in intent.last_error
    assert intent.retry_at is not None and intent.retry_at > outbox.now().timestamp() + 3000
    assert worker.run_once().transactions == 0  # not before its back-off


def test_a_second_worker_for_the_same_key_is_refused(inproc_env: DevChain, outbox: Outbox) -> None:
    """The agent key's nonces belong to one worker at a time."""
    first, second = inproc_env.worker(outbox), inproc_env.worker(outbox)
    with first.exclusive():
        with pytest.raises(OutboxError, match="another worker"):
            second.run_once()
    assert second.run_once().transactions == 0  # released: it runs


def test_intents_for_another_deployments_registry_are_left_alone(
    inproc_env: DevChain, outbox: Outbox
) -> None:
    dev = inproc_env
    wallet = dev.investor().address
    outbox.whitelist(dev.deployment.caip2, REGISTRY, wallet, 276, DATA)
    report = dev.worker(outbox).run_once()
    assert report.transactions == 0 and report.done == []
    intent = outbox.intent(dev.deployment.caip2, REGISTRY, wallet)
    assert (intent.state, intent.attempts, intent.last_error) == (QUEUED, 0, None)


def test_a_stored_transaction_whose_nonce_was_used_elsewhere_is_dropped(
    inproc_env: DevChain, outbox: Outbox
) -> None:
    """Settling after a crash: the stored hash is unknown and its nonce is taken, so it
    can never be mined; the worker records it as dropped and plans from the chain."""
    dev = inproc_env
    registry = dev.deployment.token("SOLAR").identity_registry
    wallet = dev.investor().address
    intent = outbox.whitelist(dev.deployment.caip2, registry, wallet, 276, DATA)
    call = dev.client.create_identity_call(wallet)
    nonce = dev.agent.next_nonce()
    stored = dev.agent.sign(call.function, call.gas, nonce)
    outbox.record_signed(dev.deployment.caip2, stored, "create_identity", [intent.id])
    other = dev.client.create_identity_call(dev.investor().address)  # takes the same nonce
    dev.agent.transact(other.function, other.gas, other.what)

    report = dev.worker(outbox).run_once()
    records = outbox.transactions(dev.deployment.caip2)
    assert [(r.kind, r.state) for r in records][0] == ("create_identity", DROPPED)
    assert not dev.agent.is_known(stored.tx_hash)
    assert report.done == [intent.id] and dev.client.is_verified(registry, wallet)


def test_outbox_on_both_engines_the_worker_sends_once_and_holds_its_key_alone(
    inproc_env: DevChain, database_url: str
) -> None:
    """The outbox in the verifier's database, SQLite or PostgreSQL (``-k postgres``):
    the worker's lock (an ``flock``, or a PostgreSQL advisory lock) keeps a second
    worker of the same key out, and the intent is sent once."""
    db = Database(database_url)
    try:
        upgrade(db, "verifier")
        outbox = Outbox(db)
        dev = inproc_env
        registry = dev.deployment.token("SOLAR").identity_registry
        wallet = dev.investor().address
        intent = outbox.whitelist(dev.deployment.caip2, registry, wallet, 276, DATA)
        first, second = dev.worker(outbox), dev.worker(outbox)
        with first.exclusive():
            with pytest.raises(OutboxError, match="another worker"):
                second.run_once()
        report = second.run_once()
        assert report.done == [intent.id] and report.transactions == 3
        assert dev.worker(outbox).run_once().transactions == 0
        assert outbox.intent(dev.deployment.caip2, registry, wallet).state == DONE
        kinds = [t.kind for t in outbox.transactions_of(intent)]
        assert kinds == ["create_identity", "add_claim", "register"]
    finally:
        db.dispose()
