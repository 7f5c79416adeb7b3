"""Red-team review of issue 19 item 10 on the chain side: the agent's and the
claim signer's keys (they register identities on the token's registry) were
read from files any user could read, and the outbox database (each investor's
address, country and transactions) and the development chain's folder were
created open to every user. A key file others can read stops the command or
the start, as the apps' keys do; the outbox is 0600, the folder 0700.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from eth_account import Account

from chain.devchain import TokenSpec
from chain.errors import ChainError
from chain.platform import PlatformChain
from kyc_wallet.cli import main
from tests.outbox import outbox_at


def _key_file(path: Path, mode: int) -> Path:
    path.write_text(bytes(Account.create().key).hex() + "\n")
    path.chmod(mode)
    return path


@pytest.mark.parametrize("loose", ["--key-file", "--claim-key-file"])
def test_chain_work_key_file_others_can_read_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], loose: str
) -> None:
    keys = {
        "--key-file": _key_file(tmp_path / "agent.key", 0o600),
        "--claim-key-file": _key_file(tmp_path / "claim-signer.key", 0o600),
    }
    keys[loose].chmod(0o644)
    args = ["chain", "work", "--rpc-url", "http://127.0.0.1:1", "--deployment"]
    args += [str(tmp_path / "deployment.json"), "--outbox", str(tmp_path / "outbox.sqlite")]
    for option, path in keys.items():
        args += [option, str(path)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert f"{keys[loose]}" in err and "other users can read it" in err and "chmod 600" in err


def test_chain_deploy_key_file_others_can_read_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = _key_file(tmp_path / "owner.key", 0o640)
    args = ["chain", "deploy", "--rpc-url", "http://127.0.0.1:1", "--name", "X", "--symbol", "X"]
    assert main([*args, "--key-file", str(key), "--out", str(tmp_path / "d.json")]) == 1
    err = capsys.readouterr().err
    assert f"{key}" in err and "chmod 600" in err


def test_dev_chain_key_file_others_can_read_refused(tmp_path: Path) -> None:
    folder = tmp_path / "chain"
    folder.mkdir(mode=0o700)
    _key_file(folder / "owner.key", 0o644)
    with pytest.raises(ChainError, match=r"owner\.key.*other users can read it.*chmod 600"):
        PlatformChain.start_dev(
            folder, [TokenSpec("Solar Plant", "SOLAR")], outbox_at(tmp_path / "verifier.sqlite")
        )


def test_dev_chain_folder_and_outbox_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "chain"
    PlatformChain.start_dev(
        folder, [TokenSpec("Solar Plant", "SOLAR")], outbox_at(tmp_path / "verifier.sqlite")
    )
    assert folder.stat().st_mode & 0o777 == 0o700
    loose = {
        p.name: oct(p.stat().st_mode & 0o777)
        for p in folder.iterdir()
        if p.is_file() and p.stat().st_mode & 0o077
    }
    # the contracts' addresses, public on chain and meant to be handed to a verifier
    assert loose == {"deployment.json": "0o644"}


def test_outbox_database_files_are_private(tmp_path: Path) -> None:
    fresh = outbox_at(tmp_path / "outbox.sqlite")
    fresh.whitelist("eip155:1", "0x" + "11" * 20, "0x" + "22" * 20, 276, b"\x00" * 32)
    old = tmp_path / "old.sqlite"
    old.touch(mode=0o644)  # an outbox written by an earlier version
    outbox_at(old)
    modes = {p.name: oct(p.stat().st_mode & 0o777) for p in tmp_path.iterdir()}
    assert modes == {
        name: "0o600"
        for name in (
            "outbox.sqlite",
            "outbox.sqlite-wal",
            "outbox.sqlite-shm",
            "old.sqlite",
            "old.sqlite-wal",
            "old.sqlite-shm",
            ".outbox.sqlite.lock",  # the migration lock (the outbox is migrated with Alembic)
            ".old.sqlite.lock",
        )
    }
