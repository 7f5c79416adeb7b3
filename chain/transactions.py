"""Signing, sending and confirming transactions with a local key, on any backend.

Every transaction is signed here with the platform's own key (never an
account unlocked on the node) and carries an explicit ``gas`` limit: gas
estimation on eth-tester makes each transaction 5-7x slower, and with an
explicit limit a revert is *mined* with ``status == 0`` instead of raising, so
:meth:`Sender.confirm` checks every receipt and replays a failed transaction
as an ``eth_call`` to read the revert reason. No limit exceeds
:data:`MAX_GAS` (EIP-7825 caps a transaction at 2**24 gas on nodes that
enforce it).

Signing (:meth:`Sender.sign`) and broadcasting (:meth:`Sender.broadcast`) are
separate steps so that the outbox can store the hash, nonce and raw bytes of a
transaction before it leaves the process; broadcasting the same bytes again
cannot create a second transaction. Transactions are EIP-1559 (type 2) with
the fees of :mod:`chain.fees`; :meth:`Sender.resign` signs the same call with
the same nonce and higher fees (replacing a stuck transaction) and
:meth:`Sender.filler` a no-op transfer to itself (filling a nonce gap).
"""

from __future__ import annotations

from typing import Any

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract.contract import ContractConstructor, ContractFunction
from web3.exceptions import TransactionNotFound
from web3.types import TxReceipt

from chain.errors import ChainError, TransactionReverted, chain_errors
from chain.fees import Fees, suggest
from chain.signed import SignedTx

__all__ = ["MAX_GAS", "SignedTx", "Sender"]

MAX_GAS = 16_000_000


