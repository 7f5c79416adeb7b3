"""The issuer (or another app) as a real operating-system process (``python -m
kyc_wallet.cli ROLE``) on 127.0.0.1, for the crash-consistency tests: started
from a TOML configuration, SIGKILLed, restarted on the same data folder and port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from tests.hardening.client import IssuerClient
from tests.servers import free_port
from tests.support import API_KEY, scaled

__all__ = ["AppProcess", "IssuerProcess", "free_port", "write_config"]

ROOT = Path(__file__).resolve().parents[2]


def write_config(path: Path) -> Path:
    """An API key, HTTP on loopback, and rate limits no test reaches."""
    path.write_text(
        f'API_KEYS = ["vendor:{API_KEY}"]\n'
        "DEV_ALLOW_HTTP_LOOPBACK = true\n"
        'OPERATOR_PASSWORD = "operator-password"\n'
        'RATE_LIMIT_TOKEN = "100000 per minute"\n'
        'RATE_LIMIT_NONCE = "100000 per minute"\n'
    )
    return path


@dataclass
class AppProcess:
    """``kyc-wallet ROLE`` on ``port``; up once ``probe`` answers 200."""

    role: ClassVar[str]
    probe: ClassVar[str]
    data_dir: Path
    config: Path
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Start and wait until ``probe`` answers: readiness, polled for at most
        ``timeout`` seconds of an idle machine (:func:`tests.support.scaled`)."""
        command = [
            sys.executable,
            "-m",
            "kyc_wallet.cli",
            self.role,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--data-dir",
            str(self.data_dir),
            "--config",
            str(self.config),
            "--dev-http-loopback",
        ]
        env = {k: v for k, v in os.environ.items() if not k.startswith("KYCW_")}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        client = IssuerClient(self.url, timeout=scaled(2.0))
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {self.role} exited: see {self.log}")
            try:
                if client.request("GET", self.probe).status == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the {self.role} did not answer within {timeout:.0f} s: see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no handler, no flush, no clean shutdown."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=scaled(10))
        self.process = None


class IssuerProcess(AppProcess):
    role = "issuer"
    probe = "/.well-known/openid-credential-issuer"
