"""Issue 19 item 11: the documented ``gunicorn --workers 4 'issuer.app:create_app()'``
on an empty data folder (docs/deployment.md) starts healthy every time, for the
issuer and the verifier.

Four workers build the app at the same moment on the same folder: each one
creates the folder, the secrets and keys, and migrates the database. Before
the fix, 4 starts in 11 failed: ``table applicants already exists``,
``database is locked``, or a verifier worker reading the key file a sibling
was still writing. Each round here is a real gunicorn master with four real
workers on 127.0.0.1 (tests/hardening/gunicorn_first_start.py releases them
into ``create_app()`` together); a round is healthy when all four workers
built their app, the app answers, every answer names the same key (one key
file, not one per worker), and the database takes a write.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hardening.client import IssuerClient
from tests.servers import free_port
from tests.support import API_KEY, APPLICANT

ROOT = Path(__file__).resolve().parents[2]
CONF = Path(__file__).with_name("gunicorn_first_start.py")
ROUNDS = 10
WORKERS = 4


@dataclass(frozen=True)
class Role:
    name: str
    module: str
    prefix: str
    key_document: str  # answers with the public key: the same from every worker


ROLES = {
    "issuer": Role("issuer", "issuer.app", "KYCW_ISSUER", "/.well-known/jwt-vc-issuer"),
    "verifier": Role("verifier", "verifier.app", "KYCW_VERIFIER", "/.well-known/did.json"),
}


class Gunicorn:
    """One gunicorn master for every round (tests/hardening/gunicorn_first_start.py):
    :meth:`first_start` points the workers at a new data folder and starts
    four new ones (the first time by starting the master, then by ``SIGHUP``,
    which also stops the old workers); it returns once the four new workers
    built their app and the old ones are gone, or fails with the log."""

    def __init__(self, role: Role, folder: Path) -> None:
        self.role = role
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"gunicorn-{role.name}.log"
        self.round_file = folder / "round"
        self.process: subprocess.Popen[bytes] | None = None
        self.workers: set[str] = set()  # the pids of the current round's workers
        self.seen: set[str] = set()  # of every round's

    def _start_master(self) -> subprocess.Popen[bytes]:
        role = self.role
        env = {k: v for k, v in os.environ.items() if not k.startswith("KYCW_")}
        env.update(
            {
                "KYCW_TEST_APP_MODULE": role.module,
                "KYCW_TEST_WORKERS": str(WORKERS),
                "KYCW_TEST_ROUND_FILE": str(self.round_file),
                "KYCW_TEST_DATA_DIR_SETTING": f"{role.prefix}_DATA_DIR",
                f"{role.prefix}_API_KEYS": json.dumps([f"vendor:{API_KEY}"]),
                f"{role.prefix}_MONITOR_INTERVAL": "0",
                f"{role.prefix}_CHAIN_WORKER_INTERVAL": "0",
            }
        )
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(CONF),
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{self.port}",
            f"{role.module}:create_app()",
        ]
        with self.log.open("wb") as out:
            return subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def _fail(self, reason: str) -> None:
        pytest.fail(f"{reason}:\n{self.log.read_text(errors='replace')[-4000:]}")

    def first_start(self, data_dir: Path, timeout: float = 60.0) -> None:
        self.round_file.write_text(str(data_dir))
        old = self.workers
        if self.process is None:
            self.process = self._start_master()
        else:
            self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            # whole lines only: the last one may be half written
            text = self.log.read_text(errors="replace")
            ready = set(re.findall(r"worker ready (\d+)\n", text)) - self.seen
            exited = set(re.findall(r"Worker exiting \(pid: (\d+)\)\n", text))
            if len(ready) >= WORKERS and old <= exited:
                self.workers = ready
                self.seen |= ready
                return
            if self.process.poll() is not None:
                self._fail(f"gunicorn stopped (exit {self.process.returncode})")
            time.sleep(0.05)
        self._fail(f"{WORKERS} new workers not ready within {timeout} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self._fail("gunicorn did not stop on SIGTERM")


def _check_healthy(role: Role, url: str) -> None:
    client = IssuerClient(url, timeout=10.0)
    documents = set()
    for _ in range(3 * WORKERS):  # connections land on any worker
        answer = client.request("GET", role.key_document)
        assert answer.status == 200, answer.body
        documents.add(answer.body)
    assert len(documents) == 1, f"the workers serve different keys: {documents}"
    auth = {"Authorization": f"Bearer {API_KEY}"}
    if role.name == "issuer":
        answer = client.post_json("/api/v1/offers", {"applicant": APPLICANT}, auth)
        assert answer.status == 201, answer.body
    else:
        answer = client.request("GET", "/api/v1/verifications/unknown", headers=auth)
        assert answer.status == 404, answer.body


@pytest.mark.slow
@pytest.mark.parametrize("role_name", sorted(ROLES))
def test_first_start_with_four_gunicorn_workers_is_healthy(tmp_path: Path, role_name: str) -> None:
    """Ten first starts of four workers on an empty data folder: ten healthy."""
    role = ROLES[role_name]
    server = Gunicorn(role, tmp_path)
    try:
        for round_number in range(ROUNDS):
            data_dir = tmp_path / f"data-{round_number}"
            if round_number % 2:  # an empty folder given, or none at all
                data_dir.mkdir()
            server.first_start(data_dir)
            _check_healthy(role, server.url)
    finally:
        server.stop()
    assert server.process is not None and server.process.returncode == 0
