"""An ERC-3643 (T-REX 4.1.6) client over web3.py: identities, claims, registry, token.

The platform's agent key does all the work, since the investor holds no gas:

- ``IdFactory.createIdentityWithManagementKeys(wallet, salt, [keccak256(abi.encode(agent))])``
  deploys the investor's ONCHAINID with the agent as management key (the agent
  owns the ``IdFactory``); one identity per investor wallet, reused by every token.
- ``Identity.addClaim(topic, 1, claimIssuer, signature, data, "")`` adds the KYC
  claim signed by the platform's ``ClaimIssuer`` key (:mod:`chain.keys`); ``data``
  is a hash of the verification record, no personal data.
- ``IdentityRegistry.registerIdentity`` / ``batchRegisterIdentity`` /
  ``updateCountry`` / ``deleteIdentity``; ``isVerified``, ``contains``.
- ``Token.mint`` / ``transfer`` / ``balanceOf``.

Methods named ``*_call`` return the bound contract function and its gas limit
for the outbox worker, which signs and records them; the others read the chain.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import HTTPProvider, Web3
from web3.contract import Contract
from web3.contract.contract import ContractFunction
from web3.types import TxParams, TxReceipt

from chain.deploy import contract
from chain.deployment import Deployment
from chain.errors import ChainUnavailable, chain_errors
from chain.keys import claim_id, key_hash, sign_claim
from chain.transactions import Sender

__all__ = ["Call", "ERC3643Client", "ZERO_ADDRESS"]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
_ECDSA_SCHEME = 1
# Gas limits: measured use (py-evm) plus headroom.
GAS_CREATE_IDENTITY = 700_000
GAS_ADD_CLAIM = 500_000
GAS_REGISTER = 300_000
GAS_BATCH_BASE = 150_000
GAS_BATCH_PER_ENTRY = 60_000
GAS_DELETE = 200_000
GAS_UPDATE_COUNTRY = 100_000
GAS_MINT = 400_000
GAS_TRANSFER = 400_000


@dataclass(frozen=True)
class Call:
    """A contract call to sign: the bound function, its gas limit, what it does."""

    function: ContractFunction
    gas: int
    what: str


class ERC3643Client:
    """Reads and builds calls on one deployment; signs claims with ``claim_signer``."""

    def __init__(
        self, w3: Web3, deployment: Deployment, claim_signer: LocalAccount | None = None
    ) -> None:
        self.w3 = w3
        self.deployment = deployment
        self.claim_signer = claim_signer
        suite = deployment.suite
        self.id_factory = contract(w3, "IdFactory", suite.id_factory)
        self.claim_issuer = contract(w3, "ClaimIssuer", suite.claim_issuer)
        self.topic = deployment.claim_topic
        # an explicit sender spares web3 an eth_accounts round-trip on every call
        self._from: TxParams = {"from": Web3.to_checksum_address(deployment.agent)}

    # --- reading -------------------------------------------------------------

    def identity_of(self, wallet: str) -> str | None:
        """The ONCHAINID the ``IdFactory`` linked to ``wallet``, if any."""
        with chain_errors(f"IdFactory.getIdentity({wallet})"):
            identity = str(self.id_factory.functions.getIdentity(_cs(wallet)).call(self._from))
        return None if int(identity, 16) == 0 else identity

    def linked_identity(self, logs: Sequence[Any], wallet: str) -> str | None:
        """The ONCHAINID that the ``IdFactory``'s ``WalletLinked`` event in ``logs``
        (a ``createIdentity…`` receipt's) links to ``wallet``, if any: spares an
        ``eth_call`` per new investor."""
        event = self.id_factory.events.WalletLinked()
        for log in logs:
            if str(log["address"]).lower() != self.id_factory.address.lower():
                continue
            try:
                args = event.process_log(log)["args"]
            except Exception:  # noqa: BLE001 - another event of the factory
                continue
            if str(args["wallet"]).lower() == wallet.lower():
                return Web3.to_checksum_address(args["identity"])
        return None

    def identities_of(self, wallets: Sequence[str]) -> dict[str, str | None]:
        """:meth:`identity_of` for each of ``wallets``, in one JSON-RPC batch (empty
        when not read: the caller reads them one by one)."""
        calls = [self.id_factory.functions.getIdentity(_cs(w)) for w in wallets]
        found = self._batch(calls, "IdFactory.getIdentity")
        if found is None:
            return {}
        return {
            w: None if int(str(v), 16) == 0 else str(v) for w, v in zip(wallets, found, strict=True)
        }

    def contains_all(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], bool]:
        """:meth:`contains` for each (registry, wallet), in one JSON-RPC batch."""
        calls = [_ir(self.w3, r).functions.contains(_cs(w)) for r, w in pairs]
        found = self._batch(calls, "IdentityRegistry.contains")
        return {} if found is None else {p: bool(v) for p, v in zip(pairs, found, strict=True)}

    def _batch(self, calls: Sequence[ContractFunction], what: str) -> list[Any] | None:
        """The ``eth_call`` results of ``calls`` in one JSON-RPC batch over HTTP (one
        round trip instead of one each); ``None`` when the node or the provider
        takes no batch, or one of them failed (the caller then reads them one by
        one, so a failure is its own intent's)."""
        if len(calls) < 2 or not isinstance(self.w3.provider, HTTPProvider):
            return None
        try:
            with chain_errors(what), self.w3.batch_requests() as batch:
                for call in calls:
                    batch.add(call)
                return list(batch.execute())
        except ChainUnavailable:
            raise
        except Exception:  # noqa: BLE001 - read them one by one instead
            return None

    def claim_data(self, identity: str) -> bytes:
        """The data of our ClaimIssuer's KYC claim on ``identity`` (public, like all
        chain state: no value anyone can read personal data back from)."""
        with chain_errors(f"reading the claim of {identity}"):
            claim = (
                contract(self.w3, "Identity", identity)
                .functions.getClaim(claim_id(self.claim_issuer.address, self.topic))
                .call(self._from)
            )
        return bytes(claim[4])

    def has_valid_claim(self, identity: str) -> bool:
        """Whether ``identity`` holds our ClaimIssuer's claim on the KYC topic, still valid."""
        issuer = self.claim_issuer.address
        with chain_errors(f"reading the claim of {identity}"):
            _topic, _scheme, claim_issuer, signature, data, _uri = (
                contract(self.w3, "Identity", identity)
                .functions.getClaim(claim_id(issuer, self.topic))
                .call(self._from)
            )
            if str(claim_issuer).lower() != issuer.lower():
                return False
            return bool(
                self.claim_issuer.functions.isClaimValid(
                    _cs(identity), self.topic, signature, data
                ).call(self._from)
            )

    def contains(self, registry: str, wallet: str) -> bool:
        with chain_errors(f"IdentityRegistry.contains({wallet})"):
            return bool(_ir(self.w3, registry).functions.contains(_cs(wallet)).call(self._from))

    def is_verified(self, registry: str, wallet: str) -> bool:
        """ERC-3643 ``isVerified``: registered, and holding a valid claim per required topic."""
        with chain_errors(f"IdentityRegistry.isVerified({wallet})"):
            return bool(_ir(self.w3, registry).functions.isVerified(_cs(wallet)).call(self._from))

    def investor_country(self, registry: str, wallet: str) -> int:
        with chain_errors(f"IdentityRegistry.investorCountry({wallet})"):
            return int(
                _ir(self.w3, registry).functions.investorCountry(_cs(wallet)).call(self._from)
            )

    def balance_of(self, token: str, wallet: str) -> int:
        with chain_errors(f"Token.balanceOf({wallet})"):
            return int(
                contract(self.w3, "Token", token).functions.balanceOf(_cs(wallet)).call(self._from)
            )

    # --- calls for the agent to sign ------------------------------------------

    def create_identity_call(self, wallet: str) -> Call:
        """The investor's ONCHAINID, managed by the agent; the salt is the wallet itself."""
        wallet = _cs(wallet)
        keys = [key_hash(self.deployment.agent)]
        return Call(
            self.id_factory.functions.createIdentityWithManagementKeys(wallet, wallet, keys),
            GAS_CREATE_IDENTITY,
            f"IdFactory.createIdentityWithManagementKeys({wallet})",
        )

    def add_claim_call(self, identity: str, data: bytes) -> Call:
        """The KYC claim on ``identity``, signed by the platform's claim key."""
        if self.claim_signer is None:
            raise ValueError("this client has no claim signer key")
        signature = sign_claim(self.claim_signer, identity, self.topic, data)
        function = contract(self.w3, "Identity", identity).functions.addClaim(
            self.topic, _ECDSA_SCHEME, self.claim_issuer.address, signature, data, ""
        )
        return Call(function, GAS_ADD_CLAIM, f"Identity({identity}).addClaim(topic {self.topic})")

    def register_call(
        self, registry: str, wallets: list[str], identities: list[str], countries: list[int]
    ) -> Call:
        """``registerIdentity`` for one wallet, ``batchRegisterIdentity`` for several."""
        ir = _ir(self.w3, registry)
        if len(wallets) == 1:
            return Call(
                ir.functions.registerIdentity(_cs(wallets[0]), _cs(identities[0]), countries[0]),
                GAS_REGISTER,
                f"IdentityRegistry.registerIdentity({wallets[0]})",
            )
        return Call(
            ir.functions.batchRegisterIdentity(
                [_cs(w) for w in wallets], [_cs(i) for i in identities], countries
            ),
            GAS_BATCH_BASE + GAS_BATCH_PER_ENTRY * len(wallets),
            f"IdentityRegistry.batchRegisterIdentity({len(wallets)} wallets)",
        )

    def update_country_call(self, registry: str, wallet: str, country: int) -> Call:
        return Call(
            _ir(self.w3, registry).functions.updateCountry(_cs(wallet), country),
            GAS_UPDATE_COUNTRY,
            f"IdentityRegistry.updateCountry({wallet}, {country})",
        )

    def delete_call(self, registry: str, wallet: str) -> Call:
        return Call(
            _ir(self.w3, registry).functions.deleteIdentity(_cs(wallet)),
            GAS_DELETE,
            f"IdentityRegistry.deleteIdentity({wallet})",
        )

    # --- token operations, sent at once -----------------------------------------

    def mint(self, agent: Sender, token: str, to: str, amount: int) -> TxReceipt:
        """``Token.mint`` by the token agent; reverts unless ``to`` is verified and compliant."""
        function = contract(self.w3, "Token", token).functions.mint(_cs(to), amount)
        return agent.transact(function, GAS_MINT, f"Token.mint({to}, {amount})")

    def transfer(self, holder: Sender, token: str, to: str, amount: int) -> TxReceipt:
        """``Token.transfer`` signed by the holder's own key."""
        function = contract(self.w3, "Token", token).functions.transfer(_cs(to), amount)
        return holder.transact(function, GAS_TRANSFER, f"Token.transfer({to}, {amount})")


def _cs(address: str) -> str:
    return str(Web3.to_checksum_address(address))


def _ir(w3: Web3, registry: str) -> Contract:
    return contract(w3, "IdentityRegistry", registry)
