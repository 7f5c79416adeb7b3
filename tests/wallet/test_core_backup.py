"""Issue 21 item 1, backup: the wallet's core makes an encrypted backup and
restores it into another wallet, with no Flask app, no request and no cookie;
the credentials come from the real issuer on 127.0.0.1. Only a session that
unlocked the vault does either; the backup needs the passphrase again; a
wrong passphrase or a forged item restores nothing (issue 18)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ssi.fetch import Fetcher, FetchPolicy
from tests.support import RunningIssuer, assert_no_plaintext, start_issuer
from tests.wallet.core_support import PASS, core_context
from tests.wallet.test_backup_restore import edit_backup, edited_claims, signed_by_another_key
from wallet.accounts import create_account
from wallet.backup import BackupRefused
from wallet.core import WalletContext
from wallet.core.backup import MakeBackup, RestoreBackup, make_backup, restore
from wallet.core.receive import AcceptOffer, OpenOffer, accept_offer, open_offer
from wallet.sessions import VaultLocked
from wallet.vault import WrongPassphrase


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    yield from start_issuer(tmp_path / "issuer", fetcher, W3C_OFFER=["kyc_age_jwt_vc_json"])


@pytest.fixture
def holder(tmp_path: Path, issuer: RunningIssuer) -> tuple[WalletContext, str]:
    """A wallet holding the credentials of one offer and an address, and its session."""
    context = core_context(tmp_path / "old", issuer.clock)
    session = context.vaults.create(PASS)
    offer = issuer.create_offer()
    now = issuer.clock()
    pending = open_offer(context, OpenOffer(session, offer["link"]), now)
    accept_offer(context, AcceptOffer(session, pending.id, offer["tx_code"]), now)
    create_account(context.vault(session), "main")
    return context, session


@pytest.fixture
def new_wallet(tmp_path: Path, issuer: RunningIssuer) -> tuple[WalletContext, str]:
    context = core_context(tmp_path / "new", issuer.clock)
    return context, context.vaults.create("another long passphrase")


def test_core_backup_and_restore_into_another_wallet(
    tmp_path: Path,
    issuer: RunningIssuer,
    holder: tuple[WalletContext, str],
    new_wallet: tuple[WalletContext, str],
) -> None:
    old, session = holder
    now = issuer.clock()
    backup = make_backup(old, MakeBackup(session, PASS), now)
    day = dt.datetime.fromtimestamp(now, dt.UTC).date().isoformat()
    assert backup.filename == f"kyc-wallet-backup-{day}.json"
    assert b"Erika" not in backup.content  # sealed
    new, new_session = new_wallet
    restored = restore(new, RestoreBackup(new_session, backup.content, PASS), now)
    everything = old.vault(session).everything()
    assert restored.count == len(everything) and restored.count >= 5  # 3 + W3C + account
    assert new.vault(new_session).everything() == everything
    formats = {i.data["format"] for i in new.vault(new_session).items("credential")}
    assert formats == {"dc+sd-jwt", "jwt_vc_json"}
    assert_no_plaintext(tmp_path / "new", ("Erika", "Mustermann", "1990-08-12"))


def test_core_backup_needs_the_passphrase_and_an_unlocked_session(
    issuer: RunningIssuer, holder: tuple[WalletContext, str]
) -> None:
    context, session = holder
    now = issuer.clock()
    with pytest.raises(WrongPassphrase):
        make_backup(context, MakeBackup(session, "not the passphrase"), now)
    for nobody in (None, "a-handle-nobody-unlocked"):
        with pytest.raises(VaultLocked):
            make_backup(context, MakeBackup(nobody, PASS), now)
    context.vaults.lock(session)
    with pytest.raises(VaultLocked):
        make_backup(context, MakeBackup(session, PASS), now)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (edited_claims, "its claims are not those the credential holds"),
        (signed_by_another_key, "signature does not verify"),
    ],
    ids=["edited-claims", "forger-key"],
)
def test_core_restore_refuses_a_forged_backup_whole(
    issuer: RunningIssuer,
    holder: tuple[WalletContext, str],
    new_wallet: tuple[WalletContext, str],
    change: Callable[[list[dict[str, Any]]], None],
    reason: str,
) -> None:
    old, session = holder
    now = issuer.clock()
    forged = edit_backup(make_backup(old, MakeBackup(session, PASS), now).content, change)
    new, new_session = new_wallet
    with pytest.raises(BackupRefused, match=reason) as refused:
        restore(new, RestoreBackup(new_session, forged, PASS), now)
    assert "nothing was restored" in refused.value.description
    assert new.vault(new_session).everything() == []


def test_core_restore_a_wrong_passphrase_or_a_locked_session_restores_nothing(
    issuer: RunningIssuer, holder: tuple[WalletContext, str], new_wallet: tuple[WalletContext, str]
) -> None:
    old, session = holder
    now = issuer.clock()
    content = make_backup(old, MakeBackup(session, PASS), now).content
    new, new_session = new_wallet
    with pytest.raises(WrongPassphrase):
        restore(new, RestoreBackup(new_session, content, "not the passphrase"), now)
    for nobody in (None, session):  # the old wallet's session unlocked another vault
        with pytest.raises(VaultLocked):
            restore(new, RestoreBackup(nobody, content, PASS), now)
    assert new.vault(new_session).everything() == []
