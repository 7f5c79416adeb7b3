"""The verifier as two replicas on one PostgreSQL database (issue 21, Tests:
``pytest -k replica``): two gunicorn masters with two workers each, started
the documented way (``kyc-wallet verifier migrate``, then gunicorn on
``verifier.app:create_app()`` with ``DATABASE_URL``, ``-c
python:kyc_wallet.web.gunicorn_conf``), and two ``kyc-wallet verifier worker``
processes on the same database (issue 21 items 6 and 8). 50 verifications,
each answered with the same response four times at once, twice through each
replica (200 concurrent responses, 150 of them replays): exactly one verdict
per verification, every replay a 400, no 5xx, and each verdict's webhook
delivered exactly once (a receiver on 127.0.0.1 counts them by
``Idempotency-Key``), by the workers, nothing left queued.

Not yet here (docs/deployment.md says so): the chain part of the issue's test
(a Hardhat node, T-REX, each address registered once on chain)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from flask import Flask, request

from kyc_wallet.database import Database
from kyc_wallet.web.config import write_private_file
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from ssi.x509 import issue_leaf, make_ca
from tests.servers import free_port, serve
from tests.support import RunningIssuer
from tests.timing import wait_until
from tests.verifier.conftest import API_KEY, POLICIES, verifier_database_migrated
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential
from tests.verifier.sql import Sql
from verifier.webhooks import IDEMPOTENCY_HEADER

pytestmark = pytest.mark.slow

VERIFICATIONS = 50
COPIES = 4  # two through each replica
ROOT = Path(__file__).resolve().parents[2]


class Replica:
    def __init__(self, folder: Path, config: Path, port: int) -> None:
        self.folder, self.port, self.url = folder, port, f"http://127.0.0.1:{port}"
        self.log = folder / "gunicorn.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KYCW_")}
        env["KYCW_VERIFIER_CONFIG_FILE"] = str(config)
        command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "8"]
        command += ["-c", "python:kyc_wallet.web.gunicorn_conf"]
        command += ["--bind", f"127.0.0.1:{port}", "verifier.app:create_app()"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self, fetch: Fetcher, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                answer = fetch.get(
                    self.url + "/api/v1/verifications",
                    headers={"Authorization": f"Bearer {API_KEY}"},
                    raise_for_status=False,
                )
                if answer.status == 200:
                    return
            except Exception:  # noqa: BLE001 - not listening yet
                pass
            time.sleep(0.2)
        raise AssertionError(f"the replica did not start: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Worker:
    """``kyc-wallet verifier worker`` with the replicas' configuration."""

    def __init__(self, folder: Path, config: Path) -> None:
        self.log = folder / "worker.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("KYCW_")}
        env["KYCW_VERIFIER_CONFIG_FILE"] = str(config)
        command = [sys.executable, "-m", "kyc_wallet.cli", "verifier", "worker"]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def stop(self) -> None:
        self.process.terminate()
        try:
            assert self.process.wait(timeout=60) == 0, self.log.read_text()[-3000:]
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()


class Receiver:
    """The platform's webhook endpoint: counts the deliveries by ``Idempotency-Key``."""

    def __init__(self) -> None:
        self.keys: Counter[str] = Counter()
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def app(self) -> Flask:
        app = Flask("receiver")

        @app.post("/hook")
        def hook() -> Any:
            with self.lock:
                self.keys[str(request.headers.get(IDEMPOTENCY_HEADER))] += 1
                self.bodies.append(json.loads(request.get_data(as_text=True)))
            return "", 204

        return app


@pytest.fixture
def receiver() -> Iterator[tuple[str, Receiver]]:
    state = Receiver()
    with serve(state.app()) as url:
        yield url + "/hook", state


