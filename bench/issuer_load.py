"""Benchmark: the issuer's pre-authorized flow under gunicorn, server CPU per request.

Run: ``.venv/bin/python -m bench.issuer_load [--flows 400] [--clients 4]
[--workers 2] [--threads 2] [--batch 3] [--engines sqlite,postgresql]``, or
``python -m bench issuer_load [--json]`` (one figure, one JSON line, per engine).

For each engine (the SQLite file in the data folder, then a throw-away
PostgreSQL cluster as the tests start it, ``tests/postgres.py``) the issuer
runs under ``gunicorn -w WORKERS --threads THREADS`` on 127.0.0.1 with the
rate limits raised and the token, nonce and proof windows widened (their
length changes no work per request, only how long the prepared requests
stay fresh). FLOWS offers are created through the REST API (not measured).
Then three phases, each CLIENTS processes in closed loops over keep-alive
connections on the same cores as the server:

1. Token Requests (pre-authorized code + PIN), one per offer;
2. Nonce Requests, one per flow;
3. (not timed) the clients sign BATCH ``jwt`` proofs (ES256) per flow;
4. Credential Requests with those BATCH proofs, one per flow.

Measured per phase: the server's CPU (user + system of the gunicorn master
and its workers, from ``/proc``: :func:`bench._report.process_cpu_seconds`)
divided by the requests served, and, beside it, the rate and p99 latency of
the phase. On PostgreSQL the database server's own CPU (the postmaster and
its backends) is reported apart (``db_cpu_ms``). The figure is the
Credential Request's CPU (issue 22 target: <= 3 ms with a batch of 3, one
commit); the token and nonce figures go in ``extra``. Every request must
succeed (else the benchmark stops). Not a test: nothing is asserted.
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
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from bench._report import Figure, load, process_cpu_seconds
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
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


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
    if status != ok_status and not samples.failed.get(f"{kind}:shown"):
        samples.failed[f"{kind}:shown"] = 1
        print(f"  {kind}: HTTP {status} {body[:300]!r}", file=sys.stderr)
    return body if status == ok_status else None


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _report(title: str, samples: Samples, wall: float) -> None:
    print(f"\n{title} ({wall:.1f} s wall)")
    print(
        f"  {'request':<11}{'ok':>7}{'err':>6}{'err %':>7}{'rate/s':>9}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    kinds = {k for k in set(samples.ok) | set(samples.failed) if not k.endswith(":shown")}
    for kind in sorted(kinds):
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
    """Run each job in a client process of its own; their merged samples and the wall time."""
    results, wall = _run_jobs(jobs)
    return _merged(results), wall


def _run_jobs(
    jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]],
) -> tuple[list[Any], float]:
    """Run each job in a client process of its own; their results and the wall time."""
    context = multiprocessing.get_context("fork")
    with context.Pool(len(jobs)) as pool:
        start = time.monotonic()
        pending = [pool.apply_async(fn, args) for fn, args in jobs]
        results = [p.get() for p in pending]
        return results, time.monotonic() - start


def _merged(results: list[Any]) -> Samples:
    merged = Samples()
    for result in results:
        merged.merge(result[0] if isinstance(result, tuple) else result)
    return merged


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


def _start_gunicorn(
    folder: Path, port: int, workers: int, threads: int, database_url: str | None = None
) -> subprocess.Popen[bytes]:
    config = folder / "issuer.toml"
    config.touch(mode=0o600)  # it holds the API key and the operator password
    config.write_text(
        f'DATA_DIR = "{folder / "data"}"\n'
        f'ISSUER_URL = "http://127.0.0.1:{port}"\n'
        f'API_KEYS = ["bench:{API_KEY}"]\n'
        "DEV_ALLOW_HTTP_LOOPBACK = true\n"
        'OPERATOR_PASSWORD = "bench-operator-password"\n'
        'RATE_LIMIT_TOKEN = "1000000 per minute"\n'
        'RATE_LIMIT_NONCE = "1000000 per minute"\n'
        # a long set-up outlasts the default windows; their length changes no work
        "ACCESS_TOKEN_TTL = 7200\n"
        "NONCE_TTL = 7200\n"
        "PROOF_MAX_AGE = 7200\n" + (f'DATABASE_URL = "{database_url}"\n' if database_url else "")
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


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def tree_cpu(pid: int) -> float:
    """CPU seconds of ``pid`` and of its live children (exited ones are in its
    ``cutime`` once reaped)."""
    total = 0.0
    for each in [pid, *_children(pid)]:
        try:
            total += process_cpu_seconds(each)
        except OSError:  # exited between the listing and the read
            pass
    return total


@dataclass
class Phase:
    samples: Samples
    wall: float
    cpu: float
    db_cpu: float

    def per_request(self, kind: str) -> tuple[float, float, float, float]:
        """(server CPU ms, database CPU ms, requests per second, p99 ms) of ``kind``."""
        done = self.samples.ok.get(kind, [])
        if not done or self.samples.failed.get(kind):
            raise RuntimeError(f"{kind}: {self.samples.failed.get(kind, 0)} requests failed")
        return (
            1000 * self.cpu / len(done),
            1000 * self.db_cpu / len(done),
            len(done) / self.wall,
            1000 * _percentile(done, 0.99),
        )


def _measure(
    server: int, database: int | None, jobs: list[tuple[Callable[..., Any], tuple[Any, ...]]]
) -> tuple[Phase, list[Any]]:
    cpu0, db0 = tree_cpu(server), tree_cpu(database) if database else 0.0
    results, wall = _run_jobs(jobs)
    cpu1, db1 = tree_cpu(server), tree_cpu(database) if database else 0.0
    return Phase(_merged(results), wall, cpu1 - cpu0, db1 - db0), results


def _tokens(port: int, offers: list[tuple[str, str]]) -> tuple[Samples, list[str]]:
    samples, conn, tokens = Samples(), Connection(port), []
    for code, pin in offers:
        form = TokenRequest(code, pin).to_form_body().encode()
        body = _timed(samples, "token", 200, partial(conn.call, "POST", "/token", form, FORM))
        tokens.append(json.loads(body)["access_token"] if body else "")
    return samples, tokens


def _nonces(port: int, count: int) -> tuple[Samples, list[str]]:
    samples, conn, nonces = Samples(), Connection(port), []
    for _ in range(count):
        body = _timed(samples, "nonce", 200, partial(conn.call, "POST", "/nonce"))
        nonces.append(json.loads(body)["c_nonce"] if body else "")
    return samples, nonces


def _proofs(port: int, nonces: list[str], batch: int) -> list[bytes]:
    url, now = f"http://127.0.0.1:{port}", int(time.time())
    bodies = []
    for c_nonce in nonces:
        proofs = [build_proof(Key.generate("ES256"), url, c_nonce, now=now) for _ in range(batch)]
        request = {"credential_configuration_id": "kyc_sd_jwt_vc", "proofs": {"jwt": proofs}}
        bodies.append(json.dumps(request).encode())
    return bodies


def _credentials(port: int, work: list[tuple[str, bytes]]) -> Samples:
    samples, conn = Samples(), Connection(port)
    for token, body in work:
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        _timed(samples, "credential", 200, partial(conn.call, "POST", "/credential", body, headers))
    return samples


def _split(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[i::parts] for i in range(parts)]


def _unsplit(parts: list[list[Any]]) -> list[Any]:
    out: list[Any] = [None] * sum(len(p) for p in parts)
    for i, part in enumerate(parts):
        out[i :: len(parts)] = part
    return out


def run_engine(engine: str, args: argparse.Namespace, folder: Path) -> Figure:
    """One engine's run: set-up, the three measured phases, its figure."""
    with _database(engine, folder) as (database_url, database_pid):
        port = _free_port()
        server = _start_gunicorn(folder, port, args.workers, args.threads, database_url)
        try:
            started = time.monotonic()
            offers = _create_offers(port, args.flows)
            print(f"\n[{engine}] set-up: {len(offers)} offers: {time.monotonic() - started:.1f} s")
            n = args.clients
            token_phase, results = _measure(
                server.pid, database_pid, [(_tokens, (port, s)) for s in _split(offers, n)]
            )
            tokens = _unsplit([r[1] for r in results])
            sizes = [len(s) for s in _split(offers, n)]
            nonce_phase, results = _measure(
                server.pid, database_pid, [(_nonces, (port, k)) for k in sizes]
            )
            nonces = [v for r in results for v in r[1]]
            parts, _ = _run_jobs([(_proofs, (port, s, args.batch)) for s in _split(nonces, n)])
            work = list(zip(tokens, [b for p in parts for b in p], strict=True))
            credential_phase, _ = _measure(
                server.pid, database_pid, [(_credentials, (port, s)) for s in _split(work, n)]
            )
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    _report(f"[{engine}] 1. token endpoint", token_phase.samples, token_phase.wall)
    _report(f"[{engine}] 2. nonce endpoint", nonce_phase.samples, nonce_phase.wall)
    _report(
        f"[{engine}] 3. credential endpoint (batch of {args.batch})",
        credential_phase.samples,
        credential_phase.wall,
    )
    cpu, db_cpu, per_s, p99 = credential_phase.per_request("credential")
    token_cpu, token_db, *_ = token_phase.per_request("token")
    nonce_cpu, nonce_db, *_ = nonce_phase.per_request("nonce")
    extra: dict[str, float | int | str] = {
        "batch": args.batch,
        "requests": len(credential_phase.samples.ok["credential"]),
        "token_cpu_ms": round(token_cpu, 3),
        "nonce_cpu_ms": round(nonce_cpu, 3),
        # load-robust: the nonce endpoint (one INSERT, one commit) measured in the same run
        "nonce_over_credential": round(nonce_cpu / cpu, 3),
        "workers": f"{args.workers}x{args.threads}",
    }
    if database_pid:
        extra.update(
            db_cpu_ms=round(db_cpu, 3),
            token_db_cpu_ms=round(token_db, 3),
            nonce_db_cpu_ms=round(nonce_db, 3),
        )
    print(
        f"[{engine}] server CPU per request: credential {cpu:.2f} ms, token {token_cpu:.2f} ms,"
        f" nonce {nonce_cpu:.2f} ms"
        + (f"; PostgreSQL's own: credential {db_cpu:.2f} ms" if database_pid else "")
    )
    return Figure(
        f"issuer_load: credential request, batch of {args.batch}",
        unit="ms CPU",
        project=None,
        cpu_ms=round(cpu, 3),
        per_s=round(per_s, 1),
        p99_ms=round(p99, 1),
        engine=engine,
        target="<= 3 ms CPU, 1 commit",
        extra=extra,
    )


