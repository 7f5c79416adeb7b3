"""The wallet's encrypted vault: passphrase, lock, idle lock, backup, and the
plaintext scan of SECURITY.md "Wallet"."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from nacl import pwhash

from ssi.errors import InvalidRequest
from ssi.jose import Key
from tests.support import assert_no_plaintext
from wallet.vault import KdfParams, Vault, VaultLocked, WrongPassphrase

# the lowest cost libsodium allows: the tests exercise the same code paths fast
FAST = KdfParams(pwhash.argon2id.OPSLIMIT_MIN, pwhash.argon2id.MEMLIMIT_MIN)
PASS = "correct horse battery staple"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def vault(tmp_path: Path, clock: Clock) -> Vault:
    v = Vault(str(tmp_path / "wallet.sqlite"), kdf=FAST, idle_timeout=600, clock=clock)
    v.create(PASS)
    return v


def test_items_round_trip_after_lock_and_unlock(vault: Vault) -> None:
    item_id = vault.put("credential", {"given_name": "Erika"})
    vault.lock()
    with pytest.raises(VaultLocked):
        vault.get(item_id)
    vault.unlock(PASS)
    assert vault.get(item_id, "credential").data == {"given_name": "Erika"}


def test_wrong_passphrase_refused(vault: Vault) -> None:
    vault.lock()
    with pytest.raises(WrongPassphrase):
        vault.unlock("not the passphrase at all")
    assert not vault.unlocked


def test_short_passphrase_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest, match="at least"):
        Vault(str(tmp_path / "w.sqlite"), kdf=FAST).create("short")


def test_second_create_refused(vault: Vault) -> None:
    with pytest.raises(InvalidRequest, match="already"):
        vault.create("another long passphrase")


def test_idle_vault_locks_itself(vault: Vault, clock: Clock) -> None:
    item_id = vault.put("credential", {"a": 1})
    clock.now += 599
    assert vault.get(item_id).data == {"a": 1}  # use resets the idle timer
    clock.now += 601
    assert not vault.unlocked
    with pytest.raises(VaultLocked):
        vault.get(item_id)


def test_change_passphrase_keeps_items_and_refuses_the_old_one(vault: Vault) -> None:
    item_id = vault.put("credential", {"a": 1})
    new = "an entirely new passphrase"
    with pytest.raises(WrongPassphrase):
        vault.change_passphrase("wrong old passphrase", new)
    vault.change_passphrase(PASS, new)
    vault.lock()
    with pytest.raises(WrongPassphrase):
        vault.unlock(PASS)
    vault.unlock(new)
    assert vault.get(item_id).data == {"a": 1}


def test_backup_restores_into_a_new_wallet_with_the_passphrase(
    vault: Vault, tmp_path: Path, clock: Clock
) -> None:
    ids = vault.put_many([("credential", {"n": 1}), ("holder_key", {"jwk": {"d": "x"}})])
    with pytest.raises(WrongPassphrase):
        vault.export_backup("wrong passphrase here")
    backup = vault.export_backup(PASS)
    assert b'"n"' not in backup and b"holder_key" not in backup
    other = Vault(str(tmp_path / "other.sqlite"), kdf=FAST, clock=clock)
    other.create("the other wallet's passphrase")
    with pytest.raises(WrongPassphrase):
        other.restore_backup(backup, "the other wallet's passphrase")
    assert other.restore_backup(backup, PASS) == 2
    assert other.get(ids[0]).data == {"n": 1}
    assert other.get(ids[1], "holder_key").data == {"jwk": {"d": "x"}}


@pytest.mark.parametrize(
    "backup",
    [b"[" * 200_000 + b"]" * 200_000, b'{"format": 1, "format": "kyc-wallet-backup"}'],
    ids=["nested-200k-deep", "duplicate-member"],
)
def test_a_hostile_backup_file_is_refused_not_parsed(vault: Vault, backup: bytes) -> None:
    """Depth-capped, strict JSON: 200,000 nested arrays crashed the process
    when py_ecc (loaded for the chain) had raised the recursion limit."""
    with pytest.raises(InvalidRequest, match="not a kyc-wallet backup"):
        vault.restore_backup(backup, PASS)


def test_not_a_backup_refused(vault: Vault) -> None:
    with pytest.raises(InvalidRequest, match="not a kyc-wallet backup"):
        vault.restore_backup(b"{}", PASS)


def test_database_files_hold_no_claim_value_and_no_private_key(
    vault: Vault, tmp_path: Path
) -> None:
    """SECURITY.md "Wallet": the SQLite file and its -wal/-shm hold no plaintext."""
    key = Key.generate("ES256")
    secrets_to_find = [
        "Erika",
        "Mustermann",
        "1963-08-12",
        "Heidestrasse 17",
        key.private_jwk()["d"],
    ]
    vault.put(
        "credential",
        {
            "given_name": "Erika",
            "family_name": "Mustermann",
            "birthdate": "1963-08-12",
            "street_address": "Heidestrasse 17",
        },
    )
    vault.put("holder_key", {"jwk": key.private_jwk()})
    # keep the WAL: a second connection reads while the vault's is still open
    assert (tmp_path / "wallet.sqlite-wal").exists()
    assert_no_plaintext(tmp_path, secrets_to_find)
    rows = sqlite3.connect(tmp_path / "wallet.sqlite").execute("SELECT kind FROM items").fetchall()
    assert sorted(r[0] for r in rows) == ["credential", "holder_key"]
