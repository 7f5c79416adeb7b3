"""Issue 22 "Also": one rate limit across workers and replicas. Two issuer
processes (gunicorn) on one database, SQLite and PostgreSQL: requests
alternating between them, and a burst spread over both, hit one shared limit.
The same with the Redis store, against Debian's ``redis-server`` started here
on a Unix socket (skipped, saying why, only where it is not installed:
``make test`` installs it, scripts/ensure-redis.sh)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from http.client import HTTPConnection
from pathlib import Path
from threading import Barrier
from typing import Any

import pytest
from flask import Flask

from issuer.app import create_app
from tests.servers import free_port
from tests.support import migrate_issuer

ROOT = Path(__file__).parents[1]
LIMIT = 10
CONF = "python:kyc_wallet.web.gunicorn_conf"


def post(base: str, path: str) -> int:
    request = urllib.request.Request(base + path, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def burst(bases: list[str], path: str, count: int) -> Counter[int]:
    """``count`` requests at once, spread over ``bases`` in turn."""
    barrier = Barrier(count)

    def send(i: int) -> int:
        barrier.wait(timeout=60)
        return post(bases[i % len(bases)], path)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return Counter(pool.map(send, range(count)))


@contextmanager
def gunicorn_issuers(tmp_path: Path, count: int, **config: Any) -> Iterator[list[str]]:
    """``count`` gunicorn masters of the issuer (one worker each, the project's
    gunicorn configuration) on one data folder and ``config``; their URLs."""
    ports = [free_port() for _ in range(count)]
    config = {
        "DATA_DIR": str(tmp_path / "issuer"),
        "ISSUER_URL": f"http://127.0.0.1:{ports[0]}",
        "TRUSTED_HOSTS": [f"127.0.0.1:{p}" for p in ports],
        **config,
    }
    # keys, secret and (SQLite) schema made once, before they start
    create_app(config).extensions["issuer"].db.dispose()
    settings = {f"KYCW_ISSUER_{name}": json.dumps(value) for name, value in config.items()}
    env = {k: v for k, v in os.environ.items() if not k.startswith("KYCW_")} | settings
    processes: list[subprocess.Popen[bytes]] = []
    logs = [tmp_path / f"gunicorn-{i}.log" for i in range(count)]
    try:
        for port, log in zip(ports, logs, strict=True):
            command = [sys.executable, "-m", "gunicorn", "-c", CONF, "--workers", "1"]
            command += ["--threads", "16", "--bind", f"127.0.0.1:{port}", "issuer.app:create_app()"]
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
                    )
                )
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for base in bases:
            _wait_ready(base, processes, logs)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def two_issuer_processes(tmp_path: Path, database_url: str) -> Iterator[list[str]]:
    """Two gunicorn masters (one worker each: two processes that share only
    the database), ``RATE_LIMIT_STORAGE`` at its default (``database``)."""
    if database_url.startswith("postgresql"):
        migrate_issuer(database_url)
    limits = {"RATE_LIMIT_NONCE": f"{LIMIT} per hour", "RATE_LIMIT_TOKEN": f"{LIMIT} per hour"}
    with gunicorn_issuers(tmp_path, 2, DATABASE_URL=database_url, **limits) as bases:
        yield bases


def _wait_ready(base: str, processes: list[subprocess.Popen[bytes]], logs: list[Path]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for process, log in zip(processes, logs, strict=True):
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail("the issuer did not become ready:\n" + logs[0].read_text(errors="replace"))


@pytest.mark.slow
def test_rate_limit_shared_by_two_processes_on_one_database(
    two_issuer_processes: list[str],
) -> None:
    """Alternating requests count once in the shared window: the limit holds
    for the two together (each process alone would have let 2 × LIMIT pass).
    Then a burst over both on another limited endpoint (the token endpoint,
    whose junk grants get 400): not one more passes, and none fails otherwise
    (the upsert is atomic on both engines)."""
    first, second = two_issuer_processes
    alternating = [post(first if i % 2 == 0 else second, "/nonce") for i in range(LIMIT + 2)]
    assert alternating == [200] * LIMIT + [429, 429]
    outcomes = burst(two_issuer_processes, "/token", 3 * LIMIT)
    assert outcomes == Counter({400: LIMIT, 429: 2 * LIMIT})


@pytest.mark.slow
def test_proxy_fix_gunicorn_takes_no_scheme_from_headers(tmp_path: Path) -> None:
    """gunicorn itself would take ``wsgi.url_scheme`` from ``X-Forwarded-Proto``
    of a peer on 127.0.0.1 (its ``forwarded_allow_ips``), behind the app's
    back: the project's configuration turns that off, so only
    ``TRUSTED_PROXY_HOPS`` proxies are believed. Seen through the page forms'
    origin check: with the scheme taken as https, an ``Origin`` of
    ``https://<host>`` would be the app's own and reach the CSRF check (400);
    it is foreign (403)."""
    with gunicorn_issuers(tmp_path, 1) as (base,):
        host = base.removeprefix("http://")
        connection = HTTPConnection(host, timeout=60)
        connection.request(
            "POST",
            "/operator/login",
            body="password=x",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://{host}",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Ssl": "on",
            },
        )
        status = connection.getresponse().status
        connection.close()
    assert status == 403


# --- Redis ---------------------------------------------------------------------------


class RedisServer:
    """Debian's ``redis-server`` on a Unix socket in ``folder`` (no TCP port,
    no persistence)."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("redis-server is not installed (make test installs it: ensure-redis.sh)")
        self.folder = folder
        self.socket = folder / "redis.sock"
        self.url = f"unix://{self.socket}"
        log = (folder / "redis.log").open("wb")
        self.process = subprocess.Popen(
            [binary, "--port", "0", "--unixsocket", str(self.socket), "--unixsocketperm", "700",
             "--save", "", "--appendonly", "no", "--dir", str(folder)],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        import redis

        client = redis.Redis(unix_socket_path=str(self.socket))
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((folder / "redis.log").read_text()) from None
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    folder = tmp_path / "redis"
    folder.mkdir()
    if len(str(folder / "redis.sock")) > 100:  # sun_path holds 108 bytes
        pytest.fail(f"tmp_path is too long for a Unix socket: {folder}")
    server = RedisServer(folder)
    try:
        yield server
    finally:
        server.stop()


def issuer_on_redis(tmp_path: Path, name: str, url: str) -> Flask:
    return create_app(
        {
            "DATA_DIR": str(tmp_path / name),
            "RATE_LIMIT_STORAGE": url,
            "RATE_LIMIT_NONCE": f"{LIMIT} per hour",
        }
    )


def test_rate_limit_redis_shared_by_two_apps(tmp_path: Path, redis_server: RedisServer) -> None:
    """Two issuers (each its own database and Redis connection pool) count
    in one Redis: alternating requests share the limit, and Redis holds no
    client address."""
    apps = [issuer_on_redis(tmp_path, f"issuer{i}", redis_server.url) for i in range(2)]
    try:
        clients = [app.test_client() for app in apps]
        sent = [
            clients[i % 2].post("/nonce", environ_base={"REMOTE_ADDR": "198.51.100.3"})
            for i in range(LIMIT + 2)
        ]
        assert [r.status_code for r in sent] == [200] * LIMIT + [429, 429]
        retry_after = int(sent[-1].headers["Retry-After"])
        assert 3500 < retry_after <= 3600
        import redis

        client = redis.Redis(unix_socket_path=str(redis_server.socket), decode_responses=True)
        keys = [str(key) for key in client.keys("*")]
        client.close()
        assert len(keys) == 1 and "198.51.100.3" not in keys[0]
        assert keys[0].startswith("kyc-wallet:rate-limit:issuer:protocol.nonce:")
    finally:
        for app in apps:
            app.extensions["issuer"].db.dispose()


def test_rate_limit_redis_stopping_refuses_with_503(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    app = issuer_on_redis(tmp_path, "issuer", redis_server.url)
    try:
        client = app.test_client()
        assert client.post("/nonce").status_code == 200
        redis_server.stop()
        refused = client.post("/nonce")
        assert refused.status_code == 503
        assert refused.get_json()["error"] == "temporarily_unavailable"
        assert refused.headers["Retry-After"] == "5"
    finally:
        app.extensions["issuer"].db.dispose()
