"""Issue 21 "Tests", replicas: the issuer as two gunicorn processes with two
workers each on one PostgreSQL database. 100 concurrent uses of one
pre-authorized code, and separately of one ``c_nonce``, spread over both
processes: exactly one success each; every other use gets the spec's error
(OpenID4VCI 1.0 §6.3 ``invalid_grant``, §8.3.1.2 ``invalid_nonce``), never a
5xx. Single use holds across processes because it is one conditional
``UPDATE … RETURNING`` in the shared database (``issuer.db.offers``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from threading import Barrier

import pytest

from issuer.app import create_app
from ssi.jose import Key
from tests.hardening.client import Answer, IssuerClient
from tests.servers import free_port
from tests.support import API_KEY, migrate_issuer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
USES = 100
PASSWORD = "operator-password-0123456789"
LIMITS = ("RATE_LIMIT_TOKEN", "RATE_LIMIT_NONCE")


def _settings(data_dir: Path, url: str, database_url: str, ports: list[int]) -> dict[str, str]:
    return {
        "KYCW_ISSUER_DATA_DIR": str(data_dir),
        "KYCW_ISSUER_ISSUER_URL": url,
        "KYCW_ISSUER_DATABASE_URL": database_url,
        "KYCW_ISSUER_TRUSTED_HOSTS": json.dumps([f"127.0.0.1:{p}" for p in ports]),
        "KYCW_ISSUER_API_KEYS": json.dumps([f"vendor:{API_KEY}"]),
        "KYCW_ISSUER_OPERATOR_PASSWORD": json.dumps(PASSWORD),
        "KYCW_ISSUER_RATE_LIMIT_TOKEN": json.dumps("100000 per minute"),
        "KYCW_ISSUER_RATE_LIMIT_NONCE": json.dumps("100000 per minute"),
    }


@pytest.fixture
def replicas(tmp_path: Path, postgres_url: str) -> Iterator[list[IssuerClient]]:
    """Two gunicorn masters (2 workers each), one data folder (keys, secret)
    and one PostgreSQL database, migrated once before they start."""
    ports = [free_port(), free_port()]
    url = f"http://127.0.0.1:{ports[0]}"
    data_dir = tmp_path / "issuer"
    migrate_issuer(postgres_url)
    settings = _settings(data_dir, url, postgres_url, ports)
    # the keys and the secret, made once (both replicas sign with them)
    first = create_app(
        {k.removeprefix("KYCW_ISSUER_"): v for k, v in settings.items()}
        | {"TRUSTED_HOSTS": None, "API_KEYS": [], "OPERATOR_PASSWORD": PASSWORD}
        | {name: json.loads(settings[f"KYCW_ISSUER_{name}"]) for name in LIMITS}
    )
    first.extensions["issuer"].db.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYCW_")} | settings
    processes: list[subprocess.Popen[bytes]] = []
    logs = [tmp_path / f"gunicorn-{i}.log" for i in range(2)]
    try:
        for port, log in zip(ports, logs, strict=True):
            command = [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                "2",
                "--threads",
                "8",
                "--bind",
                f"127.0.0.1:{port}",
                "issuer.app:create_app()",
            ]
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                    )
                )
        clients = [IssuerClient(f"http://127.0.0.1:{p}") for p in ports]
        _wait_ready(clients, processes, logs)
        yield clients
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_ready(
    clients: list[IssuerClient], processes: list[subprocess.Popen[bytes]], logs: list[Path]
) -> None:
    """Wait on readiness (every worker answering), not on a fixed sleep; a
    master that exits fails at once with its log."""
    deadline = time.monotonic() + 120
    pending = list(clients)
    while pending and time.monotonic() < deadline:
        for process, log in zip(processes, logs, strict=True):
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            answer = pending[0].request("GET", "/.well-known/openid-credential-issuer")
        except OSError:
            answer = None
        if answer is not None and answer.status == 200:
            pending.pop(0)
        else:
            time.sleep(0.2)
    if pending:
        pytest.fail("the replicas did not become ready:\n" + logs[0].read_text(errors="replace"))


def _race(attempts: Sequence[Callable[[], Answer]]) -> list[Answer]:
    barrier = Barrier(len(attempts))

    def run(attempt: Callable[[], Answer]) -> Answer:
        barrier.wait(timeout=60)
        return attempt()

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(run, attempts))


def test_replica_pre_authorized_code_is_used_once(replicas: list[IssuerClient]) -> None:
    offer = replicas[0].create_offer()
    attempts = [partial(replicas[i % 2].token, offer.code, offer.tx_code) for i in range(USES)]
    outcomes = Counter((a.status, a.error) for a in _race(attempts))
    assert outcomes == {(200, None): 1, (400, "invalid_grant"): USES - 1}


def test_replica_c_nonce_is_used_once(replicas: list[IssuerClient]) -> None:
    first = replicas[0]
    tokens = [replicas[i % 2].access_token(first.create_offer()) for i in range(USES)]
    c_nonce = replicas[1].nonce()
    bodies = [first.credential_body([Key.generate("ES256")], c_nonce) for _ in tokens]
    attempts = [
        partial(replicas[i % 2].credential, token, body)
        for i, (token, body) in enumerate(zip(tokens, bodies, strict=True))
    ]
    outcomes = Counter((a.status, a.error) for a in _race(attempts))
    assert outcomes == {(200, None): 1, (400, "invalid_nonce"): USES - 1}
