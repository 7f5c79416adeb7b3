"""A transaction signed locally, as the outbox stores it (no web3 here: the
verifier's web processes read the outbox without loading it)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SignedTx"]


@dataclass(frozen=True)
class SignedTx:
    """A transaction signed locally, not necessarily sent yet."""

    sender: str
    nonce: int
    tx_hash: str
    raw: bytes
    to: str | None
    data: str
    gas: int
    max_fee: int = 0
    """``maxFeePerGas`` (EIP-1559), wei; 0 for a legacy transaction."""
    priority_fee: int = 0
    """``maxPriorityFeePerGas`` (EIP-1559), wei."""