@pytest.fixture
def replicas(
    tmp_path: Path,
    issuer: RunningIssuer,
    postgres_url: str,
    fetcher: Fetcher,
    receiver: tuple[str, Receiver],
) -> Iterator[tuple[list[Replica], Any]]:
    ca_key, ca = make_ca("Test Root", now=issuer.clock.now)
    key = Key.generate("ES256")
    write_private_file(tmp_path / "key.pem", key.private_pem())
    leaf = issue_leaf(ca_key, ca, key, ["127.0.0.1"], now=issuer.clock.now, days=800)
    (tmp_path / "chain.pem").write_bytes(leaf.public_bytes(Encoding.PEM))
    (tmp_path / "policies.json").write_text(json.dumps(POLICIES))
    trust = {"issuers": {issuer.url: {"mechanisms": ["metadata"]}}}
    (tmp_path / "trust.json").write_text(json.dumps(trust))
    ports = [free_port(), free_port()]
    hosts = [f"127.0.0.1:{port}" for port in ports]
    started: list[Replica] = []
    workers: list[Worker] = []
    try:
        for index, port in enumerate(ports):
            folder = tmp_path / f"replica{index}"
            folder.mkdir(mode=0o700)
            settings = {
                "DATA_DIR": str(folder),
                "DATABASE_URL": postgres_url,
                "VERIFIER_URL": f"http://{hosts[index]}",
                "TRUSTED_HOSTS": hosts,
                "KEY_PATH": str(tmp_path / "key.pem"),
                "CERT_CHAIN_PATH": str(tmp_path / "chain.pem"),
                "API_KEYS": [f"platform:{API_KEY}"],
                "DEV_ALLOW_HTTP_LOOPBACK": True,
                "OPERATOR_PASSWORD": "operator-password-0123",
                "POLICIES_PATH": str(tmp_path / "policies.json"),
                "TRUST_LIST_PATH": str(tmp_path / "trust.json"),
                "RATE_LIMIT_RESPONSE": "100000 per minute",
                "RATE_LIMIT_REQUEST": "100000 per minute",
                "CHAIN_WORKER_INTERVAL": 0,
                "MONITOR_INTERVAL": 0,
                "RECONCILE_INTERVAL": 0,
                "WEBHOOK_INTERVAL": 0.2,
                "WEBHOOK_URL": receiver[0],
                "WEBHOOK_SECRET": "whsec-replica-0123456789",
            }
            verifier_database_migrated(settings)  # kyc-wallet verifier migrate (once per deploy)
            config = folder / "verifier.toml"
            lines = [f"{name} = {json.dumps(value)}" for name, value in settings.items()]
            write_private_file(config, ("\n".join(lines) + "\n").encode())
            started.append(Replica(folder, config, port))
            workers.append(Worker(folder, config))
        for replica in started:
            replica.wait_ready(fetcher)
        yield started, ca
    finally:
        for replica in started:
            replica.stop()
        for worker in workers:
            worker.stop()


def test_replica_two_gunicorn_verifiers_on_one_postgres_give_one_verdict_each(
    replicas: tuple[list[Replica], Any],
    issuer: RunningIssuer,
    fetcher: Fetcher,
    postgres_url: str,
    receiver: tuple[str, Receiver],
) -> None:
    started, ca = replicas
    holder = Key.generate("ES256")
    fetch = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=60.0))
    wallet = ForeignWallet(fetch, issuer.clock, issue_credential(issuer, holder), holder, [ca])
    headers = {"Authorization": f"Bearer {API_KEY}"}
    posts: list[tuple[str, str, dict[str, str]]] = []
    for n in range(VERIFICATIONS):
        creator = started[n % 2]
        created = fetch.post(
            creator.url + "/api/v1/verifications", json={"policy": "kyc"}, headers=headers
        ).json()
        request = wallet.fetch_request(created["link"]).request
        form = wallet.form(request, wallet.response(request))
        for copy in range(COPIES):
            posts.append((created["id"], started[copy % 2].url + "/oid4vp/response", form))

    def post(item: tuple[str, str, dict[str, str]]) -> tuple[str, int]:
        tx_id, url, form = item
        return tx_id, fetch.post(url, data=form, raise_for_status=False).status

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        results = list(pool.map(post, posts))
    assert all(status < 500 for _, status in results), Counter(s for _, s in results)
    wins = Counter(tx_id for tx_id, status in results if status == 200)
    assert len(wins) == VERIFICATIONS and set(wins.values()) == {1}, wins
    assert Counter(status for _, status in results) == {200: 50, 400: 150}

    db = Database(postgres_url)
    try:
        sql = Sql(db)
        assert len(sql.all("SELECT id FROM verifications WHERE status = 'verified'")) == 50
        assert len(sql.all("SELECT * FROM seen_presentations")) == VERIFICATIONS
        verdicts = sql.all("SELECT subject FROM audit_log WHERE action = 'verification.verified'")
        assert Counter(r["subject"] for r in verdicts) == dict.fromkeys(wins, 1)

        def all_delivered() -> bool:
            states = sql.all("SELECT state FROM webhooks")
            return len(states) == VERIFICATIONS and {r["state"] for r in states} == {"delivered"}

        wait_until(all_delivered, 60, "the workers did not deliver every webhook")
    finally:
        db.dispose()
    platform = receiver[1]
    with platform.lock:
        assert len(platform.keys) == VERIFICATIONS and set(platform.keys.values()) == {1}
        assert Counter(b["id"] for b in platform.bodies) == dict.fromkeys(wins, 1)
    for replica in started:
        assert "Traceback" not in replica.log.read_text()
