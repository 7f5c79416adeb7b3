"""The reconciler repairs drift both ways, and replays the whitelist after a chain reset."""

from __future__ import annotations

import hashlib

from chain.devchain import DevChain, TokenSpec, ensure_deployed, resume_dev_chain, start_dev_chain
from chain.outbox import DONE, Outbox
from chain.reconcile import Reconciler

GERMANY = 276


def whitelist(dev: DevChain, outbox: Outbox, wallet: str, registry: str) -> None:
    data = hashlib.sha256(wallet.encode()).digest()
    outbox.whitelist(dev.deployment.caip2, registry, wallet, GERMANY, data)


def by_hand(dev: DevChain, call_name: str, *args: object) -> None:
    """The agent key used outside the outbox (an operator, another tool)."""
    call = getattr(dev.client, call_name)(*args)
    dev.agent.transact(call.function, call.gas, call.what)


def test_reconciler_repairs_drift_both_ways(inproc_env: DevChain, outbox: Outbox) -> None:
    dev = inproc_env
    registry = dev.deployment.token("CHARGE").identity_registry
    alice, bob, carol = (dev.investor().address for _ in range(3))
    whitelist(dev, outbox, alice, registry)
    whitelist(dev, outbox, bob, registry)
    dev.worker(outbox).run_once()
    outbox.remove(dev.deployment.caip2, registry, bob)
    dev.worker(outbox).run_once()
    reconciler = Reconciler(outbox, dev.client)
    others = {a for _, a in reconciler.check().unknown}  # registered by other tests of the module

    by_hand(dev, "delete_call", registry, alice)  # intended, but gone
    bob_identity = dev.client.identity_of(bob)
    assert bob_identity is not None
    by_hand(dev, "register_call", registry, [bob], [bob_identity], [GERMANY])  # removed, but back
    by_hand(dev, "create_identity_call", carol)  # never intended, registered anyway
    carol_identity = dev.client.identity_of(carol)
    assert carol_identity is not None
    by_hand(dev, "register_call", registry, [carol], [carol_identity], [GERMANY])

    drift = reconciler.check()
    assert [i.address for i in drift.missing] == [alice]
    assert [i.address for i in drift.extra] == [bob]
    assert {a for _, a in drift.unknown} - others == {carol}

    reconciler.repair(remove_unknown=True)
    dev.worker(outbox).run_once()
    assert dev.client.is_verified(registry, alice)
    assert not dev.client.contains(registry, bob)
    assert not dev.client.contains(registry, carol)
    assert reconciler.check().clean


def test_chain_restart_redeploys_the_same_addresses_then_replays(outbox: Outbox) -> None:
    """ARCHITECTURE.md: the in-process chain starts empty; redeploy, then replay the outbox."""
    dev = start_dev_chain([TokenSpec("Solar Plant", "SOLAR", allowed_countries=[GERMANY])])
    registry = dev.deployment.token("SOLAR").identity_registry
    alice, bob = dev.investor().address, dev.investor().address
    whitelist(dev, outbox, alice, registry)
    whitelist(dev, outbox, bob, registry)
    dev.worker(outbox).run_once()
    outbox.remove(dev.deployment.caip2, registry, bob)
    dev.worker(outbox).run_once()

    # the verifier restarted: a new, empty in-process chain, the same file and keys
    restarted, redeployed = resume_dev_chain(dev.deployment, dev.owner, dev.claim_signer)
    assert redeployed
    w3, agent, client = restarted.w3, restarted.agent, restarted.client
    assert w3 is not dev.w3
    assert client.identity_of(alice) is None and not client.contains(registry, alice)

    reconciler = Reconciler(outbox, client)
    drift = reconciler.repair()
    assert [i.address for i in drift.missing] == [alice] and not drift.extra
    report = restarted.worker(outbox).run_once()
    assert report.transactions == 3
    assert client.is_verified(registry, alice)
    assert not client.contains(registry, bob)
    assert outbox.intent(dev.deployment.caip2, registry, alice).state == DONE
    assert reconciler.check().clean
    assert ensure_deployed(w3, agent, dev.deployment) is False  # already there: nothing to do
