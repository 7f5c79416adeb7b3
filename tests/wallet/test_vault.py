"""The wallet's encrypted vault: passphrase, per-session unlock, lock, idle and
absolute timeouts, backup, and the plaintext scan of SECURITY.md "Wallet"."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from nacl import pwhash
from nacl.secret import SecretBox

from ssi.errors import InvalidRequest
from ssi.jose import Key
from tests.support import assert_no_plaintext
from wallet.backup import BackupRefused, export_backup, restore_backup
from wallet.trust import CredentialChecker
from wallet.vault import KdfParams, VaultLocked, VaultStore, WrongPassphrase

# the lowest cost libsodium allows: the tests exercise the same code paths fast
FAST = KdfParams(pwhash.argon2id.OPSLIMIT_MIN, pwhash.argon2id.MEMLIMIT_MIN)
PASS = "correct horse battery staple"
ACCOUNT = {  # the key 0x4c08… and its EIP-55 address
    "address": "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23",
    "label": "main",
    "key": "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318",
}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def new_store(path: Path, clock: Clock) -> VaultStore:
    return VaultStore(str(path), kdf=FAST, clock=clock, idle_timeout=600, absolute_timeout=3600)


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> VaultStore:
    return new_store(tmp_path / "wallet.sqlite", clock)


@pytest.fixture
def handle(store: VaultStore) -> str:
    return store.create(PASS)


def checker() -> CredentialChecker:
    """Nothing here is an SD-JWT VC: the checker is never asked to fetch."""
    from ssi.fetch import Fetcher, FetchPolicy

    return CredentialChecker(Fetcher(FetchPolicy()), Clock())


def test_items_round_trip_after_lock_and_unlock(store: VaultStore, handle: str) -> None:
    item_id = store.open(handle).put("credential", {"given_name": "Erika"})
    store.lock(handle)
    with pytest.raises(VaultLocked):
        store.open(handle)
    again = store.unlock(PASS)
    assert again != handle
    assert store.open(again).get(item_id, "credential").data == {"given_name": "Erika"}


def test_a_vault_opened_before_lock_is_locked_at_once(store: VaultStore, handle: str) -> None:
    vault = store.open(handle)
    item_id = vault.put("credential", {"a": 1})
    store.lock(handle)
    with pytest.raises(VaultLocked):
        vault.get(item_id)
    with pytest.raises(VaultLocked):
        vault.put("credential", {"b": 2})


def test_no_handle_or_a_made_up_one_opens_nothing(store: VaultStore, handle: str) -> None:
    for other in (None, "", handle + "x", "vault"):
        with pytest.raises(VaultLocked):
            store.open(other)


def test_wrong_passphrase_refused(store: VaultStore, handle: str) -> None:
    with pytest.raises(WrongPassphrase):
        store.unlock("not the passphrase at all")
    assert store.sessions.count() == 1  # only the creator's session


def test_short_passphrase_refused(tmp_path: Path, clock: Clock) -> None:
    with pytest.raises(InvalidRequest, match="at least"):
        new_store(tmp_path / "w.sqlite", clock).create("short")


def test_second_create_refused(store: VaultStore, handle: str) -> None:
    with pytest.raises(InvalidRequest, match="already"):
        store.create("another long passphrase")


def test_idle_session_locks_itself(store: VaultStore, handle: str, clock: Clock) -> None:
    vault = store.open(handle)
    item_id = vault.put("credential", {"a": 1})
    clock.now += 599
    assert vault.get(item_id).data == {"a": 1}  # use resets the idle timer
    clock.now += 601
    with pytest.raises(VaultLocked):
        vault.get(item_id)
    assert store.sessions.count() == 0


def test_session_ends_after_the_absolute_timeout(
    store: VaultStore, handle: str, clock: Clock
) -> None:
    vault = store.open(handle)
    item_id = vault.put("credential", {"a": 1})
    for _ in range(7):
        clock.now += 500
        vault.get(item_id)
    clock.now += 101  # 3,601 s after unlocking, never idle
    with pytest.raises(VaultLocked):
        vault.get(item_id)


def test_change_passphrase_keeps_items_refuses_the_old_one_and_locks_other_sessions(
    store: VaultStore, handle: str
) -> None:
    item_id = store.open(handle).put("credential", {"a": 1})
    other = store.unlock(PASS)
    new = "an entirely new passphrase"
    with pytest.raises(WrongPassphrase):
        store.change_passphrase(handle, "wrong old passphrase", new)
    with pytest.raises(VaultLocked):  # a session that is not unlocked cannot change it
        store.change_passphrase("made-up", PASS, new)
    store.change_passphrase(handle, PASS, new)
    with pytest.raises(VaultLocked):
        store.open(other)
    assert store.open(handle).get(item_id).data == {"a": 1}
    store.lock(handle)
    with pytest.raises(WrongPassphrase):
        store.unlock(PASS)
    assert store.open(store.unlock(new)).get(item_id).data == {"a": 1}


def test_backup_restores_into_a_new_wallet_with_the_passphrase(
    store: VaultStore, handle: str, tmp_path: Path, clock: Clock
) -> None:
    vault = store.open(handle)
    ids = vault.put_many([("eth_account", ACCOUNT), ("history", {"to": "platform"})])
    with pytest.raises(WrongPassphrase):
        export_backup(vault, "wrong passphrase here", FAST)
    backup = export_backup(vault, PASS, FAST)
    assert b"main" not in backup and b"eth_account" not in backup
    other_store = new_store(tmp_path / "other.sqlite", clock)
    other = other_store.open(other_store.create("the other wallet's passphrase"))
    with pytest.raises(WrongPassphrase):
        restore_backup(other, backup, "the other wallet's passphrase", checker(), clock.now)
    assert restore_backup(other, backup, PASS, checker(), clock.now).added == 2
    assert other.get(ids[0], "eth_account").data == ACCOUNT
    assert other.get(ids[1], "history").data == {"to": "platform"}


def seal_backup(items: list[dict[str, object]], ops: int, mem: int) -> bytes:
    """A backup made with the given Argon2id cost (as another program could)."""
    salt = b"\x01" * pwhash.argon2id.SALTBYTES
    key = pwhash.argon2id.kdf(32, PASS.encode(), salt, opslimit=ops, memlimit=mem)
    sealed = SecretBox(key).encrypt(json.dumps({"items": items}).encode())
    envelope = {
        "format": "kyc-wallet-backup",
        "version": 1,
        "kdf": {"alg": "argon2id", "opslimit": ops, "memlimit": mem, "salt": salt.hex()},
        "ciphertext": bytes(sealed).hex(),
    }
    return json.dumps(envelope).encode()


ITEM = {"id": "a1", "kind": "eth_account", "created_at": 1, "updated_at": 1, "data": ACCOUNT}


def test_backup_with_more_argon2id_passes_than_sensitive_is_refused(
    store: VaultStore, handle: str, clock: Clock
) -> None:
    """A real backup with 5 passes (libsodium's SENSITIVE is 4): refused."""
    backup = seal_backup([ITEM], 5, pwhash.argon2id.MEMLIMIT_MIN)
    with pytest.raises(BackupRefused, match="above what this wallet accepts"):
        restore_backup(store.open(handle), backup, PASS, checker(), clock.now)
    assert list(store.open(handle).items("eth_account")) == []


@pytest.mark.parametrize(
    ("ops", "mem"),
    [(2**32 - 1, pwhash.argon2id.MEMLIMIT_MIN), (1, 2**31), (4, (1 << 30) + 1024)],
    ids=["4-billion-passes", "2-GiB", "1-GiB-and-1-KiB"],
)
def test_backup_argon2id_limits_refused_before_any_derivation(
    store: VaultStore, handle: str, clock: Clock, ops: int, mem: int
) -> None:
    """Limits that would hold the process for hours or take gigabytes: refused
    from the envelope alone (these would not finish if derived)."""
    envelope = {
        "format": "kyc-wallet-backup",
        "version": 1,
        "kdf": {"alg": "argon2id", "opslimit": ops, "memlimit": mem, "salt": "00" * 16},
        "ciphertext": "00" * 64,
    }
    with pytest.raises(BackupRefused, match="above what this wallet accepts"):
        restore_backup(
            store.open(handle), json.dumps(envelope).encode(), PASS, checker(), clock.now
        )


def test_wallet_refuses_its_own_kdf_setting_above_sensitive(tmp_path: Path, clock: Clock) -> None:
    with pytest.raises(InvalidRequest, match="above what this wallet accepts"):
        VaultStore(str(tmp_path / "w.sqlite"), kdf=KdfParams(5, pwhash.argon2id.MEMLIMIT_MIN))


def test_a_vault_an_earlier_version_wrapped_at_a_higher_cost_still_unlocks(
    tmp_path: Path, clock: Clock
) -> None:
    """Earlier versions took any ``KDF_*`` setting: their owners are not locked out."""
    store = new_store(tmp_path / "wallet.sqlite", clock)
    salt = b"\x02" * pwhash.argon2id.SALTBYTES
    older = {"opslimit": 5, "memlimit": pwhash.argon2id.MEMLIMIT_MIN}
    key = pwhash.argon2id.kdf(
        32, PASS.encode(), salt, opslimit=older["opslimit"], memlimit=older["memlimit"]
    )
    rows = {
        "salt": salt,
        "kdf": json.dumps(older).encode(),
        "wrapped_key": bytes(SecretBox(key).encrypt(b"\x03" * 32)),
    }
    with store.store.transaction() as conn:
        conn.executemany("INSERT INTO vault_meta (name, value) VALUES (?, ?)", rows.items())
    handle = store.unlock(PASS)
    assert store.open(handle).put("credential", {"a": 1})


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({**ITEM, "kind": "something_else"}, "unknown kind"),
        ({**ITEM, "data": {**ACCOUNT, "address": "0x" + "11" * 20}}, "not the key of its address"),
        ({**ITEM, "created_at": "yesterday"}, "damaged"),
    ],
    ids=["unknown-kind", "key-of-another-address", "damaged"],
)
def test_a_backup_with_one_bad_item_is_refused_whole(
    store: VaultStore, handle: str, clock: Clock, item: dict[str, object], message: str
) -> None:
    good = {**ITEM, "id": "a0", "data": {**ACCOUNT, "label": "good"}}
    backup = seal_backup([good, item], pwhash.argon2id.OPSLIMIT_MIN, pwhash.argon2id.MEMLIMIT_MIN)
    with pytest.raises(BackupRefused, match=message) as refused:
        restore_backup(store.open(handle), backup, PASS, checker(), clock.now)
    assert "nothing was restored" in refused.value.description
    assert list(store.open(handle).items("eth_account")) == []


@pytest.mark.parametrize(
    "backup",
    [b"[" * 200_000 + b"]" * 200_000, b'{"format": 1, "format": "kyc-wallet-backup"}'],
    ids=["nested-200k-deep", "duplicate-member"],
)
def test_a_hostile_backup_file_is_refused_not_parsed(
    store: VaultStore, handle: str, clock: Clock, backup: bytes
) -> None:
    """Depth-capped, strict JSON: 200,000 nested arrays crashed the process
    when py_ecc (loaded for the chain) had raised the recursion limit."""
    with pytest.raises(InvalidRequest, match="not a kyc-wallet backup"):
        restore_backup(store.open(handle), backup, PASS, checker(), clock.now)


def test_not_a_backup_refused(store: VaultStore, handle: str, clock: Clock) -> None:
    with pytest.raises(InvalidRequest, match="not a kyc-wallet backup"):
        restore_backup(store.open(handle), b"{}", PASS, checker(), clock.now)


def test_database_files_hold_no_claim_value_and_no_private_key(
    store: VaultStore, handle: str, tmp_path: Path
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
    vault = store.open(handle)
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
