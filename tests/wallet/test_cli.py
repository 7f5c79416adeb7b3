"""``kyc-wallet wallet`` binds the investor's wallet to loopback unless told
otherwise (SECURITY.md "Wallet": the wallet binds its UI to 127.0.0.1)."""

from __future__ import annotations

import pytest

from wallet.cli import check_bind_address


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_addresses_are_accepted(host: str) -> None:
    check_bind_address(host, allow_remote=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::", "wallet.example"])
def test_other_addresses_are_refused_without_the_explicit_flag(host: str) -> None:
    with pytest.raises(SystemExit, match="refusing to bind the wallet"):
        check_bind_address(host, allow_remote=False)
    check_bind_address(host, allow_remote=True)
