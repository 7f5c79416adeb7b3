"""The two backends: the in-process py-evm chain and any EVM node by JSON-RPC URL.

ARCHITECTURE.md, "The chain in each setting": tests and the demo run an
in-process EVM (eth-tester over py-evm) inside the verifier's process; it
starts empty, so the verifier deploys the suite and the reconciler replays the
intended whitelist. In production the chain is any JSON-RPC node, chosen by
configuration only.
"""

from __future__ import annotations

from web3 import HTTPProvider, Web3
from web3.providers.eth_tester import EthereumTesterProvider
from web3.types import Wei

from chain.errors import ChainError, chain_errors

__all__ = ["in_process", "connect", "fund", "DEV_FUNDING"]

DEV_FUNDING = 10**21  # 1,000 ether on a development chain


def in_process() -> Web3:
    """A fresh, empty in-process chain (eth-tester, py-evm) with 10 unlocked, funded accounts."""
    return Web3(EthereumTesterProvider())


def connect(rpc_url: str | None, *, timeout: float = 10.0) -> Web3:
    """``rpc_url`` (``http(s)://…``) as a :class:`Web3`, or the in-process chain when ``None``.

    Connecting does not contact the node: a node that is down shows up as
    :class:`chain.errors.ChainUnavailable` at the first request.
    """
    if rpc_url is None:
        return in_process()
    if not rpc_url.startswith(("http://", "https://")):
        raise ChainError(f"unsupported RPC URL {rpc_url!r}: use http:// or https://")
    # cache_allowed_requests: eth_chainId (asked before every eth_call and
    # transaction by web3's validation) is read once per connection
    provider = HTTPProvider(
        rpc_url,
        request_kwargs={"timeout": timeout},
        exception_retry_configuration=None,
        cache_allowed_requests=True,
    )
    return Web3(provider)


def fund(w3: Web3, address: str, value: int = DEV_FUNDING) -> None:
    """Send ``value`` wei to ``address`` from the node's first unlocked account.

    Only development chains (eth-tester, Hardhat, anvil) unlock accounts; a real
    node answers with no account and this raises :class:`ChainError`.
    """
    with chain_errors(f"funding {address}"):
        accounts = w3.eth.accounts
        if not accounts:
            raise ChainError("the node has no unlocked account to fund from: fund the key yourself")
        tx_hash = w3.eth.send_transaction(
            {
                "from": accounts[0],
                "to": Web3.to_checksum_address(address),
                "value": Wei(value),
                "gas": 21_000,
            }
        )
        w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30, poll_latency=0.05)
