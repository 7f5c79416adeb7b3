"""``kyc-wallet demo``: the issuer, the wallet and the verifier (with the
in-process chain and the demo token) on 127.0.0.1, under one data folder.

Each app runs as its own process, and they talk only over HTTP, as in
production. The demo creates its local CA, the issuer's ``x5c`` chain, the
verifier's ``x509_hash`` client id, trust list and policies, and the wallet's
trust anchors (``kyc_wallet.demo_setup``), turns on the development setting
for plain HTTP on 127.0.0.1, seeds a KYC applicant through the issuer's API,
and prints what to do first. Ctrl-C stops everything; a second start resumes
with the same data (the in-process chain is redeployed and the whitelist
replayed, and it says so). ``--walkthrough`` runs the whole journey without a
browser and exits (``kyc_wallet.walkthrough``).
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

from ssi.errors import FetchError
from ssi.fetch import Fetcher, FetchPolicy

from .demo_setup import DEMO_APPLICANT, DemoLayout, prepare
from .walkthrough import walkthrough

__all__ = ["add_arguments", "run", "running_demo", "summary"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", help="where the demo keeps everything (default demo-data)")
    parser.add_argument("--issuer-port", type=int, default=5001)
    parser.add_argument("--wallet-port", type=int, default=5002)
    parser.add_argument("--verifier-port", type=int, default=5003)
    parser.add_argument(
        "--walkthrough",
        action="store_true",
        help="run the whole journey without a browser, print each step, and exit "
        "(in a fresh temporary folder, on free ports, unless told otherwise)",
    )
    parser.add_argument(
        "--check", action="store_true", help="start, seed, print, then stop (used by the tests)"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


READY_PATH = "/readyz"
"""Each app's readiness probe (kyc_wallet.web.health): 200 once it can serve."""


def _wait(
    fetcher: Fetcher,
    url: str,
    process: subprocess.Popen[bytes],
    name: str,
    logs: Path | None,
) -> None:
    where = f"; its log: {logs / f'{name}.log'}" if logs is not None else ""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"the {name} stopped while starting (exit {process.returncode}){where}"
            )
        try:
            fetcher.get(url)
            return
        except FetchError:
            time.sleep(0.2)
    raise SystemExit(f"the {name} did not answer at {url} within 90 s{where}")


def _migrate(layout: DemoLayout, command: list[str], output: Any) -> None:
    """``kyc-wallet issuer migrate`` and ``kyc-wallet verifier migrate``, as a
    deploy runs them once before the servers start (docs/deployment.md)."""
    runs = {
        name: subprocess.Popen(
            [*command, name, "migrate", "--data-dir", str(folder)]
            + ["--config", str(folder / "config.toml")],
            stdout=output,
            stderr=output,
        )
        for name, folder in (("issuer", layout.issuer_dir), ("verifier", layout.verifier_dir))
    }
    for name, run in runs.items():
        if run.wait(timeout=120) != 0:
            raise SystemExit(f"kyc-wallet {name} migrate failed (exit {run.returncode})")


