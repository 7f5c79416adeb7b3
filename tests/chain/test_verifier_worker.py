"""The verifier's worker sends its outbox to a JSON-RPC node (``CHAIN =
"outbox"`` with ``CHAIN_RPC_URL``; issue 21 item 6): a Hardhat node from
node_modules on 127.0.0.1, T-REX deployed by ``kyc-wallet chain deploy``."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

from eth_account import Account
from flask import Flask
from werkzeug.test import Client

from chain.deployment import Deployment
from chain.outbox import DONE
from kyc_wallet.cli import main
from tests.servers import free_port
from verifier.app import create_app
from verifier.worker import VerifierWorker
from verifier.worker_health import health_app


def _deployed(tmp_path: Path, rpc_url: str) -> dict[str, Any]:
    folder = tmp_path / "chain"
    folder.mkdir(mode=0o700)
    argv = ["chain", "deploy", "--rpc-url", rpc_url, "--name", "Worker Token"]
    argv += ["--symbol", "WRK", "--key-file", str(folder / "agent.key")]
    argv += ["--claim-key-file", str(folder / "claim.key"), "--dev-fund"]
    assert main([*argv, "--out", str(folder / "deployment.json")]) == 0
    return {
        "CHAIN": "outbox",
        "CHAIN_RPC_URL": rpc_url,
        "CHAIN_DEPLOYMENT_PATH": str(folder / "deployment.json"),
        "CHAIN_AGENT_KEY_PATH": str(folder / "agent.key"),
        "CHAIN_CLAIM_KEY_PATH": str(folder / "claim.key"),
    }


def _app(tmp_path: Path, name: str, **config: Any) -> Flask:
    return create_app({"DATA_DIR": str(tmp_path / name), **config})


def test_worker_sends_the_outbox_to_a_node_one_replica_at_a_time(
    tmp_path: Path, hardhat_url: str
) -> None:
    settings = _deployed(tmp_path, hardhat_url)
    deployment = Deployment.load(Path(settings["CHAIN_DEPLOYMENT_PATH"]))
    registry = deployment.token("WRK").identity_registry
    app = _app(tmp_path, "verifier", **settings)
    try:
        outbox = app.extensions["verifier"].outbox
        investors = [Account.create().address for _ in range(3)]
        for address in investors:
            outbox.whitelist(
                deployment.caip2, registry, address, 276, hashlib.sha256(b"x").digest()
            )
        workers = [VerifierWorker(app), VerifierWorker(app)]  # two replicas, one database
        barrier = threading.Barrier(2)

        def tick(worker: VerifierWorker) -> None:
            barrier.wait()
            worker.tick_chain()

        threads = [threading.Thread(target=tick, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        workers[0].tick_chain()  # whichever skipped its turn finds nothing left
        assert [i.state for i in outbox.intents(deployment.caip2)] == [DONE] * 3
        client = workers[0].sender.client  # type: ignore[union-attr]
        assert all(client.is_verified(registry, address) for address in investors)
        transactions = outbox.transactions(deployment.caip2)
        assert len({(t.signed.sender, t.signed.nonce) for t in transactions}) == len(transactions)
        assert Client(health_app(workers[0])).get("/readyz").status_code == 200
    finally:
        app.extensions["store"].dispose()


def test_worker_readyz_fails_when_the_node_is_down(tmp_path: Path, hardhat_url: str) -> None:
    settings = _deployed(tmp_path, hardhat_url)
    settings["CHAIN_RPC_URL"] = f"http://127.0.0.1:{free_port()}"  # nothing listens
    app = _app(tmp_path, "verifier", **settings)
    try:
        answer = Client(health_app(VerifierWorker(app))).get("/readyz")
        assert answer.status_code == 503
        assert answer.get_json()["reason"] == "the database or the chain node is not reachable"
    finally:
        app.extensions["store"].dispose()
