"""The verifier's factory has no side effects and its background work is its own
process, ``kyc-wallet verifier worker`` (issue 21 item 6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.test import Client

from chain.platform import PlatformChain
from kyc_wallet.web.config import ConfigurationError
from ssi.fetch import Fetcher, FetchPolicy
from tests.servers import free_port
from tests.support import RunningIssuer
from tests.timing import scaled
from tests.verifier.conftest import StartVerifier
from tests.verifier.test_chain_e2e import ADDRESS, CHAIN_CONFIG, _receive, _verify, _wallet
from verifier.app import create_app
from verifier.worker import VerifierWorker
from verifier.worker_health import health_app

ROOT = Path(__file__).resolve().parents[2]


def test_worker_create_app_starts_no_thread_and_deploys_nothing(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    app = create_app({"DATA_DIR": str(tmp_path / "v"), "MONITOR_INTERVAL": 60})
    try:
        assert set(threading.enumerate()) - before == set()
        assert app.extensions["verifier"].chain is None
        assert not (tmp_path / "v" / "chain").exists()  # no chain deployed
        assert "background" not in app.extensions
    finally:
        app.extensions["store"].dispose()


def test_worker_dev_chain_is_started_explicitly(tmp_path: Path) -> None:
    """``CHAIN = "dev"`` without a started chain is one clear line, not a deployment."""
    with pytest.raises(ConfigurationError, match="--with-worker"):
        create_app({"DATA_DIR": str(tmp_path / "v"), "CHAIN": "dev"})
    assert not (tmp_path / "v" / "chain").exists()


def test_worker_process_runs_serves_its_health_and_stops_on_sigterm(tmp_path: Path) -> None:
    """``kyc-wallet verifier worker --health-port``: /healthz, /readyz (its
    database; no chain configured) and /metrics (item 10's worker metrics)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYCW_")}
    port = free_port()
    command = [sys.executable, "-m", "kyc_wallet.cli", "verifier", "worker"]
    process = subprocess.Popen(
        [*command, "--data-dir", str(tmp_path / "v"), "--health-port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    fetch = Fetcher(FetchPolicy(allow_http_loopback=True))
    base = f"http://127.0.0.1:{port}"
    try:
        for line in process.stdout:  # the worker says it runs, then runs
            if line.startswith("verifier worker "):
                break
        else:
            raise AssertionError(f"the worker exited ({process.wait()})")
        assert fetch.get(base + "/healthz").json() == {"status": "ok"}
        assert fetch.get(base + "/readyz").json() == {"status": "ok"}
        metrics = fetch.get(base + "/metrics").text()
        for name in (
            "kycw_verifier_outbox_depth 0.0",
            "kycw_verifier_outbox_oldest_age_seconds 0.0",
            "kycw_verifier_monitor_run_seconds",
            "kycw_verifier_webhook_failures_total",
        ):
            assert name in metrics
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=scaled(60)) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()


def test_worker_readyz_fails_when_its_database_is_gone(tmp_path: Path) -> None:
    app = create_app({"DATA_DIR": str(tmp_path / "v")})
    try:
        client = Client(health_app(VerifierWorker(app)))
        assert client.get("/readyz").status_code == 200
        (tmp_path / "v" / "verifier.sqlite").unlink()
        answer = client.get("/readyz")
        assert answer.status_code == 503
        assert answer.get_json()["reason"] == "the database or the chain node is not reachable"
        assert client.get("/healthz").status_code == 200
    finally:
        app.extensions["store"].dispose()


def test_worker_schedule_runs_the_reconciler_and_the_monitor(
    tmp_path: Path, issuer: RunningIssuer, start_verifier: StartVerifier
) -> None:
    """Item 7: the reconciler runs on its schedule in the worker, not only by hand:
    an address deleted from the registry behind the outbox's back is registered
    again; the monitor runs on its own schedule."""
    verifier = start_verifier(**CHAIN_CONFIG, RECONCILE_INTERVAL=3600, MONITOR_INTERVAL=60)
    client, token = _wallet(tmp_path, issuer, verifier)
    _receive(client, token, issuer)
    assert _verify(verifier, client, token)["status"] == "verified"
    platform: PlatformChain = verifier.app.extensions["chain"]
    sp7 = platform.token("SP7")

    def delete_by_hand() -> None:  # the agent key used outside the outbox
        call = platform.dev.client.delete_call(sp7.identity_registry, ADDRESS)
        platform.dev.agent.transact(call.function, call.gas, call.what)
        assert not platform.is_verified(ADDRESS, sp7)

    delete_by_hand()
    worker = VerifierWorker(verifier.app)
    worker.run_due()  # every job once: the reconciler queues the registration again
    assert worker.last_monitor_seconds is not None and worker.last_error is None
    worker.tick_chain()
    assert platform.is_verified(ADDRESS, sp7)

    delete_by_hand()
    worker.run_due()  # the reconciler is not due again for an hour
    worker.tick_chain()
    assert not platform.is_verified(ADDRESS, sp7)
