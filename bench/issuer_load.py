"""Benchmark: the issuer under gunicorn, loaded from loopback.

Run: ``.venv/bin/python -m bench.issuer_load [--seconds 10] [--clients 8]
[--workers 3] [--threads 2] [--flows 1500]``.

The issuer's data folder is initialised once in this process (database,
signing key, secret), then served by ``gunicorn -w WORKERS --threads THREADS``
on 127.0.0.1 with the rate limits raised (each worker has its own in-memory
limiter, so limits would be per worker anyway) and one SQLite file shared by
the workers (WAL, ``BEGIN IMMEDIATE``, busy timeout). The load generator is
CLIENTS processes on the same machine, each a closed loop over one keep-alive
connection, so client and server share the cores. Three scenarios, each
bounded in time (``--seconds``) and count:

1. issuance: per client, whole OpenID4VCI flows - Token Request (pre-
   authorized code + PIN), Nonce Request, Credential Request with a batch of
   two ``jwt`` proofs (ES256) - on offers created beforehand through the REST
   API (at most ``--flows`` flows in all);
2. nonce: ``POST /nonce`` alone (one INSERT each);
3. status list: ``GET /statuslists/<id>`` (a signed 2-bit list of 2^17 entries).

Reported per request type: completed requests per second (sustained, over the
scenario's wall time), p50/p95/p99 latency, and the error rate (any non-2xx
or connection failure). Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import http.client
import importlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ssi.jose import Key
from ssi.oid4vci import TokenRequest, build_proof
from ssi.oid4vci.spec import GRANT_PRE_AUTHORIZED_CODE

ROOT = Path(__file__).resolve().parent.parent
API_KEY = "bench-api-key-0123456789"
APPLICANT: dict[str, Any] = {
    "given_name": "Erika",
    "family_name": "Mustermann",
    "birthdate": "1990-08-12",
    "nationalities": ["DE"],
    "country": "DE",
    "kyc_level": 2,
    "kyc_method": "video_ident",
    "sanctions_screening_result": "clear",
    "sanctions_screening_date": "2026-11-01",
    "investor_classification": "professional",
}


@dataclass
class Samples:
    """Latencies (seconds) of successful requests and a count of failures, by kind."""

    ok: dict[str, list[float]] = field(default_factory=dict)
    failed: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, seconds: float, success: bool) -> None:
        if success:
            self.ok.setdefault(kind, []).append(seconds)
        else:
            self.failed[kind] = self.failed.get(kind, 0) + 1

    def merge(self, other: Samples) -> None:
        for kind, values in other.ok.items():
            self.ok.setdefault(kind, []).extend(values)
        for kind, count in other.failed.items():
            self.failed[kind] = self.failed.get(kind, 0) + count


class Connection:
    """One keep-alive HTTP/1.1 connection, reopened after a failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes]:
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            response = self.conn.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            return 0, b""


def _timed(
    samples: Samples, kind: str, ok_status: int, call: Callable[[], tuple[int, bytes]]
) -> bytes | None:
    start = time.perf_counter()
    status, body = call()
    elapsed = time.perf_counter() - start
    samples.add(kind, elapsed, status == ok_status)
    return body if status == ok_status else None


def _issuance_client(port: int, offers: list[tuple[str, str]], deadline: float) -> Samples:
    """Whole flows, one per offer, until the offers or the time run out."""
    samples, conn, url = Samples(), Connection(port), f"http://127.0.0.1:{port}"
    form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for code, pin in offers:
        if time.monotonic() >= deadline:
            break
        flow_start = time.perf_counter()
        form = TokenRequest(code, pin).to_form_body().encode()
        token = _timed(
            samples, "token", 200, partial(conn.call, "POST", "/token", form, form_headers)
        )
        nonce = _timed(samples, "nonce", 200, partial(conn.call, "POST", "/nonce"))
        if token is None or nonce is None:
            samples.add("flow", 0.0, False)
            continue
        access_token, c_nonce = json.loads(token)["access_token"], json.loads(nonce)["c_nonce"]
        now = int(time.time())
        proofs = [build_proof(Key.generate("ES256"), url, c_nonce, now=now) for _ in range(2)]
        body = json.dumps(
            {"credential_configuration_id": "kyc_sd_jwt_vc", "proofs": {"jwt": proofs}}
        )
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {access_token}"}
        issued = _timed(
            samples,
            "credential",
            200,
            partial(conn.call, "POST", "/credential", body.encode(), headers),
        )
        samples.add("flow", time.perf_counter() - flow_start, issued is not None)
    return samples