class Sender:
    """Signs with ``account`` and sends through ``w3``."""

    def __init__(self, w3: Web3, account: LocalAccount, *, timeout: float = 60.0) -> None:
        self.w3 = w3
        self.account = account
        self.address: ChecksumAddress = account.address
        self.timeout = timeout
        self._chain_id: int | None = None

    @property
    def chain_id(self) -> int:
        """The node's chain id (read once, at first use: a node may be down at start)."""
        if self._chain_id is None:
            with chain_errors("reading the chain id"):
                self._chain_id = int(self.w3.eth.chain_id)
        return self._chain_id

    def next_nonce(self) -> int:
        """The account's next nonce, counting transactions still pending on the node."""
        with chain_errors(f"reading the nonce of {self.address}"):
            return self.w3.eth.get_transaction_count(self.address, "pending")

    def fees(self) -> Fees:
        """The EIP-1559 fees to offer now (:func:`chain.fees.suggest`)."""
        return suggest(self.w3)

    def sign(
        self,
        call: ContractFunction | ContractConstructor | None,
        gas: int,
        nonce: int,
        *,
        to: str | None = None,
        value: int = 0,
        fees: Fees | None = None,
    ) -> SignedTx:
        """Sign ``call`` (a bound contract function or constructor) with ``nonce``
        (EIP-1559 ``fees``: read from the node when not given)."""
        if not 21_000 <= gas <= MAX_GAS:
            raise ChainError(f"gas limit {gas} outside [21000, {MAX_GAS}]")
        fees = fees or self.fees()
        tx: dict[str, Any] = {
            "from": self.address,
            "nonce": nonce,
            "gas": gas,
            "maxFeePerGas": fees.max_fee,
            "maxPriorityFeePerGas": fees.priority_fee,
            "chainId": self.chain_id,
            "value": value,
        }
        if call is not None:
            with chain_errors("encoding the transaction"):
                tx = dict(call.build_transaction(tx))  # type: ignore[arg-type]
        else:
            tx["to"] = to
            tx["data"] = "0x"
        return self._signed(tx, fees)

    def _signed(self, tx: dict[str, Any], fees: Fees) -> SignedTx:
        signed = self.account.sign_transaction(tx)
        return SignedTx(
            sender=self.address,
            nonce=int(tx["nonce"]),
            tx_hash=HexBytes(signed.hash).to_0x_hex(),
            raw=bytes(signed.raw_transaction),
            to=tx.get("to"),
            data=HexBytes(tx.get("data", b"")).to_0x_hex(),
            gas=int(tx["gas"]),
            max_fee=fees.max_fee,
            priority_fee=fees.priority_fee,
        )

    def resign(self, signed: SignedTx, fees: Fees) -> SignedTx:
        """The same call as ``signed`` (its nonce, recipient, data and gas limit)
        with ``fees``: a replacement (EIP-1559; no value is ever sent by the outbox)."""
        tx: dict[str, Any] = {
            "nonce": signed.nonce,
            "gas": signed.gas,
            "maxFeePerGas": fees.max_fee,
            "maxPriorityFeePerGas": fees.priority_fee,
            "chainId": self.chain_id,
            "value": 0,
            "data": signed.data,
        }
        if signed.to is not None:
            tx["to"] = signed.to
        return self._signed(tx, fees)

    def filler(self, nonce: int, fees: Fees) -> SignedTx:
        """A transfer of nothing to the sender itself with ``nonce``: fills a gap left
        by a transaction the node never accepted, so the later ones can be mined."""
        tx = {
            "nonce": nonce,
            "gas": 21_000,
            "maxFeePerGas": fees.max_fee,
            "maxPriorityFeePerGas": fees.priority_fee,
            "chainId": self.chain_id,
            "value": 0,
            "to": self.address,
            "data": "0x",
        }
        return self._signed(tx, fees)

    def broadcast(self, signed: SignedTx) -> None:
        """Send the raw bytes; a node that already knows them is not an error."""
        try:
            with chain_errors(f"sending transaction {signed.tx_hash}"):
                self.w3.eth.send_raw_transaction(signed.raw)
        except ChainError as exc:
            text = str(exc).lower()
            if "already known" in text or "already imported" in text or "known transaction" in text:
                return
            if self.receipt(signed.tx_hash) is not None:
                return
            raise

    def receipt(self, tx_hash: str) -> TxReceipt | None:
        """The receipt of ``tx_hash`` if mined, else ``None``."""
        try:
            with chain_errors(f"reading the receipt of {tx_hash}"):
                return self.w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None

    def is_known(self, tx_hash: str) -> bool:
        """Whether the node knows ``tx_hash`` (mined or pending)."""
        try:
            with chain_errors(f"looking up {tx_hash}"):
                self.w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return False
        return True

    def wait(self, tx_hash: str) -> TxReceipt:
        """Wait for the receipt of ``tx_hash`` (no status check)."""
        with chain_errors(f"waiting for {tx_hash}"):
            return self.w3.eth.wait_for_transaction_receipt(
                HexBytes(tx_hash), timeout=self.timeout, poll_latency=0.05
            )

    def confirm(self, signed: SignedTx, receipt: TxReceipt, what: str) -> TxReceipt:
        """Raise :class:`TransactionReverted` with the reason unless ``receipt`` succeeded."""
        if receipt["status"] == 1:
            return receipt
        reason = "no reason given"
        call: dict[str, Any] = {"from": signed.sender, "data": signed.data, "gas": signed.gas}
        if signed.to is not None:
            call["to"] = signed.to
        try:
            with chain_errors(what):
                self.w3.eth.call(call, receipt["blockNumber"] - 1)  # type: ignore[arg-type]
        except TransactionReverted as exc:
            reason = exc.reason
        except ChainError:
            pass
        gas_note = " (out of gas?)" if receipt["gasUsed"] >= signed.gas else ""
        raise TransactionReverted(
            f"{what}: transaction {signed.tx_hash} reverted: {reason}{gas_note}", reason=reason
        )

    def transact(
        self, call: ContractFunction | ContractConstructor, gas: int, what: str
    ) -> TxReceipt:
        """Sign, send and confirm ``call`` now (deployment and tooling; the outbox
        uses the separate steps)."""
        signed = self.sign(call, gas, self.next_nonce())
        self.broadcast(signed)
        return self.confirm(signed, self.wait(signed.tx_hash), what)
