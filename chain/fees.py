"""EIP-1559 fees for the outbox's transactions, and the bump that replaces a
stuck one.

A type-2 transaction (EIP-1559) pays ``min(maxFeePerGas, baseFee +
maxPriorityFeePerGas)`` per gas. :func:`suggest` reads the node's fee history
(``eth_feeHistory``: the next block's base fee and the median tip of recent
blocks), or the latest block's ``baseFeePerGas`` and ``eth_maxPriorityFeePerGas``
where the node keeps no history, and offers ``maxFeePerGas = 2 × baseFee + tip``:
room for the base fee to rise 12.5 % per block for six full blocks.

A node replaces a pending transaction by one with the same sender and nonce
only if both fees rise by at least 10 % (geth's ``txpool.pricebump`` default;
Hardhat and Nethermind ask the same): :func:`bump` raises both by
:data:`BUMP_PER_MILLE` (12.5 %, rounded up) and to at least what the node asks now.
"""

from __future__ import annotations

from dataclasses import dataclass

from web3 import Web3

from chain.errors import chain_errors

__all__ = ["BUMP_PER_MILLE", "Fees", "bump", "suggest"]

BUMP_PER_MILLE = 125  # 12.5 %: above the 10 % geth asks
DEFAULT_TIP = 10**9  # 1 gwei, when the node suggests nothing


@dataclass(frozen=True)
class Fees:
    """``maxFeePerGas`` and ``maxPriorityFeePerGas``, in wei."""

    max_fee: int
    priority_fee: int


def suggest(w3: Web3) -> Fees:
    """The fees to offer now (two requests at most)."""
    with chain_errors("reading the fee history"):
        history = w3.eth.fee_history(5, "latest", [50])
        bases = list(history.get("baseFeePerGas") or [])
        rewards = [r[0] for r in history.get("reward") or [] if r]
        if bases:
            base = int(bases[-1])  # the next block's
        else:
            base = int(w3.eth.get_block("latest").get("baseFeePerGas") or 0)
        if rewards:
            tip = int(sorted(rewards)[len(rewards) // 2])
        else:
            tip = int(w3.eth.max_priority_fee)
    tip = tip or DEFAULT_TIP
    return Fees(max_fee=2 * base + tip, priority_fee=tip)


def _raise(value: int) -> int:
    return -(-value * (1000 + BUMP_PER_MILLE) // 1000)


def bump(old: Fees, now: Fees) -> Fees:
    """The fees of a replacement for a transaction sent with ``old``: both at least
    12.5 % higher, and no lower than ``now`` (what the node suggests today)."""
    tip = max(_raise(old.priority_fee), now.priority_fee)
    return Fees(max_fee=max(_raise(old.max_fee), now.max_fee, tip), priority_fee=tip)
