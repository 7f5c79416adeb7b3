"""The verifier as two replicas on one PostgreSQL database (issue 21, Tests:
``pytest -k replica``): two gunicorn masters with two workers each, started
the documented way (``kyc-wallet verifier migrate``, then gunicorn on
``verifier.app:create_app()`` with ``DATABASE_URL``, ``-c
python:kyc_wallet.web.gunicorn_conf``), and two ``kyc-wallet verifier worker``
processes on the same database (issue 21 items 6 and 8). 150 verifications,
created alternately on each replica, answered at once, 50 of them twice (the
same response through each replica): 200 concurrent responses, 50 of them
replays: exactly one verdict per verification, every replay a 400, no 5xx,
and each verdict's webhook delivered exactly once (a receiver on 127.0.0.1 counts them by
``Idempotency-Key``), by the workers, nothing left queued.

Each verification asks for an address proof on a T-REX token deployed by
``kyc-wallet chain deploy`` on a Hardhat node from node_modules (``CHAIN =
"outbox"``, ``CHAIN_RPC_URL``): the workers register each of the 50 addresses
once (read back from the identity registry) and leave nothing in the outbox."""

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
from eth_account import Account
from flask import Flask, request
from web3 import Web3

from chain.backend import connect
from chain.deploy import contract
from chain.deployment import Deployment
from chain.erc3643 import ERC3643Client
from chain.files import load_account
from kyc_wallet.cli import main
from kyc_wallet.database import Database
from kyc_wallet.web.config import write_private_file
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from ssi.x509 import issue_leaf, make_ca
from tests.chain.conftest import hardhat_url  # noqa: F401 - the Hardhat node fixture
from tests.servers import free_port, serve
from tests.support import RealClock, RunningIssuer
from tests.timing import wait_until
from tests.verifier.conftest import API_KEY, POLICIES, verifier_database_migrated
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential
from tests.verifier.sql import Sql
from verifier.webhooks import IDEMPOTENCY_HEADER

pytestmark = pytest.mark.slow

VERIFICATIONS = 150
REPLAYED = 50  # of them answered twice, once through each replica
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


def registrations(client: ERC3643Client, registry: str) -> Counter[str]:
    """How many times the identity registry registered each address (its events)."""
    ir = contract(client.w3, "IdentityRegistry", registry)
    added = ir.events.IdentityRegistered().get_logs(from_block=client.deployment.start_block)
    return Counter(Web3.to_checksum_address(e["args"]["investorAddress"]) for e in added)


@pytest.fixture
def deployed(tmp_path: Path, hardhat_url: str) -> dict[str, Any]:  # noqa: F811
    """T-REX and a token on the Hardhat node, as an operator deploys them."""
    folder = tmp_path / "chain"
    folder.mkdir(mode=0o700)
    argv = ["chain", "deploy", "--rpc-url", hardhat_url, "--name", "Replica Token"]
    argv += ["--symbol", "RPL", "--key-file", str(folder / "agent.key")]
    argv += ["--claim-key-file", str(folder / "claim.key"), "--dev-fund"]
    assert main([*argv, "--out", str(folder / "deployment.json")]) == 0
    return {
        "CHAIN": "outbox",
        "CHAIN_RPC_URL": hardhat_url,
        "CHAIN_DEPLOYMENT_PATH": str(folder / "deployment.json"),
        "CHAIN_AGENT_KEY_PATH": str(folder / "agent.key"),
        "CHAIN_CLAIM_KEY_PATH": str(folder / "claim.key"),
    }


