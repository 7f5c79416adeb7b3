"""The address last used with each platform (issue 20 item 4): the consent
screen preselects it the next time the same platform asks.

Kept in the vault, encrypted like every item, one item per platform, keyed by
the platform's identity (:attr:`wallet.verifier_identity.VerifierIdentity.key`:
its trust anchor, organisation and DNS names, so a renewed certificate is the
same platform, and another platform on the same host is not). The item id is
derived from that key, so a later use replaces the earlier one.
"""

from __future__ import annotations

import hashlib

from .accounts import EthAccount
from .vault import Vault

__all__ = ["PLATFORM_ADDRESS_KIND", "default_address", "last_address", "remember_address"]

PLATFORM_ADDRESS_KIND = "platform_address"


def _item_id(platform: str) -> str:
    return "platform-" + hashlib.sha256(platform.encode()).hexdigest()[:32]


def remember_address(vault: Vault, platform: str, address: str, now: int) -> None:
    """Remember that ``address`` was the one used with ``platform``."""
    vault.put(
        PLATFORM_ADDRESS_KIND,
        {"platform": platform, "address": address, "at": now},
        _item_id(platform),
    )


def last_address(vault: Vault, platform: str) -> str | None:
    """The address last used with ``platform``, if any."""
    for item in vault.items(PLATFORM_ADDRESS_KIND):
        if item.id == _item_id(platform) and item.data.get("platform") == platform:
            address = item.data.get("address")
            return address if isinstance(address, str) else None
    return None


def default_address(vault: Vault, platform: str, accounts: list[EthAccount]) -> str | None:
    """The address to preselect for ``platform``: the one last used with it, if
    the wallet still holds it."""
    last = last_address(vault, platform)
    if last is None:
        return None
    return next((a.address for a in accounts if a.address.lower() == last.lower()), None)
