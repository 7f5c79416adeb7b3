"""The verifier's handle on the in-process chain: the treasury, whitelisting
through the outbox, refused and accepted transfers, removal, and the restart
that redeploys the suite and replays the whitelist."""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account

from chain.devchain import TokenSpec
from chain.errors import TransactionReverted
from chain.platform import PlatformChain
from tests.outbox import outbox_at

SPEC = TokenSpec("Solar Plant 7 Revenue Token", "SP7")


def test_transfer_refused_before_whitelisting_accepted_after_refused_after_removal(
    tmp_path: Path,
) -> None:
    platform = PlatformChain.start_dev(
        tmp_path / "chain", [SPEC], outbox_at(tmp_path / "verifier.sqlite")
    )
    token = platform.token("SP7")
    assert platform.is_verified(platform.treasury, token)
    platform.mint_to_treasury(token, 1_000)
    investor = Account.create().address
    with pytest.raises(TransactionReverted, match="reverted"):
        platform.transfer_from_treasury(token, investor, 10)
    intent = platform.whitelist(investor, token, 276, b"verification record")
    report = platform.process()
    assert report.done == [intent.id]
    assert platform.is_verified(investor, token)
    kinds = [t.kind for t in platform.transactions_of(platform.intent(investor, token))]
    assert kinds == ["create_identity", "add_claim", "register"]
    assert platform.transfer_from_treasury(token, investor, 10).startswith("0x")
    balances = {h.address: h.balance for h in platform.holders(token, [investor])}
    assert balances == {investor: 10}
    platform.remove(investor, token)
    platform.process()
    assert not platform.is_verified(investor, token)
    with pytest.raises(TransactionReverted):
        platform.transfer_from_treasury(token, investor, 10)


def test_restart_redeploys_and_replays_the_whitelist(tmp_path: Path) -> None:
    first = PlatformChain.start_dev(
        tmp_path / "chain", [SPEC], outbox_at(tmp_path / "verifier.sqlite")
    )
    assert not first.redeployed
    token = first.token("SP7")
    investor = Account.create().address
    first.whitelist(investor, token, 276, b"record")
    first.process()
    again = PlatformChain.start_dev(tmp_path / "chain", [], outbox_at(tmp_path / "verifier.sqlite"))
    assert again.redeployed
    assert again.token("SP7") == token  # same keys, same addresses
    assert again.is_verified(investor, token)
    assert again.is_verified(again.treasury, token)


def test_key_files_are_private(tmp_path: Path) -> None:
    PlatformChain.start_dev(tmp_path / "chain", [SPEC], outbox_at(tmp_path / "verifier.sqlite"))
    for name in ("owner.key", "claim-signer.key", "treasury.key"):
        assert (tmp_path / "chain" / name).stat().st_mode & 0o777 == 0o600
