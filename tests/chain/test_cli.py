"""``kyc-wallet chain deploy`` / ``status`` against a Hardhat node."""

from __future__ import annotations

import hashlib
import socket
from pathlib import Path

import pytest
from eth_account import Account

from chain.backend import connect
from chain.deploy import check_deployment, contract
from chain.deployment import Deployment
from kyc_wallet.cli import main
from tests.outbox import outbox_at


def test_deploy_writes_a_deployment_file_the_verifier_can_use(
    hardhat_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, key = tmp_path / "deployment.json", tmp_path / "owner.key"
    base = ["chain", "deploy", "--rpc-url", hardhat_url, "--key-file", str(key), "--out", str(out)]
    assert (
        main(
            [
                *base,
                "--dev-fund",
                "--name",
                "Solar Plant",
                "--symbol",
                "SOLAR",
                "--countries",
                "276,250",
            ]
        )
        == 0
    )
    assert (key.stat().st_mode & 0o777) == 0o600
    first = Deployment.load(out)
    assert (
        main([*base, "--name", "Bond", "--symbol", "BOND"]) == 0
    )  # the same suite, a second token
    deployment = Deployment.load(out)
    assert deployment.suite == first.suite
    assert [t.symbol for t in deployment.tokens] == ["SOLAR", "BOND"]
    assert deployment.token("SOLAR").allowed_countries == [250, 276]
    w3 = connect(hardhat_url)
    check_deployment(w3, deployment)
    assert contract(w3, "Token", deployment.token("BOND").token).functions.symbol().call() == "BOND"

    # the verifier's side: commit an intent; `work` sends it; `status` shows the result
    outbox = outbox_at(tmp_path / "outbox.sqlite")
    investor = Account.create().address
    registry = deployment.token("SOLAR").identity_registry
    outbox.whitelist(deployment.caip2, registry, investor, 276, hashlib.sha256(b"r").digest())
    work = ["chain", "work", "--rpc-url", hardhat_url, "--deployment", str(out)]
    work += ["--outbox", str(tmp_path / "outbox.sqlite"), "--key-file", str(key)]
    work += ["--claim-key-file", str(tmp_path / "claim-signer.key"), "--reconcile"]
    capsys.readouterr()
    assert main(work) == 0
    assert "worker: 1 done, 0 failed, 3 transactions" in capsys.readouterr().out
    status = ["chain", "status", "--rpc-url", hardhat_url, "--deployment", str(out)]
    assert main([*status, "--token", "SOLAR", "--address", investor]) == 0
    printed = capsys.readouterr().out
    assert "verified:   True" in printed and "country:    276" in printed


def test_deploy_refuses_a_country_that_is_not_iso_numeric(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["chain", "deploy", "--rpc-url", "http://127.0.0.1:1", "--name", "X", "--symbol", "X"]
    with pytest.raises(SystemExit) as info:
        main(
            [
                *args,
                "--key-file",
                str(tmp_path / "k"),
                "--out",
                str(tmp_path / "d.json"),
                "--countries",
                "DE",
            ]
        )
    assert info.value.code == 2
    assert "ISO 3166-1 numeric" in capsys.readouterr().err


def test_deploy_to_a_node_that_is_down_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = [
        "chain",
        "deploy",
        "--rpc-url",
        f"http://127.0.0.1:{port}",
        "--name",
        "X",
        "--symbol",
        "X",
    ]
    assert main([*args, "--key-file", str(tmp_path / "k"), "--out", str(tmp_path / "d.json")]) == 1
    assert "node is unreachable" in capsys.readouterr().err
    assert not (tmp_path / "d.json").exists()
