"""``kyc-wallet demo`` starts the apps as separate processes on 127.0.0.1,
seeds an applicant, prints what to do, stops cleanly, and resumes with the
same data on a second start."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _demo(data: Path, issuer: int, wallet: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "kyc_wallet.cli",
            "demo",
            "--check",
            "--data-dir",
            str(data),
            "--issuer-port",
            str(issuer),
            "--wallet-port",
            str(wallet),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_demo_starts_seeds_prints_and_resumes(tmp_path: Path) -> None:
    data = tmp_path / "demo"
    issuer, wallet = _free_port(), _free_port()
    first = _demo(data, issuer, wallet)
    assert first.returncode == 0, first.stderr
    assert f"creating data in {data}" in first.stdout
    assert f"http://127.0.0.1:{issuer}/operator/" in first.stdout
    assert f"http://127.0.0.1:{wallet}/offer?credential_offer_uri=" in first.stdout
    assert "enter the PIN" in first.stdout
    for path in ("issuer/issuer.sqlite", "issuer/issuer_key.pem", "wallet/wallet.sqlite"):
        assert (data / path).exists(), path
    key = (data / "issuer/issuer_key.pem").read_bytes()
    second = _demo(data, issuer, wallet)
    assert second.returncode == 0, second.stderr
    assert f"resuming with data in {data}" in second.stdout
    assert (data / "issuer/issuer_key.pem").read_bytes() == key
