"""The in-process development chain, and its redeployment after a restart.

The in-process chain (py-evm) lives and dies with the verifier's process
(ARCHITECTURE.md, "The chain in each setting"). Deployment is deterministic:
the same owner key, from nonce 0, deploying the same contracts in the same
order, yields the same addresses (CREATE from the owner; CREATE2 with fixed
salts in ``TREXFactory`` and ``IdFactory``). So after a restart
:func:`ensure_deployed` deploys the suite and the tokens of the deployment file
again and checks that every address came back the same; the reconciler then
finds every intended registration missing and the worker replays it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.backend import fund, in_process
from chain.deploy import check_deployment, deploy_suite, deploy_token
from chain.deployment import Deployment
from chain.erc3643 import ERC3643Client
from chain.errors import DeploymentMismatch
from chain.outbox import Outbox
from chain.transactions import Sender
from chain.worker import Hook, Worker

__all__ = [
    "TokenSpec",
    "DevChain",
    "start_dev_chain",
    "resume_dev_chain",
    "ensure_deployed",
    "redeploy",
]


@dataclass(frozen=True)
class TokenSpec:
    """A token to deploy: name, symbol, decimals and optional country rules."""

    name: str
    symbol: str
    decimals: int = 0
    allowed_countries: list[int] = field(default_factory=list)
    restricted_countries: list[int] = field(default_factory=list)


@dataclass
class DevChain:
    """A development chain with the suite and tokens deployed, and the platform's keys."""

    w3: Web3
    owner: LocalAccount
    claim_signer: LocalAccount
    agent: Sender
    deployment: Deployment
    client: ERC3643Client

    def worker(
        self, outbox: Outbox, *, batch_size: int = 50, hook: Hook | None = None, **options: Any
    ) -> Worker:
        """A worker for ``outbox`` (``options``: :class:`Worker`'s, e.g. ``confirmations``)."""
        return Worker(outbox, self.client, self.agent, batch_size=batch_size, hook=hook, **options)

    def investor(self, *, funded: bool = False) -> LocalAccount:
        """A new investor key; ``funded`` gives it gas (to sign its own transfers)."""
        account: LocalAccount = Account.create()
        if funded:
            fund(self.w3, account.address, 10**18)
        return account


def start_dev_chain(
    tokens: Sequence[TokenSpec],
    *,
    w3: Web3 | None = None,
    owner: LocalAccount | None = None,
    claim_signer: LocalAccount | None = None,
) -> DevChain:
    """Deploy the suite and ``tokens`` on ``w3`` (default: a new in-process chain).

    The owner key (also the agent) is funded from the node's first unlocked
    account, so ``w3`` must be a development chain.
    """
    w3 = w3 or in_process()
    owner = owner or Account.create()
    claim_signer = claim_signer or Account.create()
    fund(w3, owner.address)
    agent = Sender(w3, owner)
    deployment = deploy_suite(agent, claim_signer.address)
    for spec in tokens:
        deploy_token(
            agent,
            deployment,
            spec.name,
            spec.symbol,
            decimals=spec.decimals,
            allowed_countries=spec.allowed_countries,
            restricted_countries=spec.restricted_countries,
        )
    client = ERC3643Client(w3, deployment, claim_signer)
    return DevChain(w3, owner, claim_signer, agent, deployment, client)


def redeploy(sender: Sender, deployment: Deployment, *, agent: Sender | None = None) -> Deployment:
    """Deploy ``deployment`` again on an empty chain; raise unless the addresses match.

    ``sender`` holds the owner key; ``agent`` the agent key if it is another one.
    """
    if sender.next_nonce() != 0:
        raise DeploymentMismatch("redeployment needs the owner key unused on this chain (nonce 0)")
    fresh = deploy_suite(
        sender,
        deployment.suite.claim_signer,
        agent=deployment.agent,
        claim_topic=deployment.claim_topic,
    )
    for token in deployment.tokens:
        deploy_token(
            sender,
            fresh,
            token.name,
            token.symbol,
            decimals=token.decimals,
            allowed_countries=token.allowed_countries,
            restricted_countries=token.restricted_countries,
            agent_sender=agent,
        )
    if (fresh.suite, fresh.tokens) != (deployment.suite, deployment.tokens):
        raise DeploymentMismatch("redeployment gave other addresses than the deployment file")
    return deployment


def ensure_deployed(
    w3: Web3,
    sender: Sender,
    deployment: Deployment,
    *,
    agent: Sender | None = None,
    dev_fund: bool = True,
) -> bool:
    """Make sure the chain holds ``deployment``; redeploy on an empty chain.

    Returns ``True`` when it redeployed (the caller then runs the reconciler).
    """
    try:
        check_deployment(w3, deployment)
        return False
    except DeploymentMismatch:
        if sender.chain_id != deployment.chain_id:
            raise
    if dev_fund:
        fund(w3, sender.address)
        if agent is not None:
            fund(w3, agent.address)
    redeploy(sender, deployment, agent=agent)
    return True


def resume_dev_chain(
    deployment: Deployment,
    owner: LocalAccount,
    claim_signer: LocalAccount,
    *,
    w3: Web3 | None = None,
) -> tuple[DevChain, bool]:
    """The verifier's start with a saved deployment file and keys (default: a new
    in-process chain): redeploy if the chain is empty. Returns the chain and
    whether it redeployed; if so, run :meth:`chain.reconcile.Reconciler.repair`
    and the worker to replay the whitelist."""
    w3 = w3 or in_process()
    agent = Sender(w3, owner)
    redeployed = ensure_deployed(w3, agent, deployment)
    client = ERC3643Client(w3, deployment, claim_signer)
    return DevChain(w3, owner, claim_signer, agent, deployment, client), redeployed
