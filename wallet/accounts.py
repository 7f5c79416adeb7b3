"""Ethereum accounts of the investor: create one or import a private key.

Stored encrypted in the vault (kind ``eth_account``); shown as EIP-55
checksummed addresses. The private key never leaves the wallet: it only
signs EIP-4361 address proofs.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_utils.address import to_checksum_address

from ssi.errors import InvalidRequest

from .vault import Vault

__all__ = ["EthAccount", "create_account", "import_account", "list_accounts", "account_key"]

KIND = "eth_account"


@dataclass(frozen=True)
class EthAccount:
    item_id: str
    address: str
    label: str


def _store(vault: Vault, private_key: bytes, label: str) -> EthAccount:
    account = Account.from_key(private_key)
    address = to_checksum_address(account.address)
    if any(a.address == address for a in list_accounts(vault)):
        raise InvalidRequest(f"{address} is already in this wallet")
    label = (label or "").strip()[:80] or f"Account {address[:8]}"
    item_id = vault.put(KIND, {"address": address, "label": label, "key": private_key.hex()})
    return EthAccount(item_id, address, label)


def create_account(vault: Vault, label: str = "") -> EthAccount:
    return _store(vault, bytes(Account.create().key), label)


def import_account(vault: Vault, private_key_hex: str, label: str = "") -> EthAccount:
    text = (private_key_hex or "").strip().lower().removeprefix("0x")
    try:
        key = bytes.fromhex(text)
    except ValueError as exc:
        raise InvalidRequest("a private key is 64 hexadecimal characters") from exc
    if len(key) != 32:
        raise InvalidRequest("a private key is 64 hexadecimal characters")
    try:
        Account.from_key(key)
    except ValueError as exc:
        raise InvalidRequest("this is not a valid secp256k1 private key") from exc
    return _store(vault, key, label)


def list_accounts(vault: Vault) -> list[EthAccount]:
    return [EthAccount(i.id, i.data["address"], i.data["label"]) for i in vault.items(KIND)]


def account_key(vault: Vault, address: str) -> bytes:
    """The private key of ``address`` (for signing inside the wallet only)."""
    for item in vault.items(KIND):
        if item.data["address"] == address:
            return bytes.fromhex(item.data["key"])
    raise InvalidRequest(f"{address} is not an account of this wallet")
