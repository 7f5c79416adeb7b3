"""Benchmark: the verifier's response endpoint under gunicorn, on SQLite and on
PostgreSQL, with its server CPU per response read from ``/proc``.

Run: ``.venv/bin/python -m bench verifier_load [--json]`` or
``.venv/bin/python -m bench.verifier_load [--presentations 300] [--clients 2]
[--workers 2] [--threads 2] [--engines sqlite,postgresql] [--scaling 1,2,4]
[--mode direct_post.jwt]``.

Set-up (not timed): the issuer runs under gunicorn; the bench obtains real
SD-JWT VCs from it over OpenID4VCI (batches of 5, one holder key each). For
each engine (PostgreSQL: a throw-away cluster, ``tests/postgres.py``) the
verifier runs under gunicorn (:mod:`bench._noop_app`: the production app plus a
no-op endpoint; rate limits raised, request and KB-JWT windows widened to
outlast a long set-up, ``redirect_uri`` client id so the request travels in the
link) with a policy of five rules; for every presentation the bench creates a
verification by the platform API and prepares the wallet's answer: the SD-JWT
VC with the five disclosures the DCQL query asks for and a KB-JWT over the
verification's nonce, encrypted to the verification's key (``direct_post.jwt``)
or as a form (``direct_post``). A few answers warm each worker up (its first
fetch of the issuer's metadata and status list) and are not counted.

Timed: CLIENTS processes POST the prepared answers to ``/oid4vp/response``,
each over one keep-alive connection, on the same cores as the server. Each
answer is fully checked: decryption, issuer signature (trust list, JWT VC
issuer metadata), disclosures, KB-JWT, status list, DCQL, policy rules,
single-use state and nonce, the verdict committed. Then the same bodies are
posted to the no-op endpoint.

Timed first: CLIENTS processes create the verifications over the platform API
(``POST /api/v1/verifications``, no QR code drawn); the figure ``creating a
verification`` is the verifier workers' CPU per verification created (target
≤ 1 ms), with its ``noop_ratio`` against the same no-op endpoint.

Figures (per engine): ``cpu_ms``, the CPU of the verifier's gunicorn
workers (``/proc``, user + system) per response; ``noop_ratio``, the no-op
endpoint's CPU per request divided by ``cpu_ms`` (both from this run); beside
them, never as a gate, the rate and p99 latency, and the database server's CPU
per response (``db_cpu_ms``, PostgreSQL). ``--scaling 1,2,4`` also reports the
rate against the worker count (SQLite).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench._noop_app import NOOP_PATH
from bench._report import Figure, load, tree_cpu_seconds
from bench.issuer_load import (
    ROOT,
    Connection,
    Samples,
    _create_offers,
    _free_port,
    _merged,
    _percentile,
    _report,
    _run_clients,
    _run_jobs,
    _start_gunicorn,
    _timed,
)
from kyc_wallet.demo_setup import RULES, VCT  # the demo's five-rule policy
from ssi.dcql import CandidateCredential, match
from ssi.jose import Key
from ssi.oid4vci import CredentialResponse, TokenRequest, build_proof
from ssi.oid4vp import (
    AuthorizationRequest,
    AuthorizationResponse,
    encrypt_response,
    parse_request_link,
    spec,
)
from ssi.sdjwt import HeldSDJWT

API_KEY = "bench-verifier-key-0123456789"
ENGINES = ("sqlite", "postgresql")
TARGET = "cpu <= 1.5 ms, >= 0.3xN"
CREATE_TARGET = "cpu <= 1 ms"
Credential = tuple[str, dict[str, Any]]
"""An issued SD-JWT VC and its holder's private JWK (picklable)."""