@pytest.fixture
def replicas(
    tmp_path: Path,
    issuer: RunningIssuer,
    postgres_url: str,
    fetcher: Fetcher,
    receiver: tuple[str, Receiver],
    deployed: dict[str, Any],
) -> Iterator[tuple[list[Replica], Any]]:
    ca_key, ca = make_ca("Test Root", now=issuer.clock.now)
    key = Key.generate("ES256")
    write_private_file(tmp_path / "key.pem", key.private_pem())
    leaf = issue_leaf(ca_key, ca, key, ["127.0.0.1"], now=issuer.clock.now, days=800)
    (tmp_path / "chain.pem").write_bytes(leaf.public_bytes(Encoding.PEM))
    deployment = Deployment.load(Path(deployed["CHAIN_DEPLOYMENT_PATH"]))
    token = deployment.token("RPL")
    target = {
        "chain_id": deployment.caip2,
        "identity_registry": token.identity_registry,
        "token": token.token,
        "name": token.name,
    }
    policies = json.loads(json.dumps(POLICIES))
    policies["policies"]["solar7"]["token"] = target
    (tmp_path / "policies.json").write_text(json.dumps(policies))
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
                "CHAIN_WORKER_INTERVAL": 0.2,
                "MONITOR_INTERVAL": 0,
                "RECONCILE_INTERVAL": 0,
                **deployed,
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
    deployed: dict[str, Any],
) -> None:
    started, ca = replicas
    holder = Key.generate("ES256")
    fetch = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=60.0))
    # the replicas are gunicorn processes on the real clock; the in-process issuer's
    # clock stands still from its fixture on, which a loaded machine can leave more
    # than the allowed skew behind: the wallet's proofs carry the real time
    wallet = ForeignWallet(fetch, RealClock(), issue_credential(issuer, holder), holder, [ca])
    headers = {"Authorization": f"Bearer {API_KEY}"}
    posts: list[tuple[str, str, dict[str, str]]] = []
    investors = [Account.create() for _ in range(VERIFICATIONS)]
    for n, investor in enumerate(investors):
        creator = started[n % 2]
        created = fetch.post(
            creator.url + "/api/v1/verifications", json={"policy": "solar7"}, headers=headers
        ).json()
        request = wallet.fetch_request(created["link"]).request
        presentation = wallet.present(request, address=investor.address)
        answer = wallet.response(request, presentation, wallet.proof(request, investor))
        form = wallet.form(request, answer)
        for copy in range(2 if n < REPLAYED else 1):
            posts.append((created["id"], started[(n + copy) % 2].url + "/oid4vp/response", form))

    def post(item: tuple[str, str, dict[str, str]]) -> tuple[str, int]:
        tx_id, url, form = item
        return tx_id, fetch.post(url, data=form, raise_for_status=False).status

    with ThreadPoolExecutor(max_workers=len(posts)) as pool:
        results = list(pool.map(post, posts))
    assert all(status < 500 for _, status in results), Counter(s for _, s in results)
    wins = Counter(tx_id for tx_id, status in results if status == 200)
    assert len(wins) == VERIFICATIONS and set(wins.values()) == {1}, wins
    assert len(posts) == 200
    assert Counter(status for _, status in results) == {200: VERIFICATIONS, 400: REPLAYED}

    db = Database(postgres_url)
    try:
        sql = Sql(db)
        verified = sql.all("SELECT id FROM verifications WHERE status = 'verified'")
        assert len(verified) == VERIFICATIONS
        assert len(sql.all("SELECT * FROM seen_presentations")) == VERIFICATIONS
        verdicts = sql.all("SELECT subject FROM audit_log WHERE action = 'verification.verified'")
        assert Counter(r["subject"] for r in verdicts) == dict.fromkeys(wins, 1)

        def all_delivered() -> bool:
            states = sql.all("SELECT state FROM webhooks")
            return len(states) == VERIFICATIONS and {r["state"] for r in states} == {"delivered"}

        wait_until(all_delivered, 60, "the workers did not deliver every webhook")

        def all_sent() -> bool:
            states = sql.all("SELECT state FROM outbox_intents")
            return len(states) == VERIFICATIONS and {r["state"] for r in states} == {"done"}

        wait_until(all_sent, 180, "the workers did not send every intent to the node")
    finally:
        db.dispose()
    deployment = Deployment.load(Path(deployed["CHAIN_DEPLOYMENT_PATH"]))
    claim_signer = load_account(Path(deployed["CHAIN_CLAIM_KEY_PATH"]), create=False)
    client = ERC3643Client(connect(deployed["CHAIN_RPC_URL"]), deployment, claim_signer)
    registry = deployment.token("RPL").identity_registry
    assert all(client.is_verified(registry, investor.address) for investor in investors)
    assert registrations(client, registry) == Counter({i.address: 1 for i in investors})
    platform = receiver[1]
    with platform.lock:
        assert len(platform.keys) == VERIFICATIONS and set(platform.keys.values()) == {1}
        assert Counter(b["id"] for b in platform.bodies) == dict.fromkeys(wins, 1)
    for replica in started:
        assert "Traceback" not in replica.log.read_text()
