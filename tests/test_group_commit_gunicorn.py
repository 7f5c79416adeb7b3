"""How the services start on SQLite (issue 22 "Durable", docs/deployment.md
"Durability"): the project's gunicorn configuration serves one process with
threads, whose requests share commits; a worker that is one of several on a
SQLite file says so in the log. A real gunicorn master on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ssi.errors import FetchError
from ssi.fetch import Fetcher, FetchPolicy
from tests.servers import free_port
from tests.timing import wait_until

ROOT = Path(__file__).resolve().parents[1]
SEVERAL = "worker processes on the SQLite file"


def _gunicorn(tmp_path: Path, name: str, *options: str) -> tuple[list[int], str]:
    """Start the issuer under gunicorn with the project's configuration (and
    ``options``) until ready; return its workers' pids and its log, stopped."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYCW_")}
    env |= {
        "KYCW_ISSUER_DATA_DIR": str(tmp_path / name),
        "KYCW_ISSUER_ISSUER_URL": f"http://127.0.0.1:{port}",
    }
    log = tmp_path / f"{name}.log"
    command = [sys.executable, "-m", "gunicorn", "-c", "python:kyc_wallet.web.gunicorn_conf"]
    command += [*options, "--bind", f"127.0.0.1:{port}", "issuer.app:create_app()"]
    with log.open("wb") as out:
        master = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=30))

    def ready() -> bool:
        assert master.poll() is None, log.read_text()
        try:
            return (
                fetcher.get(f"http://127.0.0.1:{port}/readyz", raise_for_status=False).status == 200
            )
        except FetchError:
            return False

    try:
        wait_until(ready, 120, "gunicorn did not become ready")
        children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
        workers = [int(pid) for pid in children]
        wait_until(lambda: "Booting worker" in log.read_text(), 60, "no worker booted")
    finally:
        master.terminate()
        master.wait(60)
    return workers, log.read_text()


@pytest.mark.slow
def test_group_commit_gunicorn_serves_sqlite_as_one_process_with_threads(tmp_path: Path) -> None:
    workers, log = _gunicorn(tmp_path, "default")
    assert len(workers) == 1, log
    assert "gthread" in log, log
    assert SEVERAL not in log, log
    workers, log = _gunicorn(tmp_path, "several", "--workers", "2")
    assert len(workers) == 2, log
    assert SEVERAL in log, log