def _credentials(issuer_port: int, count: int) -> list[Credential]:
    """Real SD-JWT VCs from the issuer: batches of 5, one fresh holder key each."""
    url = f"http://127.0.0.1:{issuer_port}"
    conn = Connection(issuer_port)
    out: list[Credential] = []
    for code, pin in _create_offers(issuer_port, (count + 4) // 5):
        form = TokenRequest(code, pin).to_form_body().encode()
        _, token = conn.call(
            "POST", "/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        _, nonce = conn.call("POST", "/nonce")
        keys = [Key.generate("ES256") for _ in range(5)]
        proofs = [
            build_proof(k, url, json.loads(nonce)["c_nonce"], now=int(time.time())) for k in keys
        ]
        body = json.dumps(
            {"credential_configuration_id": "kyc_sd_jwt_vc", "proofs": {"jwt": proofs}}
        )
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {json.loads(token)['access_token']}",
        }
        status, issued = conn.call("POST", "/credential", body.encode(), headers)
        if status != 200:
            raise RuntimeError(f"issuance failed: {status} {issued[:200]!r}")
        values = CredentialResponse.from_dict(json.loads(issued)).credential_values
        out.extend((str(v), k.private_jwk()) for v, k in zip(values, keys, strict=True))
    return out[:count]


def _config(folder: Path, port: int, issuer_port: int, mode: str, database: str | None) -> Path:
    folder.mkdir()
    (folder / "policies.json").write_text(
        json.dumps({"policies": {"kyc": {"vct": VCT, "rules": RULES}}})
    )
    (folder / "trust.json").write_text(
        json.dumps({"issuers": {f"http://127.0.0.1:{issuer_port}": {"mechanisms": ["metadata"]}}})
    )
    config = folder / "verifier.toml"
    config.write_text(
        f'DATA_DIR = "{folder / "data"}"\n'
        + (f'DATABASE_URL = "{database}"\n' if database else "")
        + f'VERIFIER_URL = "http://127.0.0.1:{port}"\n'
        f'API_KEYS = [{{name = "bench", key = "{API_KEY}", tokens = [], policies = ["kyc"]}}]\n'
        'CLIENT_ID_PREFIX = "redirect_uri"\n'
        f'RESPONSE_MODE = "{mode}"\n'
        f'POLICIES_PATH = "{folder / "policies.json"}"\n'
        f'TRUST_LIST_PATH = "{folder / "trust.json"}"\n'
        "DEV_ALLOW_HTTP_LOOPBACK = true\n"
        "CHAIN_WORKER_INTERVAL = 0\n"
        "MONITOR_INTERVAL = 0\n"
        'RATE_LIMIT_RESPONSE = "1000000 per minute"\n'
        # a long run's set-up outlasts the default windows (600 s, 300 s); their
        # length changes no work per request, only which prepared answers are fresh
        "REQUEST_TTL = 7200\n"
        "KB_JWT_MAX_AGE = 7200\n"
        'RATE_LIMIT_REQUEST = "1000000 per minute"\n'
    )
    config.chmod(0o600)
    return config


def _serve(
    config: Path, database: str | None, port: int, workers: int, threads: int
) -> subprocess.Popen[bytes]:
    """The verifier with the no-op endpoint (:mod:`bench._noop_app`) under gunicorn."""
    from verifier.app import create_app
    from verifier.storage import database_of, migrate

    if database is not None:  # `kyc-wallet verifier migrate` first (the app checks it)
        db = database_of({"DATA_DIR": str(config.parent / "data"), "DATABASE_URL": database})
        try:
            migrate(db, {"DATA_DIR": str(config.parent / "data")})
        finally:
            db.dispose()
    app = create_app({"CONFIG_FILE": str(config)})  # the data folder (keys, SQLite file)
    app.extensions["store"].dispose()
    env = {**os.environ, "KYCW_VERIFIER_CONFIG_FILE": str(config)}
    command = [
        sys.executable, "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--log-level", "warning",
        "bench._noop_app:create_app()",
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if Connection(port).call("GET", "/api/v1/openapi.json")[0] == 200:
            if len(_children(process.pid)) >= workers:
                return process
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the verifier did not start under gunicorn")


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants now."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(_children(current))
    return out


def _create_client(port: int, count: int) -> tuple[Samples, list[str]]:
    """Create ``count`` verifications over the platform API: the samples and the links."""
    samples, conn, links = Samples(), Connection(port), []
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
    for _ in range(count):
        body = _timed(
            samples,
            "create",
            201,
            partial(conn.call, "POST", "/api/v1/verifications", b'{"policy": "kyc"}', headers),
        )
        if body is None:
            raise RuntimeError("verification not created (see above)")
        links.append(json.loads(body)["link"])
    return samples, links


def _create_phase(
    server: subprocess.Popen[bytes], port: int, count: int, clients: int
) -> tuple[Samples, float, float, list[str]]:
    """Create ``count`` verifications from ``clients`` processes: (samples, wall s,
    server CPU s, links)."""
    workers = _children(server.pid)
    before = tree_cpu_seconds(workers)
    shares = [count // clients + (i < count % clients) for i in range(clients)]
    results, wall = _run_jobs([(_create_client, (port, n)) for n in shares if n])
    cpu = tree_cpu_seconds(workers) - before
    samples = _merged([r[0] for r in results])
    return samples, wall, cpu, [link for r in results for link in r[1]]


def _answers(
    links: list[str], credentials: list[Credential], issuer_jwk: dict[str, Any]
) -> list[bytes]:
    """The wallet's prepared answer to each verification, one credential each."""
    bodies = []
    issuer_key = Key.from_jwk(issuer_jwk)
    for link, (compact, holder_jwk) in zip(links, credentials, strict=True):
        holder = Key.from_jwk(holder_jwk, private=True)
        request = parse_request_link(link)
        if not isinstance(request, AuthorizationRequest):
            raise RuntimeError("the bench uses redirect_uri client ids (request in the link)")
        held = HeldSDJWT.receive(compact, lambda h, p: issuer_key, typ="dc+sd-jwt")
        candidate = CandidateCredential("dc+sd-jwt", VCT, held.claims, holder_binding=True)
        chosen = match(request.dcql_query, [candidate]).selection()
        vp_token = {
            query_id: [
                held.present(
                    m[0].disclose,
                    holder_key=holder,
                    audience=request.client_id,
                    nonce=request.nonce,
                    iat=int(time.time()),
                )
            ]
            for query_id, m in chosen.items()
        }
        response = AuthorizationResponse(vp_token, request.state)
        if request.response_mode == spec.RESPONSE_MODE_DIRECT_POST_JWT:
            assert request.client_metadata is not None
            form = {"response": encrypt_response(response, request.client_metadata)}
        else:
            form = response.to_form()
        bodies.append(urlencode(form).encode())
    return bodies


def _issuer_jwk(issuer_port: int) -> dict[str, Any]:
    _, metadata = Connection(issuer_port).call("GET", "/.well-known/jwt-vc-issuer")
    jwk = json.loads(metadata)["jwks"]["keys"][0]
    return {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y")}


def _post_client(port: int, path: str, bodies: list[bytes]) -> Samples:
    samples, conn = Samples(), Connection(port)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for body in bodies:
        _timed(samples, "post", 200, partial(conn.call, "POST", path, body, headers))
    return samples


def _phase(
    server: subprocess.Popen[bytes], port: int, path: str, bodies: list[bytes], clients: int
) -> tuple[Samples, float, float]:
    """Post ``bodies`` to ``path`` from ``clients`` processes: (samples, wall s, server CPU s)."""
    workers = _children(server.pid)
    before = tree_cpu_seconds(workers)
    share = [bodies[i::clients] for i in range(clients)]
    samples, wall = _run_clients([(_post_client, (port, path, s)) for s in share])
    return samples, wall, tree_cpu_seconds(workers) - before


@contextmanager
def _postgres() -> Iterator[Any]:
    sys.path.insert(0, str(ROOT))
    from tests.postgres import PostgresCluster

    cluster = PostgresCluster()
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def _db_cpu(cluster: Any) -> float:
    """The CPU of the PostgreSQL server (its postmaster and backends), 0 for SQLite."""
    return 0.0 if cluster is None else tree_cpu_seconds(_tree(cluster._process.pid))


def _figure(
    name: str,
    ok: list[float],
    wall: float,
    cpu_ms: float,
    noop_ms: float,
    engine: str,
    target: str,
    extra: dict[str, float | int | str],
) -> Figure:
    """An endpoint's figure: rate, server CPU per request, the no-op ratio, p99."""
    return Figure(
        name,
        project=len(ok) / wall,
        cpu_ms=round(cpu_ms, 3),
        noop_ratio=round(noop_ms / cpu_ms, 3),
        per_s=round(len(ok) / wall, 1),
        p99_ms=round(1000 * _percentile(ok, 0.99), 1) if ok else None,
        engine=engine,
        target=target,
        extra=extra,
    )


def _run(
    folder: Path,
    issuer_port: int,
    credentials: list[Credential],
    args: argparse.Namespace,
    engine: str,
    workers: int,
    cluster: Any = None,
) -> list[Figure]:
    """One verifier on ``engine`` with ``workers``: the timed phases and their
    figures (creating a verification; answering one)."""
    port = _free_port()
    database = cluster.create_database() if cluster is not None else None
    name = f"verifier-{engine}-{workers}"
    config = _config(folder / name, port, issuer_port, args.mode, database)
    server = _serve(config, database, port, workers, args.threads)
    try:
        created, create_wall, create_cpu, links = _create_phase(
            server, port, len(credentials), args.clients
        )
        _report(f"creating verifications, {engine}, {workers} workers", created, create_wall)
        setups = os.cpu_count() or 1
        chunks = [(links[i::setups], credentials[i::setups]) for i in range(setups)]
        with multiprocessing.get_context("fork").Pool(setups) as pool:
            jwk = _issuer_jwk(issuer_port)
            parts = pool.starmap(_answers, [(ln, c, jwk) for ln, c in chunks if c])
        bodies = [body for part in parts for body in part]
        warm, timed = bodies[: 4 * workers], bodies[4 * workers :]
        _phase(server, port, "/oid4vp/response", warm, args.clients)
        db_before = _db_cpu(cluster)
        samples, wall, cpu = _phase(server, port, "/oid4vp/response", timed, args.clients)
        db_cpu = _db_cpu(cluster) - db_before
        _report(f"response endpoint, {engine}, {workers} workers", samples, wall)
        noop, noop_wall, noop_cpu = _phase(server, port, NOOP_PATH, timed, args.clients)
        _report(f"no-op endpoint, {engine}, {workers} workers", noop, noop_wall)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    ok = samples.ok.get("post", [])
    count = len(timed)
    cpu_ms, noop_ms = 1000 * cpu / count, 1000 * noop_cpu / count
    print(
        f"  server CPU per request: response {cpu_ms:.2f} ms, no-op {noop_ms:.2f} ms"
        f" (ratio {noop_ms / cpu_ms:.2f})"
        + (f"; PostgreSQL server {1000 * db_cpu / count:.2f} ms" if cluster is not None else "")
    )
    extra: dict[str, float | int | str] = {
        "workers": workers,
        "threads": args.threads,
        "clients": args.clients,
        "responses": count,
        "errors": samples.failed.get("post", 0),
        "noop_cpu_ms": round(noop_ms, 3),
    }
    if cluster is not None:
        extra["db_cpu_ms"] = round(1000 * db_cpu / count, 3)
    created_ok = created.ok.get("create", [])
    create_ms = 1000 * create_cpu / len(credentials)
    print(f"  server CPU per verification created: {create_ms:.2f} ms")
    creating = _figure(
        f"verifier_load: creating a verification (API), {workers} workers",
        created_ok, create_wall, create_ms, noop_ms, engine, CREATE_TARGET,
        {"workers": workers, "created": len(credentials), "clients": args.clients},
    )  # fmt: skip
    answering = _figure(
        f"verifier_load: response endpoint ({args.mode}), {workers} workers",
        ok, wall, cpu_ms, noop_ms, engine, TARGET, extra,
    )  # fmt: skip
    return [creating, answering]


def main() -> list[Figure]:
    parser = argparse.ArgumentParser(
        prog="python -m bench.verifier_load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--presentations", type=int, default=300, help="per run (default 300)")
    parser.add_argument("--clients", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (default 2)")
    parser.add_argument("--engines", default=",".join(ENGINES), help="sqlite,postgresql")
    parser.add_argument(
        "--scaling", default="", help="worker counts for the rate (SQLite), e.g. 1,2,4"
    )
    parser.add_argument(
        "--mode", default="direct_post.jwt", choices=["direct_post.jwt", "direct_post"]
    )
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    if set(engines) - set(ENGINES):
        parser.error(f"--engines takes {', '.join(ENGINES)}")
    scaling = [int(w) for w in args.scaling.split(",") if w]
    print("command: .venv/bin/python -m bench.verifier_load " + " ".join(sys.argv[1:]))
    print(
        f"machine: {os.cpu_count()} cores, {load()}; gunicorn {args.workers} workers x "
        f"{args.threads} threads; {args.clients} client processes on the same cores;"
        f" mode {args.mode}"
    )
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        issuer_port = _free_port()
        (folder / "issuer").mkdir()
        issuer = _start_gunicorn(folder / "issuer", issuer_port, 1, 4)
        try:
            started = time.monotonic()
            count = args.presentations + 4 * max([args.workers, *scaling])
            setups = os.cpu_count() or 1
            counts = [len(range(i, count, setups)) for i in range(setups)]
            with multiprocessing.get_context("fork").Pool(setups) as pool:
                parts = pool.starmap(_credentials, [(issuer_port, n) for n in counts if n])
            credentials = [c for part in parts for c in part]
            print(f"\nset-up: {len(credentials)} credentials: {time.monotonic() - started:.1f} s")
            for engine in engines:
                if engine == "postgresql":
                    with _postgres() as cluster:
                        figures.extend(
                            _run(folder, issuer_port, credentials, args, engine, args.workers,
                                 cluster)
                        )  # fmt: skip
                else:
                    figures.extend(
                        _run(folder, issuer_port, credentials, args, engine, args.workers)
                    )
            for workers in scaling:
                figures.extend(_run(folder, issuer_port, credentials, args, "sqlite", workers))
        finally:
            issuer.send_signal(signal.SIGTERM)
            issuer.wait(timeout=30)
    return figures


if __name__ == "__main__":
    from bench._report import table

    print(table(main()))
