"""Ethereum accounts of the investor: create one or import a private key,
rename it, remove it.

Stored encrypted in the vault (kind ``eth_account``); shown as EIP-55
checksummed addresses. The private key never leaves the wallet: it only
signs EIP-4361 address proofs. Removing an account deletes its private key
from the wallet (a backup made before still holds it).
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_account import Account
from eth_utils.address import to_checksum_address

from ssi.errors import InvalidRequest

from .vault import Vault, VaultItem

__all__ = [
    "EthAccount",
    "MAX_LABEL_LENGTH",
    "account_key",
    "create_account",
    "find_account",
    "import_account",
    "list_accounts",
    "remove_account",
    "rename_account",
]

KIND = "eth_account"
MAX_LABEL_LENGTH = 80


@dataclass(frozen=True)
class EthAccount:
    item_id: str
    address: str
    label: str


def _clean_label(raw: str) -> str:
    """An account's name: printable, spaces collapsed, at most 80 characters."""
    label = " ".join((raw or "").split())
    if len(label) > MAX_LABEL_LENGTH or not label.isprintable():
        raise InvalidRequest(f"a name is at most {MAX_LABEL_LENGTH} printable characters")
    return label


def _default_label(address: str) -> str:
    return f"Account {address[:8]}"


def _store(vault: Vault, private_key: bytes, label: str) -> EthAccount:
    account = Account.from_key(private_key)
    address = to_checksum_address(account.address)
    if any(a.address == address for a in list_accounts(vault)):
        raise InvalidRequest(f"{address} is already in this wallet")
    label = _clean_label(label) or _default_label(address)
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


def _item(vault: Vault, item_id: str) -> VaultItem:
    try:
        return vault.get(item_id, KIND)
    except InvalidRequest as exc:
        raise InvalidRequest(
            "this address is not in this wallet (it may have been removed)"
        ) from exc


def find_account(vault: Vault, item_id: str) -> EthAccount:
    item = _item(vault, item_id)
    return EthAccount(item.id, item.data["address"], item.data["label"])


def rename_account(vault: Vault, item_id: str, label: str) -> EthAccount:
    """Give an account another name (an empty name gives back the default one)."""
    item = _item(vault, item_id)
    address = item.data["address"]
    new = _clean_label(label) or _default_label(address)
    vault.put(KIND, {**item.data, "label": new}, item.id)
    return EthAccount(item.id, address, new)


def remove_account(vault: Vault, item_id: str) -> EthAccount:
    """Delete an account and its private key from the wallet."""
    account = find_account(vault, item_id)
    vault.delete(account.item_id)
    return account
