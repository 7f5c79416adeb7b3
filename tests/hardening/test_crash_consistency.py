"""SIGKILL the issuer during issuance, many times, and restart it on the same
data folder (issue 13 "Crash consistency").

Each round starts ``kyc-wallet issuer`` as a process on the same folder and
port, lets the wallets of the previous round replay what was consumed and
finish what was cut off, then runs three wallets that loop offer -> token ->
nonce -> credential (a batch of 1-3 keys) and kills the process at a random
moment; with the process dead, the database is read directly. 16 kills in
the normal suite, 60 under ``--fuzz``; the seed is in the failure message.

Invariants, and why they are the right ones. The issuer consumes the access
token and the ``c_nonce``, reserves the status indices, inserts the
credential rows, erases the KYC record and appends the audit line in ONE
``BEGIN IMMEDIATE`` transaction (``issuer/protocol.py``). A wallet cannot tell
"killed before the commit" from "killed after the commit, before the
response", so the only safe contract is all-or-nothing per Credential
Request, with the single-use values as the witness:

1. ``PRAGMA integrity_check`` is ``ok`` and ``foreign_key_check`` is empty.
2. Every credential row is complete: its status list exists, its index is in
   range and unique in its list.
3. Per offer, credentials exist iff its access token is consumed; when they
   exist, there are exactly as many as the wallet sent proofs, bound to
   exactly the wallet's keys, the ``c_nonce`` the wallet sent is consumed, the
   audit log says ``credential.issued`` once with that count, and the KYC
   record is erased. So a credential the wallet never received exists only if
   its transaction committed, and then its access token can never fetch a
   second batch (no duplicate issuance); if it did not commit, nothing of it
   exists and the wallet may retry with the same token.
4. Whatever the wallet was given (tokens, credentials) is in the database: an
   acknowledged commit survives the crash (``synchronous=FULL``; a SIGKILL
   loses the process, not the page cache, so this is not a power-loss test).
5. After the restart: every pre-authorized code, access token and ``c_nonce``
   consumed before the kill is refused (``invalid_grant``, ``invalid_token``,
   ``invalid_nonce``); a flow cut off before its commit finishes exactly once.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import random
import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pytest

from ssi.jose import Key
from ssi.oid4vci import CredentialResponse
from tests.hardening.budget import FUZZING
from tests.hardening.client import IssuerClient, Offer
from tests.hardening.issuer_process import IssuerProcess, free_port, write_config
from tests.support import scaled, wait_until

KILLS = 60 if FUZZING else 16
WALLETS = 3


@dataclass
class Flow:
    """What one wallet sent and what it was given before the kill."""

    keys: list[Key]
    offer: Offer | None = None
    access_token: str | None = None
    c_nonce: str | None = None
    credential_sent: bool = False
    credentials: list[str] = field(default_factory=list)


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _wallet(client: IssuerClient, flows: list[Flow], rng: random.Random) -> None:
    """Loop whole flows until the connection fails (the kill)."""
    while True:
        flow = Flow([Key.generate("ES256") for _ in range(rng.randint(1, 3))])
        flows.append(flow)
        try:
            flow.offer = client.create_offer()
            flow.access_token = client.access_token(flow.offer)
            flow.c_nonce = client.nonce()
            body = client.credential_body(flow.keys, flow.c_nonce)
            flow.credential_sent = True
            answer = client.credential(flow.access_token, body)
        except (OSError, http.client.HTTPException):
            return
        assert answer.status == 200, answer.body
        values = CredentialResponse.from_dict(answer.json()).credential_values
        flow.credentials = [v for v in values if isinstance(v, str)]


@pytest.fixture
def issuer_process(tmp_path: Path) -> Iterator[IssuerProcess]:
    config = write_config(tmp_path / "issuer.toml")
    process = IssuerProcess(tmp_path / "data", config, free_port(), tmp_path / "issuer.log")
    try:
        yield process
    finally:
        process.kill()


@contextmanager
def _db(process: IssuerProcess) -> Iterator[sqlite3.Connection]:
    """The issuer's database file, opened directly (and closed)."""
    conn = sqlite3.connect(process.data_dir / "issuer.sqlite", isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        conn.close()


def _check_database(conn: sqlite3.Connection, flows: list[Flow]) -> None:
    """Invariants 1-4, read with the issuer down."""
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    rows = conn.execute(
        "SELECT c.*, s.size FROM credentials c JOIN status_lists s ON s.id = c.status_list_id"
    ).fetchall()
    assert len(rows) == conn.execute("SELECT COUNT(*) FROM credentials").fetchone()[0]
    assert all(0 <= r["status_idx"] < r["size"] for r in rows)
    assert len({(r["status_list_id"], r["status_idx"]) for r in rows}) == len(rows)
    assert all(r["sha256"] and r["holder_thumbprint"] and r["vct"] for r in rows)
    issued_per_offer: dict[str, list[sqlite3.Row]] = {}
    for r in rows:
        issued_per_offer.setdefault(r["offer_id"], []).append(r)
    for offer in conn.execute("SELECT * FROM offers").fetchall():
        tokens = conn.execute(
            "SELECT used_at FROM access_tokens WHERE offer_id = ?", (offer["id"],)
        ).fetchall()
        assert len(tokens) <= 1
        assert (len(tokens) == 1) == (offer["used_at"] is not None)
        consumed = len(tokens) == 1 and tokens[0]["used_at"] is not None
        issued = issued_per_offer.get(offer["id"], [])
        assert consumed == bool(issued), offer["id"]
        audits = conn.execute(
            "SELECT detail FROM audit_log WHERE action = 'credential.issued' AND subject = ?",
            (offer["applicant_id"],),
        ).fetchall()
        applicant = conn.execute(
            "SELECT state, record FROM applicants WHERE id = ?", (offer["applicant_id"],)
        ).fetchone()
        if issued:
            (detail,) = [json.loads(a["detail"]) for a in audits]
            assert (detail["count"], detail["offer_id"]) == (len(issued), offer["id"])
            assert applicant["record"] is None and applicant["state"] == "erased"
        else:
            assert audits == [] and applicant["record"] is not None
    nonces_used = conn.execute("SELECT COUNT(*) FROM nonces WHERE used_at IS NOT NULL")
    assert nonces_used.fetchone()[0] == len(issued_per_offer)
    stored = {r["sha256"] for r in rows}
    for flow in flows:
        if flow.access_token is not None:
            token = conn.execute(
                "SELECT offer_id, used_at FROM access_tokens WHERE token_hash = ?",
                (_sha256(flow.access_token),),
            ).fetchone()
            assert token is not None, "a token the wallet was given is lost"
            issued = issued_per_offer.get(token["offer_id"], [])
            if issued:
                assert flow.credential_sent
                assert sorted(r["holder_thumbprint"] for r in issued) == sorted(
                    k.thumbprint() for k in flow.keys
                )
                nonce = conn.execute(
                    "SELECT used_at FROM nonces WHERE nonce = ?", (flow.c_nonce,)
                ).fetchone()
                assert nonce is not None and nonce["used_at"] is not None
        assert all(_sha256(c) in stored for c in flow.credentials), "a received credential lost"


def _cut_points(conn: sqlite3.Connection, flows: list[Flow]) -> Counter[str]:
    """Where the kill caught the wallets (printed, to show the windows were hit)."""
    seen: Counter[str] = Counter()
    for flow in flows:
        if flow.credentials:
            seen["flow complete"] += 1
        elif flow.credential_sent and flow.access_token is not None:
            used = conn.execute(
                "SELECT used_at FROM access_tokens WHERE token_hash = ?",
                (_sha256(flow.access_token),),
            ).fetchone()["used_at"]
            seen[f"credential request cut, {'committed' if used else 'rolled back'}"] += 1
        elif flow.offer is not None and flow.access_token is None:
            used = conn.execute(
                "SELECT used_at FROM offers WHERE code_hash = ?", (_sha256(flow.offer.code),)
            ).fetchone()["used_at"]
            seen[f"token request cut, {'committed' if used else 'rolled back'}"] += 1
        else:
            seen["cut elsewhere"] += 1
    return seen


def _replay_and_recover(client: IssuerClient, conn: sqlite3.Connection, flows: list[Flow]) -> None:
    """Invariant 5, with the issuer restarted."""
    for flow in flows:
        if flow.offer is None:
            continue
        offer = conn.execute(
            "SELECT used_at FROM offers WHERE code_hash = ?", (_sha256(flow.offer.code),)
        ).fetchone()  # read before the replay below changes it
        again = client.token(flow.offer.code, flow.offer.tx_code)
        if flow.access_token is None:  # cut off in the Token Request
            if offer["used_at"] is None:  # not committed: the code works, once
                assert again.status == 200, again.body
                flow.access_token = again.json()["access_token"]
                continue
        assert (again.status, again.error) == (400, "invalid_grant"), again.body
        if flow.access_token is None:  # committed, answer lost: the code is spent
            continue
        used = conn.execute(
            "SELECT used_at FROM access_tokens WHERE token_hash = ?", (_sha256(flow.access_token),)
        ).fetchone()["used_at"]
        keys, c_nonce = [Key.generate("ES256")], client.nonce()
        answer = client.credential(flow.access_token, client.credential_body(keys, c_nonce))
        if used is not None:
            assert (answer.status, answer.error) == (401, "invalid_token"), answer.body
            if flow.c_nonce is not None:
                fresh = client.access_token(client.create_offer())
                reuse = client.credential_body([Key.generate("ES256")], flow.c_nonce)
                replay = client.credential(fresh, reuse)
                assert (replay.status, replay.error) == (400, "invalid_nonce"), replay.body
        else:  # cut off before its commit: finishes once, then the token is spent
            assert answer.status == 200, answer.body
            flow.keys, flow.c_nonce, flow.credential_sent = keys, c_nonce, True
            values = CredentialResponse.from_dict(answer.json()).credential_values
            flow.credentials = [v for v in values if isinstance(v, str)]
            second = client.credential(
                flow.access_token, client.credential_body([Key.generate("ES256")], client.nonce())
            )
            assert (second.status, second.error) == (401, "invalid_token"), second.body


def _any_issued(flows: list[list[Flow]]) -> bool:
    return any(flow.credentials for wallet_flows in flows for flow in wallet_flows)


@pytest.mark.slow
def test_sigkill_during_issuance_loses_nothing_duplicates_nothing_replays_nothing(
    issuer_process: IssuerProcess,
) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    print(f"crash-consistency seed {seed}")  # shown with a failure
    client = IssuerClient(issuer_process.url, timeout=scaled(10.0))
    all_flows: list[Flow] = []
    previous: list[Flow] = []
    issued_before = 0
    cuts: Counter[str] = Counter()
    for _ in range(KILLS):
        issuer_process.start()
        with _db(issuer_process) as conn:
            _replay_and_recover(client, conn, previous)
        flows: list[list[Flow]] = [[] for _ in range(WALLETS)]
        with ThreadPoolExecutor(WALLETS) as pool:
            futures = [
                pool.submit(_wallet, client, wallet_flows, random.Random(rng.random()))
                for wallet_flows in flows
            ]
            threading.Event().wait(scaled(rng.uniform(0.02, 0.5)))
            if not any(flow.credentials for flow in all_flows):
                # readiness, not a fixed delay: on a busy machine the random delay may
                # end every round before any issuance; this round waits for one
                wait_until(
                    partial(_any_issued, flows),
                    60,
                    f"no wallet received a credential (seed {seed})",
                )
            issuer_process.kill()
            for future in futures:
                future.result(timeout=scaled(30))  # a wallet's AssertionError fails the test
        previous = [flow for wallet_flows in flows for flow in wallet_flows]
        all_flows.extend(previous)
        with _db(issuer_process) as conn:
            _check_database(conn, all_flows)
            cuts += _cut_points(conn, previous)
            issued = conn.execute("SELECT COUNT(*) FROM credentials").fetchone()[0]
        assert issued >= issued_before, f"credentials lost (seed {seed})"
        issued_before = issued
    issuer_process.start()
    with _db(issuer_process) as conn:
        _replay_and_recover(client, conn, previous)
    issuer_process.kill()
    with _db(issuer_process) as conn:
        _check_database(conn, all_flows)
    print(f"{KILLS} kills: {dict(sorted(cuts.items()))}")
    received = sum(len(f.credentials) for f in all_flows)
    assert received > 0, f"no round reached issuance (seed {seed}); raise the kill delays"
