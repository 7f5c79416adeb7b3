"""The reconciler: compare each identity registry with the intended whitelist, both ways.

The outbox holds the intended state of every address (:mod:`chain.outbox`);
the registry's ``IdentityRegistered`` / ``IdentityRemoved`` events and its
``contains`` / ``isVerified`` views hold the real one. :meth:`Reconciler.check`
lists the drift: addresses intended as registered that are not verified (a
crash, a chain reset, a claim removed by hand), addresses intended as removed
that are still there, and addresses registered on chain that the outbox never
intended (someone else used the agent key). :meth:`Reconciler.repair` puts the
first two back in the queue, and the third too when asked, for the worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from web3 import Web3

from chain.deploy import contract
from chain.erc3643 import ERC3643Client
from chain.errors import chain_errors
from chain.outbox import REGISTERED, REMOVED, Intent, Outbox

__all__ = ["Drift", "Reconciler", "LOG_CHUNK"]

LOG_CHUNK = 5_000  # blocks per eth_getLogs request


@dataclass
class Drift:
    """Where the chain differs from the intended whitelist."""

    missing: list[Intent] = field(default_factory=list)
    extra: list[Intent] = field(default_factory=list)
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (registry, address)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.extra or self.unknown)


class Reconciler:
    """Checks and repairs the registries of ``client``'s deployment."""

    def __init__(self, outbox: Outbox, client: ERC3643Client) -> None:
        self.outbox = outbox
        self.client = client
        self.chain = client.deployment.caip2

    def registered_on_chain(self, registry: str) -> set[str]:
        """Addresses the registry's events say are registered now."""
        ir = contract(self.client.w3, "IdentityRegistry", registry)
        start = self.client.deployment.start_block
        with chain_errors(f"reading the events of {registry}"):
            added = ir.events.IdentityRegistered().get_logs(from_block=start)
            removed = ir.events.IdentityRemoved().get_logs(from_block=start)
        events = [
            (e["blockNumber"], e["logIndex"], True, e["args"]["investorAddress"]) for e in added
        ]
        events += [
            (e["blockNumber"], e["logIndex"], False, e["args"]["investorAddress"]) for e in removed
        ]
        present: set[str] = set()
        for _block, _index, is_added, address in sorted(events):
            (present.add if is_added else present.discard)(Web3.to_checksum_address(address))
        return present

    def check(self) -> Drift:
        drift = Drift()
        client = self.client
        for token in client.deployment.tokens:
            registry = Web3.to_checksum_address(token.identity_registry)
            intents = self.outbox.intents(self.chain, registry=registry)
            intended = {i.address for i in intents}
            for intent in intents:
                present = client.contains(registry, intent.address)
                if intent.desired == REMOVED and present:
                    drift.extra.append(intent)
                elif intent.desired == REGISTERED and not (
                    present
                    and client.is_verified(registry, intent.address)
                    and client.investor_country(registry, intent.address) == intent.country
                ):
                    drift.missing.append(intent)
            for address in sorted(self.registered_on_chain(registry) - intended):
                drift.unknown.append((registry, address))
        return drift

    def repair(self, *, remove_unknown: bool = False) -> Drift:
        """Queue what :meth:`check` found for the worker; returns the drift found."""
        drift = self.check()
        self.outbox.requeue([i.id for i in drift.missing], "reconciler: not verified on chain")
        self.outbox.requeue([i.id for i in drift.extra], "reconciler: still on the registry")
        if remove_unknown:
            for registry, address in drift.unknown:
                self.outbox.remove(self.chain, registry, address)
        return drift
