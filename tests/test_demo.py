"""``kyc-wallet demo`` starts the three apps as separate processes on 127.0.0.1
(the verifier with T-REX on its in-process chain), seeds an applicant,
prints what to do and every secret the steps use, keeps the servers' output
in log files, stops cleanly, and resumes with the same data once a wallet
exists (the chain redeployed); ``--walkthrough`` runs the whole journey and
exits 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import free_port
from wallet.kdf import KdfParams
from wallet.vault import VaultStore


def _demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyc_wallet.cli", "demo", *args],
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.slow
def test_demo_starts_prints_its_secrets_and_resumes_once_a_wallet_exists(tmp_path: Path) -> None:
    """Issue 20 items 11 and 12: the summary names both operator passwords and
    the API key files in one place and where the logs are; a second start
    after the investor created a wallet comes up (its probe was the wallet's
    ``/setup``, which then redirects)."""
    data = tmp_path / "demo"
    ports = [str(free_port()) for _ in range(3)]
    args = [
        "--check",
        "--data-dir",
        str(data),
        "--issuer-port",
        ports[0],
        "--wallet-port",
        ports[1],
        "--verifier-port",
        ports[2],
    ]
    first = _demo(*args)
    assert first.returncode == 0, first.stdout + first.stderr
    assert f"creating data in {data}" in first.stdout
    assert f"http://127.0.0.1:{ports[0]}/operator/" in first.stdout
    assert f"http://127.0.0.1:{ports[1]}/offer?credential_offer_uri=" in first.stdout
    assert f"http://127.0.0.1:{ports[2]}/tokens/SP7" in first.stdout
    for path in (
        "issuer/issuer.sqlite",
        "issuer/chain.pem",
        "wallet/wallet.sqlite",
        "verifier/verifier.sqlite",
        "verifier/chain/deployment.json",
        "ca/ca.pem",
    ):
        assert (data / path).exists(), path
    secrets = first.stdout.split("Secrets (kept in", 1)[1].split("First steps", 1)[0]
    issuer_password = (data / "issuer/operator_password").read_text().strip()
    verifier_password = (data / "verifier/operator_password").read_text().strip()
    assert f"issuer operator password:     {issuer_password}" in secrets
    assert f"platform operator password:   {verifier_password}" in secrets
    assert f"issuer API key (file):        {data / 'issuer-api-key'}" in secrets
    assert f"platform API key (file):      {data / 'verifier-api-key'}" in secrets
    assert f"warnings and request logs: {data / 'logs'}" in secrets
    # the servers' output is in the log files, not among the steps
    assert "development server" not in first.stdout + first.stderr
    assert "development server" in (data / "logs/wallet.log").read_text()
    assert "/readyz" not in first.stdout
    assert '"POST /api/v1/offers 201"' in (data / "logs/issuer.log").read_text()
    # the investor creates a wallet: from now on the wallet's /setup redirects
    VaultStore(str(data / "wallet/wallet.sqlite"), kdf=KdfParams(1, 8192)).create(
        "a long demo passphrase"
    )
    key = (data / "issuer/issuer_key.pem").read_bytes()
    deployment = (data / "verifier/chain/deployment.json").read_text()
    second = _demo(*args)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"resuming with data in {data}" in second.stdout
    assert "T-REX is redeployed at the same addresses" in second.stdout
    assert f"issuer operator password:     {issuer_password}" in second.stdout
    assert (data / "issuer/issuer_key.pem").read_bytes() == key
    assert (data / "verifier/chain/deployment.json").read_text() == deployment


@pytest.mark.slow
def test_walkthrough_runs_the_whole_journey() -> None:
    result = _demo("--walkthrough")
    assert result.returncode == 0, result.stdout + result.stderr
    for step in (
        "offer created",
        "credential received",
        "refused by the token",
        "request shown in the wallet",
        "claims disclosed",
        "presentation verified",
        "address whitelisted on the token's identity registry: create_identity 0x",
        "now succeeds (transaction 0x",
        "W3C over-18 credential (VC-JWT) whole, and it is verified",
        "revokes the credential",
        "address removed from the registry",
        "walkthrough complete",
    ):
        assert step in result.stdout, step