@contextmanager
def _database(engine: str, folder: Path) -> Iterator[tuple[str | None, int | None]]:
    """``(DATABASE_URL, the database server's pid)``: none for SQLite (the file in
    the data folder); a throw-away cluster, migrated, for PostgreSQL."""
    if engine == "sqlite":
        yield None, None
        return
    sys.path.insert(0, str(ROOT))
    from issuer.db.setup import migrate
    from kyc_wallet.database import Database
    from tests.postgres import PostgresCluster

    cluster = PostgresCluster()
    cluster.start()
    try:
        url = cluster.create_database()
        db = Database(url)
        try:
            migrate(db)
        finally:
            db.dispose()
        postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        yield url, postmaster
    finally:
        cluster.stop()


def main() -> list[Figure]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.issuer_load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--flows", type=int, default=400, help="flows per engine (default 400)")
    parser.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (default 2)")
    parser.add_argument("--batch", type=int, default=3, help="proofs per request (default 3)")
    parser.add_argument(
        "--engines", default="sqlite,postgresql", help="comma-separated (default both)"
    )
    args = parser.parse_args()
    print("command: .venv/bin/python -m bench.issuer_load " + " ".join(sys.argv[1:]))
    print(
        f"machine: {os.cpu_count()} cores, {load()}; gunicorn {args.workers} workers x "
        f"{args.threads} threads; {args.clients} client processes on the same cores"
    )
    figures = []
    for engine in args.engines.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            figures.append(run_engine(engine, args, Path(tmp)))
    return figures


if __name__ == "__main__":
    from bench._report import table

    print(table(main()))
