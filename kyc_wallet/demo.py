"""``kyc-wallet demo``: the issuer and the wallet on 127.0.0.1, with a seeded
KYC applicant, under one data folder.

Each app runs as its own process (they talk only over HTTP, as in
production). The demo writes each app's configuration into its data folder,
turns on the development setting for plain HTTP on 127.0.0.1, seeds an
applicant through the issuer's REST API and prints what to do first. Ctrl-C
stops everything; a second start resumes with the same data.

The verifier and the on-chain whitelisting join the demo when they are built
(see the open issues); the demo says so.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ssi.errors import FetchError
from ssi.fetch import Fetcher, FetchPolicy

__all__ = ["add_arguments", "run", "DEMO_APPLICANT"]

DEMO_APPLICANT: dict[str, Any] = {
    "given_name": "Erika",
    "family_name": "Mustermann",
    "birthdate": "1990-08-12",
    "nationalities": ["DE"],
    "street_address": "Heidestrasse 17",
    "locality": "Koeln",
    "postal_code": "51147",
    "country": "DE",
    "kyc_level": 2,
    "kyc_method": "video_ident",
    "sanctions_screening_result": "clear",
    "sanctions_screening_date": "2026-11-01",
    "pep": False,
    "investor_classification": "professional",
    "investor_jurisdiction": "DE",
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default="demo-data", help="where the demo keeps everything")
    parser.add_argument("--issuer-port", type=int, default=5001)
    parser.add_argument("--wallet-port", type=int, default=5002)
    parser.add_argument(
        "--check", action="store_true", help="start, seed, print, then stop (used by the tests)"
    )


def _write_toml(path: Path, values: dict[str, Any]) -> None:
    lines = [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")


def _secret(path: Path) -> str:
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def _wait(fetcher: Fetcher, url: str, process: subprocess.Popen[bytes], name: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the {name} stopped while starting (exit {process.returncode})")
        try:
            fetcher.get(url)
            return
        except FetchError:
            time.sleep(0.2)
    raise SystemExit(f"the {name} did not answer at {url} within 30 s")


def run(args: argparse.Namespace) -> int:
    data = Path(args.data_dir).resolve()
    resumed = data.exists()
    issuer_dir, wallet_dir = data / "issuer", data / "wallet"
    for folder in (issuer_dir, wallet_dir):
        folder.mkdir(parents=True, exist_ok=True)
    issuer_url = f"http://127.0.0.1:{args.issuer_port}"
    wallet_url = f"http://127.0.0.1:{args.wallet_port}"
    api_key = _secret(data / "issuer-api-key")
    _write_toml(
        issuer_dir / "config.toml",
        {
            "ISSUER_URL": issuer_url,
            "WALLET_URL": wallet_url,
            "ISSUER_NAME": "Demo KYC Provider",
            "API_KEYS": [f"demo:{api_key}"],
            "DEV_ALLOW_HTTP_LOOPBACK": True,
        },
    )
    _write_toml(wallet_dir / "config.toml", {"DEV_ALLOW_HTTP_LOOPBACK": True})
    command = [sys.executable, "-m", "kyc_wallet.cli"]
    print(f"kyc-wallet demo: {'resuming with' if resumed else 'creating'} data in {data}")
    processes = {
        "issuer": subprocess.Popen(
            [
                *command,
                "issuer",
                "--port",
                str(args.issuer_port),
                "--data-dir",
                str(issuer_dir),
                "--config",
                str(issuer_dir / "config.toml"),
            ],
        ),
        "wallet": subprocess.Popen(
            [
                *command,
                "wallet",
                "--port",
                str(args.wallet_port),
                "--data-dir",
                str(wallet_dir),
                "--config",
                str(wallet_dir / "config.toml"),
            ],
        ),
    }
    try:
        fetcher = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=10))
        _wait(
            fetcher,
            f"{issuer_url}/.well-known/openid-credential-issuer",
            processes["issuer"],
            "issuer",
        )
        _wait(fetcher, f"{wallet_url}/setup", processes["wallet"], "wallet")
        offer = fetcher.post(
            f"{issuer_url}/api/v1/offers",
            json={"applicant": DEMO_APPLICANT, "reference": "demo-applicant"},
            headers={"Authorization": f"Bearer {api_key}"},
        ).json()
        password = (issuer_dir / "operator_password").read_text().strip()
        print(
            f"""
  Issuer (KYC provider):  {issuer_url}/operator/   password: {password}
  Wallet (investor):      {wallet_url}/

  First steps:
   1. Open the wallet and choose a passphrase.
   2. A KYC applicant (Erika Mustermann) is recorded and approved. Open this link
      to receive her credential in the wallet:
        {offer["same_device_link"]}
      and enter the PIN {offer["tx_code"]}
   3. In the issuer's operator pages, see the credential and revoke it.

  Coming next: the token platform (verifier) and ERC-3643 whitelisting on a
  development chain. Ctrl-C stops everything; data stays in {data}.
""",
            flush=True,
        )
        if args.check:
            return 0
        while all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
        stopped = [name for name, p in processes.items() if p.poll() is not None]
        print(f"kyc-wallet demo: the {', '.join(stopped)} stopped; stopping the rest")
        return 1
    except KeyboardInterrupt:
        print("\nkyc-wallet demo: stopping")
        return 0
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
