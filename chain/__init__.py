"""chain: whitelisting investors on real ERC-3643 (T-REX 4.1.6) contracts.

- :mod:`chain.artifacts`: the T-REX / ONCHAINID npm artifacts (``npm ci``).
- :mod:`chain.backend`: the in-process py-evm chain, or any JSON-RPC node.
- :mod:`chain.deploy`, :mod:`chain.deployment`: the suite, tokens, the deployment file.
- :mod:`chain.erc3643`, :mod:`chain.keys`: identities, KYC claims, registry, token.
- :mod:`chain.outbox`, :mod:`chain.worker`, :mod:`chain.reconcile`: the whitelist
  outbox, its exactly-once worker and the reconciler.
- :mod:`chain.devchain`: the development chain and its redeployment after a restart.
- :mod:`chain.errors`: the exceptions; :mod:`chain.cli`: ``kyc-wallet chain``.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chain.artifacts import load, node_modules
    from chain.backend import connect, fund, in_process
    from chain.deploy import check_deployment, deploy_suite, deploy_token
    from chain.deployment import Deployment, Suite, TokenDeployment
    from chain.devchain import (
        DevChain,
        TokenSpec,
        ensure_deployed,
        redeploy,
        resume_dev_chain,
        start_dev_chain,
    )
    from chain.erc3643 import Call, ERC3643Client
    from chain.errors import (
        ArtifactsMissing,
        ChainError,
        ChainUnavailable,
        DeploymentMismatch,
        OutboxError,
        TransactionReverted,
        chain_errors,
    )
    from chain.keys import claim_digest, claim_id, key_hash, sign_claim
    from chain.outbox import REGISTERED, REMOVED, Intent, Outbox, TxRecord
    from chain.reconcile import Drift, Reconciler
    from chain.transactions import MAX_GAS, Sender, SignedTx
    from chain.worker import Hook, Worker, WorkReport

# name -> module: imported on first use, so that `kyc-wallet --help` does not load web3.
_EXPORTS: dict[str, str] = {
    "load": "chain.artifacts",
    "node_modules": "chain.artifacts",
    "connect": "chain.backend",
    "fund": "chain.backend",
    "in_process": "chain.backend",
    "check_deployment": "chain.deploy",
    "deploy_suite": "chain.deploy",
    "deploy_token": "chain.deploy",
    "Deployment": "chain.deployment",
    "Suite": "chain.deployment",
    "TokenDeployment": "chain.deployment",
    "DevChain": "chain.devchain",
    "TokenSpec": "chain.devchain",
    "ensure_deployed": "chain.devchain",
    "redeploy": "chain.devchain",
    "start_dev_chain": "chain.devchain",
    "resume_dev_chain": "chain.devchain",
    "Call": "chain.erc3643",
    "ERC3643Client": "chain.erc3643",
    "ArtifactsMissing": "chain.errors",
    "ChainError": "chain.errors",
    "ChainUnavailable": "chain.errors",
    "DeploymentMismatch": "chain.errors",
    "OutboxError": "chain.errors",
    "TransactionReverted": "chain.errors",
    "chain_errors": "chain.errors",
    "claim_digest": "chain.keys",
    "claim_id": "chain.keys",
    "key_hash": "chain.keys",
    "sign_claim": "chain.keys",
    "REGISTERED": "chain.outbox",
    "REMOVED": "chain.outbox",
    "Intent": "chain.outbox",
    "Outbox": "chain.outbox",
    "TxRecord": "chain.outbox",
    "Drift": "chain.reconcile",
    "Reconciler": "chain.reconcile",
    "MAX_GAS": "chain.transactions",
    "Sender": "chain.transactions",
    "SignedTx": "chain.transactions",
    "Hook": "chain.worker",
    "Worker": "chain.worker",
    "WorkReport": "chain.worker",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'chain' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "ArtifactsMissing",
    "load",
    "node_modules",
    "connect",
    "fund",
    "in_process",
    "check_deployment",
    "deploy_suite",
    "deploy_token",
    "Deployment",
    "Suite",
    "TokenDeployment",
    "DevChain",
    "TokenSpec",
    "ensure_deployed",
    "redeploy",
    "start_dev_chain",
    "resume_dev_chain",
    "Call",
    "ERC3643Client",
    "ChainError",
    "ChainUnavailable",
    "DeploymentMismatch",
    "OutboxError",
    "TransactionReverted",
    "chain_errors",
    "claim_digest",
    "claim_id",
    "key_hash",
    "sign_claim",
    "REGISTERED",
    "REMOVED",
    "Intent",
    "Outbox",
    "TxRecord",
    "Drift",
    "Reconciler",
    "MAX_GAS",
    "Sender",
    "SignedTx",
    "Hook",
    "WorkReport",
    "Worker",
]
