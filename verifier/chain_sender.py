"""What sends the verifier's outbox to the chain, for its worker
(:mod:`verifier.worker`): the in-process development chain (``CHAIN = "dev"``,
:class:`DevSender`), or a JSON-RPC node (``CHAIN = "outbox"`` with
``CHAIN_RPC_URL``, :class:`NodeSender`: the deployment file, the agent's and
the claim signer's keys of ``kyc-wallet chain deploy``).

web3 and the contracts are imported here only when a sender is built: the web
processes and ``kyc-wallet --help`` never load them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from chain.errors import OutboxError
from chain.outbox import Outbox
from kyc_wallet.web.config import ConfigurationError

if TYPE_CHECKING:
    from chain.platform import PlatformChain
    from chain.reconcile import Drift

__all__ = ["ChainSender", "DevSender", "NodeSender", "chain_sender"]

log = logging.getLogger(__name__)

NODE_SETTINGS = ("CHAIN_RPC_URL", "CHAIN_DEPLOYMENT_PATH", "CHAIN_AGENT_KEY_PATH")


class ChainSender(Protocol):
    def process(self) -> None:
        """Send what is queued now (nothing when another worker is sending)."""

    def reconcile(self) -> Drift:
        """Queue the repairs of where the registries differ from the outbox."""

    def ping(self) -> None:
        """Raise :class:`chain.errors.ChainUnavailable` when the node does not answer."""


class DevSender:
    """The in-process chain of ``CHAIN = "dev"`` (in the verifier's own process)."""

    def __init__(self, platform: PlatformChain) -> None:
        self.platform = platform

    def process(self) -> None:
        self.platform.process()

    def reconcile(self) -> Drift:
        return self.platform.reconcile()

    def ping(self) -> None:
        return None


class NodeSender:
    """A JSON-RPC node: the agent key sends, one worker at a time (the others skip
    their turn: :meth:`chain.worker.Worker.exclusive`)."""

    def __init__(self, outbox: Outbox, config: Mapping[str, Any], name: str = "worker") -> None:
        from chain.backend import connect
        from chain.deployment import Deployment
        from chain.erc3643 import ERC3643Client
        from chain.files import load_account
        from chain.transactions import Sender
        from chain.worker import Worker

        claim_path = config["CHAIN_CLAIM_KEY_PATH"] or config["CHAIN_AGENT_KEY_PATH"]
        self.w3 = connect(str(config["CHAIN_RPC_URL"]))
        self.deployment = Deployment.load(Path(config["CHAIN_DEPLOYMENT_PATH"]))
        claim_signer = load_account(Path(claim_path), create=False)
        agent = load_account(Path(config["CHAIN_AGENT_KEY_PATH"]), create=False)
        self.client = ERC3643Client(self.w3, self.deployment, claim_signer)
        self.outbox = outbox
        self.worker = Worker(
            outbox, self.client, Sender(self.w3, agent), name=name, **worker_options(config)
        )
        self._lock = threading.Lock()

    def process(self) -> None:
        with self._lock:
            try:
                self.worker.run_once()
            except OutboxError as exc:
                if "another worker" not in exc.description:
                    raise
                log.debug("%s", exc.description)  # another replica is sending: its turn

    def reconcile(self) -> Drift:
        from chain.reconcile import Reconciler

        return Reconciler(self.outbox, self.client).repair()

    def ping(self) -> None:
        from chain.errors import chain_errors

        with chain_errors("reading the latest block"):
            self.w3.eth.block_number  # noqa: B018 - a request to the node


def worker_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """The sending settings of :class:`chain.worker.Worker` (docs/configuration.md):
    the confirmation depth, when a stuck transaction is replaced, how long a
    round waits for receipts, the cap on a replacement's ``maxFeePerGas``."""
    confirmations = int(config["CHAIN_CONFIRMATIONS"])
    if confirmations < 1:
        raise ConfigurationError("CHAIN_CONFIRMATIONS must be at least 1")
    cap = config["CHAIN_MAX_FEE_GWEI"]
    return {
        "confirmations": confirmations,
        "replace_after": float(config["CHAIN_REPLACE_AFTER"]),
        "receipt_timeout": float(config["CHAIN_RECEIPT_TIMEOUT"]),
        "max_fee": None if cap is None else int(float(cap) * 10**9),
    }


def chain_sender(
    config: Mapping[str, Any],
    outbox: Outbox,
    platform: PlatformChain | None,
    *,
    name: str = "worker",
) -> ChainSender | None:
    """The sender the configuration names; ``None`` when nothing sends the outbox
    (``name``: the worker's, recorded on the intents it claims)."""
    if platform is not None:
        return DevSender(platform)
    if config["CHAIN"] != "outbox" or not config["CHAIN_RPC_URL"]:
        return None
    missing = [name for name in NODE_SETTINGS if not config[name]]
    if missing:
        raise ConfigurationError(f"CHAIN_RPC_URL is set: the worker needs {', '.join(missing)}")
    return NodeSender(outbox, config, name)
