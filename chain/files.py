"""The chain side's private files (issue 19 item 10; SECURITY.md "Data at
rest"): the agent's and the claim signer's keys (they register identities on
a token's registry), the outbox database (each investor's address, country
and transactions) and the development chain's folder.

The rules are the apps' (``kyc_wallet.web.config.read_private_file``,
``kyc_wallet.web.storage.private_database_file``), which ``chain`` cannot
import (ARCHITECTURE.md "Direction of imports"): folders 0700, files 0600,
and a key file that other users may read or write is refused, as OpenSSH does.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ChainError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount

__all__ = ["KeyFileExposed", "load_account", "private_folder"]


class KeyFileExposed(ChainError):
    """A private key file that users other than its owner may read or write."""

    error = "invalid_request"
    status = 500


def private_folder(path: Path) -> None:
    """Create ``path`` with mode 0700, or narrow an existing one to 0700."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


def load_account(path: Path, *, create: bool) -> LocalAccount:
    """The Ethereum key in ``path`` (hex), or, with ``create``, a new one written
    there (mode 0600, never over an existing file). Refused
    (:class:`KeyFileExposed`) when other users may read or write the file."""
    from eth_account import Account

    if create and not path.exists():
        account: LocalAccount = Account.create()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(bytes(account.key).hex() + "\n")
        return account
    mode = path.stat().st_mode
    if mode & 0o077:
        raise KeyFileExposed(
            f"{path} holds a private key and other users can read it "
            f"(mode {oct(stat.S_IMODE(mode))[2:]}): chmod 600 {path}"
        )
    loaded: LocalAccount = Account.from_key(path.read_text(encoding="utf-8").strip())
    return loaded
