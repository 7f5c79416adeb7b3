"""The token platform's handle on the chain: one object for the verifier.

It owns the development chain (or a JSON-RPC node), the platform's keys and
deployment file in its data folder, the whitelist outbox (in the verifier's
database); the verifier's worker sends it (``verifier.worker``). At start on
the in-process chain it redeploys the suite with the same keys (so the same
addresses) and replays the whitelist through the reconciler (ARCHITECTURE.md
"The chain in each setting"), and says so.

The platform's *treasury* is an account of its own (not the agent: ONCHAINID
refuses an identity whose wallet is also its management key), registered as
an investor at first start and funded with gas, so that the demo token can be
minted to it and transferred from it to whitelisted investors.

All chain access goes through one lock: the in-process EVM is not
thread-safe, and one agent key must not sign two nonces at once.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount

from chain.backend import fund
from chain.deployment import Deployment, TokenDeployment
from chain.devchain import DevChain, TokenSpec, resume_dev_chain, start_dev_chain
from chain.errors import ChainError
from chain.files import load_account, private_folder
from chain.outbox import Intent, Outbox, TxRecord
from chain.reconcile import Drift, Reconciler
from chain.transactions import Sender
from chain.worker import WorkReport

__all__ = ["PlatformChain", "Holder", "TREASURY_COUNTRY"]

TREASURY_COUNTRY = 276  # the demo platform's own country (Germany)


@dataclass(frozen=True)
class Holder:
    address: str
    balance: int
    verified: bool


def _key(path: Path) -> LocalAccount:
    """The private key in ``path`` (hex), created with mode 0600 when missing;
    refused when other users can read it (``chain.files.load_account``)."""
    return load_account(path, create=True)


class PlatformChain:
    """The chain as the verifier uses it (in-process development chain)."""

    def __init__(
        self,
        dev: DevChain,
        folder: Path,
        treasury: LocalAccount,
        outbox: Outbox,
        *,
        redeployed: bool,
    ) -> None:
        self.dev = dev
        self._treasury = treasury
        self.folder = folder
        self.redeployed = redeployed
        self.outbox = outbox
        self._lock = threading.RLock()
        self.last_error: str | None = None
        """Why the last :meth:`process` failed (the operator's Investors page)."""

    # --- start ----------------------------------------------------------------------

    @classmethod
    def start_dev(cls, folder: Path, tokens: Sequence[TokenSpec], outbox: Outbox) -> PlatformChain:
        """Deploy (first start) or redeploy and replay (later starts) on a new in-process
        chain; ``outbox``: the whitelist outbox, in the verifier's database."""
        private_folder(folder)
        owner = _key(folder / "owner.key")
        claim_signer = _key(folder / "claim-signer.key")
        treasury = _key(folder / "treasury.key")
        deployment_file = folder / "deployment.json"
        if deployment_file.exists():
            dev, redeployed = resume_dev_chain(
                Deployment.load(deployment_file), owner, claim_signer
            )
        else:
            dev = start_dev_chain(tokens, owner=owner, claim_signer=claim_signer)
            dev.deployment.save(deployment_file)
            redeployed = False
        fund(dev.w3, treasury.address)
        platform = cls(dev, folder, treasury, outbox, redeployed=redeployed)
        if redeployed:
            Reconciler(platform.outbox, dev.client).repair()
        else:
            for token in dev.deployment.tokens:
                platform.whitelist(treasury.address, token, TREASURY_COUNTRY, b"treasury")
        platform.process()
        return platform

    @property
    def deployment(self) -> Deployment:
        return self.dev.deployment

    def token(self, symbol_or_address: str) -> TokenDeployment:
        return self.deployment.token(symbol_or_address)

    # --- intents ----------------------------------------------------------------------

    def whitelist(
        self, address: str, token: TokenDeployment, country: int, record: bytes
    ) -> Intent:
        """Commit the intent to register ``address`` (claim data: SHA-256 of ``record``)."""
        return self.outbox.whitelist(
            self.deployment.caip2,
            token.identity_registry,
            address,
            country,
            hashlib.sha256(record).digest(),
        )

    def remove(self, address: str, token: TokenDeployment) -> Intent:
        return self.outbox.remove(self.deployment.caip2, token.identity_registry, address)

    def intent(self, address: str, token: TokenDeployment) -> Intent:
        return self.outbox.intent(self.deployment.caip2, token.identity_registry, address)

    def transactions_of(self, intent: Intent) -> list[TxRecord]:
        return self.outbox.transactions_of(intent)

    # --- the worker ---------------------------------------------------------------------

    def process(self) -> WorkReport:
        """Send what is queued now (in the caller's thread)."""
        with self._lock:
            try:
                report = self.dev.worker(self.outbox).run_once()
            except ChainError as exc:  # queued work stays queued; say why
                self.last_error = exc.description
                raise
            self.last_error = None
            return report

    def reconcile(self) -> Drift:
        """Queue the repairs of where the registries differ from the outbox."""
        with self._lock:
            return Reconciler(self.outbox, self.dev.client).repair()

    # --- reading and the demo token's operations -----------------------------------------

    def is_verified(self, address: str, token: TokenDeployment) -> bool:
        with self._lock:
            return self.dev.client.is_verified(token.identity_registry, address)

    def holders(self, token: TokenDeployment, addresses: Sequence[str]) -> list[Holder]:
        with self._lock:
            return [
                Holder(
                    a,
                    self.dev.client.balance_of(token.token, a),
                    self.dev.client.is_verified(token.identity_registry, a),
                )
                for a in addresses
            ]

    def mint_to_treasury(self, token: TokenDeployment, amount: int) -> str:
        with self._lock:
            receipt = self.dev.client.mint(self.dev.agent, token.token, self.treasury, amount)
        return _hash(receipt)

    def transfer_from_treasury(self, token: TokenDeployment, to: str, amount: int) -> str:
        """``Token.transfer`` from the treasury; refused (reverted) unless ``to`` is verified."""
        with self._lock:
            sender = Sender(self.dev.w3, self._treasury)
            receipt = self.dev.client.transfer(sender, token.token, to, amount)
        return _hash(receipt)

    @property
    def treasury(self) -> str:
        return str(self._treasury.address)


def _hash(receipt: Any) -> str:
    tx_hash = receipt["transactionHash"]
    text = tx_hash.hex() if isinstance(tx_hash, bytes | bytearray) else str(tx_hash)
    return text if text.startswith("0x") else "0x" + text
