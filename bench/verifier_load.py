"""Benchmark: the verifier's response endpoint under gunicorn, loaded from loopback.

Run: ``.venv/bin/python -m bench.verifier_load [--presentations 600]
[--clients 4] [--workers 3] [--threads 2] [--mode direct_post.jwt]``.

Set-up (not timed, one process per core): the issuer runs under gunicorn; the
bench obtains real SD-JWT VCs from it over OpenID4VCI (batches of 5, one
holder key each); the verifier runs under gunicorn (rate limits raised,
request and KB-JWT windows widened to outlast a long set-up, ``redirect_uri``
client id so the request travels in the link) with a policy of five rules; for every
presentation the bench creates a verification by the platform API and
prepares the wallet's answer: the SD-JWT VC with the five disclosures the
DCQL query asks for and a KB-JWT over the verification's nonce, encrypted to
the verification's key (``direct_post.jwt``) or as a form (``direct_post``).

Timed: CLIENTS processes POST the prepared answers to ``/oid4vp/response``,
each over one keep-alive connection, all on the same 2 cores as the server.
Each answer is fully checked by the verifier: decryption, issuer signature
(trust list, JWT VC issuer metadata), disclosures, KB-JWT, status list (cached
by its ttl after the first fetch per worker), DCQL, policy rules, single-use
state and nonce, the verdict committed to SQLite. Reported: sustained rate,
p50/p95/p99 latency and the error rate. Not a test: nothing is asserted.
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
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

from bench.issuer_load import (
    Connection,
    Samples,
    _create_offers,
    _free_port,
    _report,
    _run_clients,
    _start_gunicorn,
    _timed,
    serve_app,
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


def _credentials(issuer_port: int, count: int) -> list[tuple[str, Key]]:
    """Real SD-JWT VCs from the issuer: batches of 5, one fresh holder key each."""
    url = f"http://127.0.0.1:{issuer_port}"
    conn = Connection(issuer_port)
    out: list[tuple[str, Key]] = []
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
        out.extend((str(v), k) for v, k in zip(values, keys, strict=True))
    return out[:count]


def _start_verifier(
    folder: Path, port: int, issuer_port: int, args: argparse.Namespace
) -> subprocess.Popen[bytes]:
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
        f'VERIFIER_URL = "http://127.0.0.1:{port}"\n'
        f'API_KEYS = ["bench:{API_KEY}"]\n'
        'CLIENT_ID_PREFIX = "redirect_uri"\n'
        f'RESPONSE_MODE = "{args.mode}"\n'
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
    return serve_app("verifier", config, port, args.workers, args.threads, "/api/v1/openapi.json")


def _answers(port: int, credentials: list[tuple[str, Key]], issuer_key: Key) -> list[bytes]:
    """One verification per credential, and the wallet's prepared answer to it."""
    conn = Connection(port)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {API_KEY}"}
    bodies = []
    for compact, holder in credentials:
        status, created = conn.call("POST", "/api/v1/verifications", b'{"policy": "kyc"}', headers)
        if status != 201:
            raise RuntimeError(f"verification not created: {status} {created[:200]!r}")
        request = parse_request_link(json.loads(created)["link"])
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


def _prepare(
    issuer_port: int, verifier_port: int, count: int, issuer_jwk: dict[str, str]
) -> list[bytes]:
    """One set-up process: ``count`` credentials, then the answers that present them."""
    credentials = _credentials(issuer_port, count)
    return _answers(verifier_port, credentials, Key.from_jwk(issuer_jwk))


def _response_client(port: int, bodies: list[bytes]) -> Samples:
    samples, conn = Samples(), Connection(port)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for body in bodies:
        _timed(
            samples, "response", 200, partial(conn.call, "POST", "/oid4vp/response", body, headers)
        )
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.verifier_load", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--presentations", type=int, default=600, help="answers to post (default 600)"
    )
    parser.add_argument("--clients", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="threads per worker (default 2)")
    parser.add_argument(
        "--mode", default="direct_post.jwt", choices=["direct_post.jwt", "direct_post"]
    )
    args = parser.parse_args()
    print("command: .venv/bin/python -m bench.verifier_load " + " ".join(sys.argv[1:]))
    print(
        f"machine: {os.cpu_count()} cores; gunicorn {args.workers} workers x {args.threads}"
        f" threads; {args.clients} client processes on the same cores; mode {args.mode}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        issuer_port, verifier_port = _free_port(), _free_port()
        (folder / "issuer").mkdir()
        issuer = _start_gunicorn(folder / "issuer", issuer_port, 1, 4)
        verifier = None
        try:
            started = time.monotonic()
            _, jwks = Connection(issuer_port).call("GET", "/.well-known/jwt-vc-issuer")
            jwk = json.loads(jwks)["jwks"]["keys"][0]
            issuer_jwk = {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y")}
            verifier = _start_verifier(folder / "verifier", verifier_port, issuer_port, args)
            setups = os.cpu_count() or 1
            counts = [len(range(i, args.presentations, setups)) for i in range(setups)]
            with multiprocessing.get_context("fork").Pool(setups) as pool:
                parts = pool.starmap(
                    _prepare, [(issuer_port, verifier_port, n, issuer_jwk) for n in counts if n]
                )
            bodies = [body for part in parts for body in part]
            print(
                f"\nset-up: {len(bodies)} credentials issued and answers prepared: "
                f"{time.monotonic() - started:.1f} s"
            )
            share = [bodies[i :: args.clients] for i in range(args.clients)]
            samples, wall = _run_clients([(_response_client, (verifier_port, s)) for s in share])
            _report(
                "verifier response endpoint: a presentation checked and its verdict stored",
                samples,
                wall,
            )
        finally:
            for process in (verifier, issuer):
                if process is not None:
                    process.send_signal(signal.SIGTERM)
                    process.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
