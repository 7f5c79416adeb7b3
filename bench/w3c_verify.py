"""Benchmark: W3C credential and presentation verifications per second on one core.

Run: ``.venv/bin/python -m bench.w3c_verify [seconds-per-case]`` (default 5 s, in
5 interleaved rounds; the best round of each case is reported).

didkit 0.3.3's verification is a coroutine. Three ways to drive it, for an
Ed25519 did:key credential (VC-JWT, and LDP with Ed25519Signature2020):

(a) one event loop awaiting call after call (the bound for a sync caller);
(b) ``asyncio.run`` per call (a new loop each time, what a naive Flask view does);
(c) ``ssi.w3c``'s runner: one loop in a background thread, any thread submits
    (what the apps use);

then ``ssi.w3c.verify_credential`` (our checks + (c)) and ``verify_presentation``
(a VP over one credential: two proofs, nonce/audience, subject binding).
Not a test: nothing is asserted beyond a first successful verification.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from collections.abc import Callable

import didkit

from ssi.jose import Key
from ssi.w3c import (
    DidSigner,
    build_credential,
    build_presentation,
    issue_credential,
    verify_credential,
    verify_presentation,
)
from ssi.w3c.proofs import PROOF_FORMAT
from ssi.w3c.runtime import check_result, run
from ssi.w3c.spec import FORMAT_JWT_VC_JSON, FORMAT_LDP_VC

ROUNDS = 5
NONCE = "n-0S6_WzA2Mj"
CLIENT_ID = "x509_san_dns:verifier.example.org"
BATCH = 50


def _rate(fn: Callable[[], object], seconds: float, per_call: int = 1) -> float:
    count = 0
    start = time.perf_counter()
    deadline = start + seconds
    while True:
        fn()
        count += per_call
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - start)


def _cases(
    fmt: str, issuer: DidSigner, holder: DidSigner, now: int
) -> dict[str, Callable[[], object]]:
    document = build_credential(
        "KycLevelCredential",
        {"kycLevel": 2, "kycMethod": "eid"},
        issuer=issuer.did,
        holder=holder.did,
        issued=now - 60,
        expires=now + 86_400,
        status=None,
    )
    credential = issue_credential(document, issuer, fmt)
    encoded = credential if isinstance(credential, str) else json.dumps(credential)
    options = json.dumps({"proofFormat": PROOF_FORMAT[fmt], "proofPurpose": "assertionMethod"})
    vp = build_presentation(credential, holder, fmt, nonce=NONCE, client_id=CLIENT_ID)
    trusted = {issuer.did}

    async def one() -> str:
        return str(await didkit.verify_credential(encoded, options))

    async def batch() -> None:
        for _ in range(BATCH):
            check_result(await didkit.verify_credential(encoded, options), "bench")

    def per_call_loop() -> None:
        check_result(asyncio.run(one()), "bench")

    def runner() -> None:
        check_result(run(didkit.verify_credential, encoded, options), "bench")

    def ours() -> object:
        return verify_credential(credential, fmt, trusted_issuers=trusted, now=now)

    def presentation() -> object:
        return verify_presentation(
            vp, fmt, nonce=NONCE, client_id=CLIENT_ID, trusted_issuers=trusted, now=now
        )

    label = "VC-JWT" if fmt == FORMAT_JWT_VC_JSON else "LDP VC"
    return {
        f"{label} (a) one loop": lambda: asyncio.run(batch()),
        f"{label} (b) asyncio.run per call": per_call_loop,
        f"{label} (c) ssi.w3c runner": runner,
        f"{label} verify_credential": ours,
        f"{'VC-JWT' if label == 'VC-JWT' else 'LDP'} VP verify_presentation": presentation,
    }


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    issuer, holder = (
        DidSigner.from_key(Key.generate("EdDSA")),
        DidSigner.from_key(Key.generate("EdDSA")),
    )
    now = int(time.time())
    cases: dict[str, Callable[[], object]] = {}
    per_call: dict[str, int] = {}
    for fmt in (FORMAT_JWT_VC_JSON, FORMAT_LDP_VC):
        for name, fn in _cases(fmt, issuer, holder, now).items():
            fn()  # a first successful verification, or an exception
            cases[name] = fn
            per_call[name] = BATCH if "(a)" in name else 1
    rates: dict[str, float] = dict.fromkeys(cases, 0.0)
    per_case = seconds / ROUNDS
    for _ in range(ROUNDS):
        for name, fn in cases.items():
            rates[name] = max(rates[name], _rate(fn, per_case, per_call[name]))
    print("W3C VC verification with didkit 0.3.3, Ed25519 did:key, one core")
    print(f"{'case':<36} {'per second':>11} {'vs (a)':>8}")
    for name, rate in rates.items():
        label = "VC-JWT" if name.startswith("VC") else "LDP VC"
        base = rates[f"{label} (a) one loop"]
        print(f"{name:<36} {rate:>11,.0f} {rate / base:>7.0%}")


if __name__ == "__main__":
    main()
