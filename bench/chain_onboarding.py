"""Gas and wall time per investor onboarded through the whitelist outbox.

``.venv/bin/python -m bench.chain_onboarding [--rpc-url URL] [--single N]``

Onboarding = the outbox intent committed (SQLite, WAL, synchronous=FULL), then
the worker's transactions on the real T-REX 4.1.6 / ONCHAINID 2.2.1 contracts:

- new identity: ``createIdentityWithManagementKeys`` + ``addClaim`` + registration;
- reused identity (the investor already onboarded on another token of the
  platform): registration only;

each one investor per worker run ("single") and batched (10 and 50 intents per
run, one ``batchRegisterIdentity``). Default chain: the in-process py-evm chain
(``--rpc-url`` for a node, e.g. a Hardhat node; it must unlock a funded account).
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from eth_account import Account

from chain.backend import connect
from chain.devchain import DevChain, TokenSpec, start_dev_chain
from chain.outbox import Outbox
from tests.outbox import outbox_at


class RequestCounter:
    """Counts the JSON-RPC requests the provider makes (a steadier figure than time)."""

    def __init__(self, dev: DevChain) -> None:
        self.count = 0
        provider = dev.w3.provider
        original = provider.make_request

        def counting(method: Any, params: Any) -> Any:
            self.count += 1
            return original(method, params)

        provider.make_request = counting  # type: ignore[method-assign]
        provider._request_func_cache = ((), None)  # type: ignore[assignment] # rebuild with ours


def onboard(
    dev: DevChain, outbox: Outbox, symbol: str, wallets: list[str], per_run: int
) -> tuple[int, float, int]:
    """Whitelist ``wallets`` on ``symbol``, ``per_run`` intents per worker run.

    Returns (gas used, seconds, transactions) for all of them.
    """
    registry = dev.deployment.token(symbol).identity_registry
    worker = dev.worker(outbox)
    gas = transactions = 0
    start = time.perf_counter()
    for first in range(0, len(wallets), per_run):
        for wallet in wallets[first : first + per_run]:
            data = hashlib.sha256(wallet.encode()).digest()
            outbox.whitelist(dev.deployment.caip2, registry, wallet, 276, data)
        report = worker.run_once()
        gas += report.gas_used
        transactions += report.transactions
    seconds = time.perf_counter() - start
    for wallet in wallets:
        assert dev.client.is_verified(registry, wallet), wallet
    return gas, seconds, transactions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rpc-url", help="a JSON-RPC node (default: in-process py-evm)")
    parser.add_argument("--single", type=int, default=10, help="investors in the single runs")
    args = parser.parse_args(argv)
    w3 = connect(args.rpc_url) if args.rpc_url else None
    specs = [TokenSpec(f"Token {i}", f"TOK{i}") for i in range(6)]
    started = time.perf_counter()
    dev = start_dev_chain(specs, w3=w3)
    deploy_seconds = time.perf_counter() - started
    backend = args.rpc_url or "in-process py-evm (eth-tester)"
    print(f"chain: {backend}; suite + {len(specs)} tokens deployed in {deploy_seconds:.2f} s")

    def fresh(n: int) -> list[str]:
        return [Account.create().address for _ in range(n)]

    counter = RequestCounter(dev)
    rows: list[tuple[str, int, int, float, int, int]] = []
    with tempfile.TemporaryDirectory() as folder:
        outbox = outbox_at(Path(folder) / "outbox.sqlite")
        cases: list[tuple[str, str, str, Callable[[], list[str]], int]] = []
        single = fresh(args.single)
        batch10, batch50 = fresh(10), fresh(50)
        cases += [
            ("new identity, single", "TOK0", "", lambda: single, 1),
            ("reused identity, single", "TOK1", "", lambda: single, 1),
            ("new identity, batch 10", "TOK2", "", lambda: batch10, 10),
            ("reused identity, batch 10", "TOK3", "", lambda: batch10, 10),
            ("new identity, batch 50", "TOK4", "", lambda: batch50, 50),
            ("reused identity, batch 50", "TOK5", "", lambda: batch50, 50),
        ]
        for label, symbol, _, wallets, per_run in cases:
            chosen = wallets()
            before = counter.count
            gas, seconds, transactions = onboard(dev, outbox, symbol, chosen, per_run)
            requests = counter.count - before - len(chosen)  # minus the final isVerified checks
            rows.append((label, len(chosen), gas, seconds, transactions, requests))
        by_kind: dict[str, list[int]] = defaultdict(list)
        for record in outbox.transactions(dev.deployment.caip2):
            by_kind[record.kind].append(record.gas_used or 0)

    print()
    header = f"{'case':28} {'investors':>9} {'txs':>5} {'gas/investor':>13} {'ms/investor':>12}"
    print(header + f" {'rpc/investor':>13}")
    for label, count, gas, seconds, transactions, requests in rows:
        print(
            f"{label:28} {count:>9} {transactions:>5} {gas // count:>13,} "
            f"{1000 * seconds / count:>12.1f} {requests / count:>13.1f}"
        )
    print()
    print("gas per transaction kind (mean, min-max):")
    for kind, values in sorted(by_kind.items()):
        mean = sum(values) // len(values)
        print(f"  {kind:16} {mean:>10,}  ({min(values):,}-{max(values):,}, n={len(values)})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