def _repeat_client(
    port: int, method: str, path: str, kind: str, deadline: float, limit: int
) -> Samples:
    samples, conn = Samples(), Connection(port)
    for _ in range(limit):
        if time.monotonic() >= deadline:
            break
        _timed(samples, kind, 200, partial(conn.call, method, path))
    return samples


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _report(title: str, samples: Samples, wall: float) -> None:
    print(f"\n{title} ({wall:.1f} s wall)")
    print(
        f"  {'request':<11}{'ok':>7}{'err':>6}{'err %':>7}{'rate/s':>9}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    for kind in sorted(set(samples.ok) | set(samples.failed)):
        values, failed = samples.ok.get(kind, []), samples.failed.get(kind, 0)
        total = len(values) + failed
        pcts = [
            _percentile(values, f) * 1000 if values else float("nan") for f in (0.5, 0.95, 0.99)
        ]
        print(
            f"  {kind:<11}{len(values):>7}{failed:>6}{100 * failed / max(total, 1):>7.2f}"
            f"{len(values) / wall:>9.1f}" + "".join(f"{p:>9.1f}" for p in pcts)
        )


def _run_clients(
    jobs: list[tuple[Callable[..., Samples], tuple[Any, ...]]],
) -> tuple[Samples, float]:
    context = multiprocessing.get_context("fork")
    start = time.monotonic()
    with context.Pool(len(jobs)) as pool:
        results = [pool.apply_async(fn, args) for fn, args in jobs]
        merged = Samples()
        for result in results:
            merged.merge(result.get())
    return merged, time.monotonic() - start


def _create_offers(port: int, count: int) -> list[tuple[str, str]]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
    body = json.dumps({"applicant": APPLICANT}).encode()

    def one(_: int) -> tuple[str, str]:
        status, data = Connection(port).call("POST", "/api/v1/offers", body, headers)
        if status != 201:
            raise RuntimeError(f"offer creation failed: {status} {data[:200]!r}")
        offer = json.loads(data)
        grant = offer["credential_offer"]["grants"][GRANT_PRE_AUTHORIZED_CODE]
        return grant["pre-authorized_code"], offer["tx_code"]

    with ThreadPoolExecutor(4) as pool:
        return list(pool.map(one, range(count)))


def _start_gunicorn(folder: Path, port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    config = folder / "issuer.toml"
    config.write_text(
        f'DATA_DIR = "{folder / "data"}"\n'
        f'ISSUER_URL = "http://127.0.0.1:{port}"\n'
        f'API_KEYS = ["bench:{API_KEY}"]\n'
        "DEV_ALLOW_HTTP_LOOPBACK = true\n"
        'OPERATOR_PASSWORD = "bench-operator-password"\n'
        'RATE_LIMIT_TOKEN = "1000000 per minute"\n'
        'RATE_LIMIT_NONCE = "1000000 per minute"\n'
    )
    return serve_app(
        "issuer", config, port, workers, threads, "/.well-known/openid-credential-issuer"
    )


def serve_app(
    app: str, config: Path, port: int, workers: int, threads: int, probe: str
) -> subprocess.Popen[bytes]:
    """Serve ``<app>.app:create_app()`` with gunicorn on 127.0.0.1:``port`` from the
    TOML ``config``; return once ``probe`` answers 200."""
    env = {**os.environ, f"KYCW_{app.upper()}_CONFIG_FILE": str(config)}
    # initialise the data folder once (database, keys, secrets) before the workers start
    importlib.import_module(f"{app}.app").create_app({"CONFIG_FILE": str(config)})
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--log-level", "warning",
        f"{app}.app:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Connection(port).call("GET", probe)[0] == 200:
            return process
        time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"the {app} did not start under gunicorn")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.issuer_load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="per scenario (default 10)")
    parser.add_argument("--clients", type=int, default=8, help="client processes (default 8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (default 2)")
    parser.add_argument(
        "--flows", type=int, default=1500, help="most issuance flows (default 1500)"
    )
    parser.add_argument("--requests", type=int, default=20_000, help="most requests per client")
    args = parser.parse_args()
    print("command: .venv/bin/python -m bench.issuer_load " + " ".join(sys.argv[1:]))
    print(
        f"machine: {os.cpu_count()} cores; gunicorn {args.workers} workers x {args.threads}"
        f" threads; {args.clients} client processes on the same cores"
    )
    with tempfile.TemporaryDirectory() as tmp:
        port = _free_port()
        server = _start_gunicorn(Path(tmp), port, args.workers, args.threads)
        try:
            started = time.monotonic()
            offers = _create_offers(port, args.flows)
            took = time.monotonic() - started
            print(f"\nsetup: {len(offers)} offers by POST /api/v1/offers (4 threads): {took:.1f} s")
            share = [offers[i :: args.clients] for i in range(args.clients)]
            deadline = time.monotonic() + args.seconds
            samples, wall = _run_clients([(_issuance_client, (port, s, deadline)) for s in share])
            _report("1. issuance: token + nonce + credential (batch of 2) per flow", samples, wall)
            list_id = _status_list_id(port)
            for title, method, path, kind in (
                ("2. nonce endpoint", "POST", "/nonce", "nonce"),
                ("3. status list endpoint", "GET", f"/statuslists/{list_id}", "statuslist"),
            ):
                deadline = time.monotonic() + args.seconds
                jobs = [
                    (_repeat_client, (port, method, path, kind, deadline, args.requests))
                    for _ in range(args.clients)
                ]
                samples, wall = _run_clients(jobs)
                _report(title, samples, wall)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    return 0


def _status_list_id(port: int) -> str:
    status, body = Connection(port).call(
        "GET", "/api/v1/credentials", headers={"Authorization": f"Bearer {API_KEY}"}
    )
    if status != 200 or not json.loads(body)["credentials"]:
        raise RuntimeError("no credential was issued, so there is no status list to load")
    list_id: str = json.loads(body)["credentials"][0]["status_list"]["id"]
    return list_id


if __name__ == "__main__":
    sys.exit(main())
