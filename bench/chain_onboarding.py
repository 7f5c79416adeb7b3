"""Whitelisting throughput: new investors per second through the outbox worker,
against the node itself accepting the very same signed transactions (issue 22).

``.venv/bin/python -m bench.chain_onboarding [--rpc-url URL] [--investors N]``

One run, one node (default: the in-process py-evm chain; ``--rpc-url`` for a
node such as Hardhat, which must unlock a funded account and answer
``evm_snapshot`` / ``evm_revert``):

1. the T-REX suite is deployed and the chain snapshotted;
2. **project**: ``N`` new investors (each: a new ONCHAINID, one KYC claim, the
   registration, batched ``batchRegisterIdentity``) are committed to the outbox
   (SQLite, WAL, ``synchronous=FULL``) and the worker runs until every intent
   is ``done``: planning from the chain's state, nonces from the outbox's
   counter, each round's transactions stored then broadcast together, the
   receipts collected;
3. the chain is reverted to the snapshot and **baseline**: a minimal sender
   sends the raw bytes the worker stored (the same signed transactions, nonce
   order) with ``eth_sendRawTransaction`` in a loop, then waits for the last
   receipt.

The gate is the ratio project / baseline (issue 22: at least 0.5), measured in
the same run on the same node, so robust to the machine's load; investors per
second and transactions per second are printed beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from eth_account import Account
from web3 import Web3

from bench._report import Figure
from chain.backend import connect
from chain.devchain import DevChain, TokenSpec, start_dev_chain
from chain.outbox import DONE, MINED, Outbox
from tests.outbox import outbox_at

CLAIMS_PER_INVESTOR = 1  # the worker adds one KYC claim per new identity


def _rpc(w3: Web3, method: str, *params: object) -> object:
    answer = w3.provider.make_request(method, list(params))  # type: ignore[arg-type]
    if "error" in answer:
        raise RuntimeError(f"{method}: {answer['error']}")
    return answer["result"]


def onboard(dev: DevChain, outbox: Outbox, wallets: list[str]) -> float:
    """Whitelist ``wallets`` (new investors) through the worker; the seconds taken."""
    chain = dev.deployment.caip2
    registry = dev.deployment.token("TOK0").identity_registry
    worker = dev.worker(outbox)
    start = time.perf_counter()
    for wallet in wallets:
        data = hashlib.sha256(wallet.encode()).digest()
        outbox.whitelist(chain, registry, wallet, 276, data)
    for _ in range(10):
        worker.run_once()
        if all(i.state == DONE for i in outbox.intents(chain)):
            break
    seconds = time.perf_counter() - start
    assert all(i.state == DONE for i in outbox.intents(chain)), "not all whitelisted"
    assert all(dev.client.is_verified(registry, w) for w in wallets)
    return seconds


def replay(w3: Web3, raws: list[bytes], last_hash: str) -> float:
    """The minimal sender: ``eth_sendRawTransaction`` in a loop, then the last receipt."""
    start = time.perf_counter()
    for raw in raws:
        _rpc(w3, "eth_sendRawTransaction", "0x" + raw.hex())
    w3.eth.wait_for_transaction_receipt(last_hash, timeout=600, poll_latency=0.01)  # type: ignore[arg-type]
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> list[Figure]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rpc-url", help="a JSON-RPC node (default: in-process py-evm)")
    parser.add_argument("--investors", type=int, default=40, help="new investors to onboard")
    args = parser.parse_args(argv)
    dev = start_dev_chain(
        [TokenSpec("Token 0", "TOK0")], w3=connect(args.rpc_url) if args.rpc_url else None
    )
    backend = args.rpc_url or "in-process py-evm (eth-tester)"
    wallets = [Account.create().address for _ in range(args.investors)]
    snapshot = _rpc(dev.w3, "evm_snapshot")
    with tempfile.TemporaryDirectory() as folder:
        outbox = outbox_at(Path(folder) / "outbox.sqlite")
        project_s = onboard(dev, outbox, wallets)
        sent = [t for t in outbox.transactions(dev.deployment.caip2) if t.state == MINED]
    sent.sort(key=lambda t: t.signed.nonce)
    _rpc(dev.w3, "evm_revert", snapshot)
    baseline_s = replay(dev.w3, [t.signed.raw for t in sent], sent[-1].signed.tx_hash)

    by_kind: dict[str, list[int]] = defaultdict(list)
    for record in sent:
        by_kind[record.kind].append(record.gas_used or 0)
    n, txs = len(wallets), len(sent)
    print(f"chain: {backend}; {n} new investors, {CLAIMS_PER_INVESTOR} claim each, {txs} txs")
    for label, seconds in (("worker", project_s), ("minimal sender", baseline_s)):
        rates = f"{n / seconds:8.1f} investors/s  {txs / seconds:8.1f} tx/s"
        print(f"  {label:15} {seconds:7.2f} s  {rates}")
    for kind, values in sorted(by_kind.items()):
        print(f"  gas {kind:16} mean {sum(values) // len(values):>10,} (n={len(values)})")
    return [
        Figure(
            name=f"whitelisting, new investors ({CLAIMS_PER_INVESTOR} claim each)",
            unit="investors per s",
            project=n / project_s,
            baseline=n / baseline_s,
            baseline_name="eth_sendRawTransaction loop of the same signed txs",
            per_s=n / project_s,
            target=">= 0.5xB",
            extra={
                "claims_per_investor": CLAIMS_PER_INVESTOR,
                "investors": n,
                "transactions": txs,
                "tx_per_s": round(txs / project_s, 1),
                "node": backend,
            },
        )
    ]


if __name__ == "__main__":
    from bench._report import table

    print(table(main()))
