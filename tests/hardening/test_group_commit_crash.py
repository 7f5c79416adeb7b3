"""SIGKILL the verifier while a batch of answers is being committed (issue 22
"Durable", SQLite group commit): every answer a wallet received as accepted
is in the database after the kill, and the verifier accepts it nowhere twice.

``kyc-wallet verifier`` as a real process on its SQLite file (one process,
threads: its answers share commits, kyc_wallet.database.group); many foreign
wallets (``ssi/`` only) post their encrypted answers at the same moment, and
the process is killed once a few were answered, with the others in flight
(waiting for the writer, in a batch, or in its ``COMMIT``). A SIGKILL loses
the process, not the page cache: what it shows is that no answer leaves
before its commit returned (a power loss then keeps it: ``synchronous=FULL``).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ssi.errors import SSIError
from ssi.fetch import Fetcher, FetchPolicy
from ssi.jose import Key
from tests.hardening.budget import FUZZING
from tests.hardening.issuer_process import free_port
from tests.hardening.verifier_process import VerifierProcess, write_verifier_config
from tests.support import RunningIssuer, scaled
from tests.verifier.conftest import RULES, VCT
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential

ROUNDS = 8 if FUZZING else 3
ANSWERS = 24  # posted at once in each round
API_KEY = "group-commit-crash-api-key-0123456789"


class _RealTime:
    @property
    def now(self) -> float:
        return time.time()


@dataclass
class Flow:
    verification: str
    response_uri: str
    form: dict[str, str]
    answered: bool = False  # 200: the wallet was told it was accepted


@pytest.fixture
def verifier_process(tmp_path: Path, issuer: RunningIssuer) -> Iterator[VerifierProcess]:
    policies = {"policies": {"kyc": {"vct": VCT, "rules": RULES}}}
    trust = {"issuers": {issuer.url: {"mechanisms": ["metadata"]}}}
    (tmp_path / "verifier").mkdir(mode=0o700)
    config = write_verifier_config(tmp_path, API_KEY, policies, trust)
    process = VerifierProcess(tmp_path / "verifier", config, free_port(), tmp_path / "verifier.log")
    try:
        yield process
    finally:
        process.kill()


def _prepare(process: VerifierProcess, wallet: ForeignWallet, fetch: Fetcher) -> Flow:
    created = fetch.post(
        process.url + "/api/v1/verifications",
        json={"policy": "kyc"},
        headers={"Authorization": f"Bearer {API_KEY}"},
        raise_for_status=False,
    )
    assert created.status == 201, created.text()
    request = wallet.fetch_request(created.json()["link"]).request
    form = wallet.form(request, wallet.response(request))
    return Flow(created.json()["id"], request.response_uri, form)


class Killer:
    """SIGKILLs the verifier from the wallet thread that receives the
    ``enough``-th accepted answer, at once (the others still in flight)."""

    def __init__(self, process: VerifierProcess, enough: int) -> None:
        assert process.process is not None
        self.pid, self.enough = process.process.pid, enough
        self.answered = 0
        self.done = threading.Event()
        self._lock = threading.Lock()

    def accepted(self) -> None:
        with self._lock:
            self.answered += 1
            if self.answered == self.enough:
                os.kill(self.pid, signal.SIGKILL)
                self.done.set()


def _post(fetch: Fetcher, flow: Flow, start: threading.Barrier, killer: Killer) -> None:
    start.wait()
    try:
        answer = fetch.post(flow.response_uri, data=flow.form, raise_for_status=False)
    except SSIError:  # the kill cut the connection: the wallet was told nothing
        return
    assert answer.status == 200, answer.text()
    flow.answered = True
    killer.accepted()


def _statuses(process: VerifierProcess) -> dict[str, str]:
    conn = sqlite3.connect(process.data_dir / "verifier.sqlite")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return dict(conn.execute("SELECT id, status FROM verifications").fetchall())
    finally:
        conn.close()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_group_commit_sigkill_during_a_batch_keeps_every_accepted_answer(
    verifier_process: VerifierProcess, issuer: RunningIssuer
) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    print(f"group commit crash seed {seed}")
    fetch = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=scaled(30.0)))
    holder = Key.generate("ES256")
    wallet = ForeignWallet(fetch, _RealTime(), issue_credential(issuer, holder), holder)
    every: list[Flow] = []
    cut = 0
    for _ in range(ROUNDS):
        verifier_process.start()
        flows = [_prepare(verifier_process, wallet, fetch) for _ in range(ANSWERS)]
        every.extend(flows)
        start = threading.Barrier(ANSWERS)
        killer = Killer(verifier_process, rng.randint(1, ANSWERS // 4))
        threads = [
            threading.Thread(target=_post, args=(fetch, flow, start, killer), daemon=True)
            for flow in flows
        ]
        for thread in threads:
            thread.start()
        assert killer.done.wait(scaled(120)), f"no answer came back (seed {seed})"
        verifier_process.kill()  # reaped
        for thread in threads:
            thread.join(scaled(60))
            assert not thread.is_alive()
        cut += sum(not f.answered for f in flows)
        statuses = _statuses(verifier_process)  # the process is dead: the file as left
        for flow in every:
            status = statuses[flow.verification]
            assert status in ("pending", "verified"), (flow.verification, status)
            if flow.answered:
                assert status == "verified", f"an accepted answer was lost (seed {seed})"
    # after a restart: each accepted answer is refused as a replay, an unanswered one
    # that never committed is accepted once now
    verifier_process.start()
    statuses = _statuses(verifier_process)
    for flow in every:
        answer = fetch.post(flow.response_uri, data=flow.form, raise_for_status=False)
        if statuses[flow.verification] == "pending":
            assert not flow.answered
            assert answer.status == 200, answer.text()
        else:
            assert answer.status == 400 and "already answered" in answer.text(), answer.text()
    verifier_process.kill()
    assert set(_statuses(verifier_process).values()) == {"verified"}
    assert "Traceback" not in verifier_process.log.read_text()
    answered = sum(f.answered for f in every)
    print(f"{ROUNDS} kills: {answered} answered, {cut} cut in flight")
    assert cut > 0, f"no kill caught an answer in flight (seed {seed})"