def _log_file(path: Path) -> BinaryIO:
    """``path`` opened for appending, created 0600 like every file in the data folder."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")


@contextmanager
def running_demo(
    layout: DemoLayout, *, quiet: bool = False, logs: Path | None = None
) -> Iterator[dict[str, str]]:
    """Prepare the data folder, start the three apps, yield the API keys, stop them.

    ``logs``: a folder where each app's output (its JSON log lines, the
    development server's warnings) is kept, in ``<app>.log`` (the migrations'
    in ``migrate.log``); without it the output is dropped when ``quiet``.
    Each app counts as started when its ``/readyz`` answers 200: a probe that
    no state of the app redirects (a wallet's ``/setup`` redirects once the
    wallet exists, and the guarded fetcher follows no redirect)."""
    keys = prepare(layout)
    command = [sys.executable, "-m", "kyc_wallet.cli"]
    output: Any = subprocess.DEVNULL if quiet else None
    if logs is not None:
        logs.mkdir(mode=0o700, parents=True, exist_ok=True)
        output = _log_file(logs / "migrate.log")  # closed below
    apps = [
        ("issuer", layout.issuer_dir, layout.issuer_url),
        ("wallet", layout.wallet_dir, layout.wallet_url),
        ("verifier", layout.verifier_dir, layout.verifier_url),
    ]
    _migrate(layout, command, output)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, folder, url in apps:
            port = url.rsplit(":", 1)[1]
            if logs is not None:
                output.close()
                output = _log_file(logs / f"{name}.log")  # closed below
            processes[name] = subprocess.Popen(
                [
                    *command,
                    name,
                    "--port",
                    port,
                    "--data-dir",
                    str(folder),
                    "--config",
                    str(folder / "config.toml"),
                    # the verifier's worker runs in its process, beside its in-process chain
                    *(["--with-worker"] if name == "verifier" else []),
                ],
                stdout=output,
                stderr=output,
            )
        fetcher = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=10))
        if not quiet:
            print(
                "  starting the issuer, the wallet and the verifier (first start deploys "
                "T-REX on the in-process chain: a few seconds) …",
                flush=True,
            )
        for name, _folder, url in apps:
            _wait(fetcher, url + READY_PATH, processes[name], name, logs)
        yield keys
        while not quiet and all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        if logs is not None:
            output.close()


def summary(layout: DemoLayout, offer: dict[str, Any], logs: Path) -> str:
    """What the demo prints once it runs: where each app is, every secret the
    steps use (both operator passwords, the API key files) in one place, where
    the apps' logs are, and the first steps."""
    issuer_password = (layout.issuer_dir / "operator_password").read_text().strip()
    verifier_password = (layout.verifier_dir / "operator_password").read_text().strip()
    return f"""
  Wallet (investor):        {layout.wallet_url}/
  Issuer (KYC provider):    {layout.issuer_url}/operator/
  Token platform:           {layout.verifier_url}/tokens/SP7
  Platform operator:        {layout.verifier_url}/operator/

  Secrets (kept in {layout.data}):
    issuer operator password:     {issuer_password}
    platform operator password:   {verifier_password}
    issuer API key (file):        {layout.data / "issuer-api-key"}
    platform API key (file):      {layout.data / "verifier-api-key"}
    the credential's PIN:         {offer["tx_code"]}
  The API keys go in "Authorization: Bearer <key>" (docs/issuer.md, docs/verifier.md).
  The servers' warnings and request logs: {logs} (issuer.log, wallet.log, verifier.log)

  First steps:
   1. Open the wallet and choose a passphrase; under Addresses, create an address.
   2. A KYC applicant (Erika Mustermann) is recorded and approved. Open this link to
      receive her credential in the wallet, and enter the PIN {offer["tx_code"]}:
        {offer["same_device_link"]}
   3. Open the token page, click "Verify with your KYC wallet", then the same-device
      button: the wallet shows exactly what it will share and which address will be
      whitelisted. Approve; the page shows the whitelisting transactions.
   4. As the platform operator, mint SP7 and transfer some to the investor's address.
   5. As the KYC provider, revoke the credential: the platform's monitor removes the
      address (within 30 s plus the status list's ttl, or at once with
      POST /api/v1/monitor), and a transfer to it fails.

  Ctrl-C stops everything; the data stays in {layout.data}.
"""


def _layout(args: argparse.Namespace, data: Path) -> DemoLayout:
    ports: list[int] = [args.issuer_port, args.wallet_port, args.verifier_port]
    if args.walkthrough:
        ports = [_free_port() for _ in range(3)]
    return DemoLayout(
        data,
        f"http://127.0.0.1:{ports[0]}",
        f"http://127.0.0.1:{ports[1]}",
        f"http://127.0.0.1:{ports[2]}",
    )


def run(args: argparse.Namespace) -> int:
    if args.walkthrough:
        with tempfile.TemporaryDirectory(prefix="kyc-wallet-walkthrough-") as tmp:
            layout = _layout(args, Path(args.data_dir or tmp).resolve())
            with running_demo(layout, quiet=True) as keys:
                return walkthrough(layout, keys)
    data = Path(args.data_dir or "demo-data").resolve()
    resumed = (data / "verifier" / "chain" / "deployment.json").exists()
    layout = _layout(args, data)
    print(
        f"kyc-wallet demo: {'resuming with' if resumed else 'creating'} data in {data}",
        flush=True,
    )
    if resumed:
        print(
            "  the in-process chain starts empty: T-REX is redeployed at the same addresses "
            "and the whitelist replayed from the outbox"
        )
    logs = data / "logs"
    try:
        with running_demo(layout, quiet=args.check, logs=logs) as keys:
            fetcher = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=10))
            offer = fetcher.post(
                f"{layout.issuer_url}/api/v1/offers",
                json={"applicant": DEMO_APPLICANT, "reference": "demo-applicant"},
                headers={"Authorization": f"Bearer {keys['issuer']}"},
            ).json()
            print(summary(layout, offer, logs), flush=True)
    except KeyboardInterrupt:
        print("\nkyc-wallet demo: stopped; the data stays in", layout.data)
    return 0
