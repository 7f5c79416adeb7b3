"""SIGKILL the verifier during whitelisting, many times, and restart it on the
same data folder (issue 13 "Crash consistency", the verifier's half).

The setting is the production one (docs/deployment.md "The verifier and a
real EVM node"): ``kyc-wallet verifier`` with ``CHAIN = "outbox"`` as a
process; a Hardhat node as the chain; the outbox worker beside the verifier
(here a thread of the test running :class:`chain.worker.Worker`, the class
``kyc-wallet chain work`` runs), so the chain and the worker outlive each
kill. With ``CHAIN = "dev"`` the EVM would die with the verifier.

Each round starts the verifier, re-posts what the previous round's wallets
sent, then lets three foreign wallets (``ssi/`` only) loop: create a
verification (REST API), fetch the signed request, present the SD-JWT VC with
a KB-JWT and an EIP-4361 address proof for a fresh address, POST the
encrypted response; and kills the verifier at a random moment. 10 kills in
the normal suite, 50 under ``--fuzz``; the seed is printed.

The verifier commits the verdict, the KB-JWT hash and the whitelisting intent
in one transaction with its intent and the intent's outbox entry (one
database, no forwarder: issue 21 item 4).
Invariants:

1. ``PRAGMA integrity_check`` is ``ok`` for the verifier's database and the
   outbox, and ``foreign_key_check`` is empty.
2. A verification is ``verified`` iff its intent and its KB-JWT hash exist
   (all or nothing); no verdict is ``refused``. A wallet that got its answer
   finds its verdict and its intent in the outbox; a POST cut before the
   commit left no intent, in the verifier or the outbox. After each restart
   every intent is forwarded. In the end each committed address is verified
   on the registry (``isVerified``) with exactly one ``IdentityRegistered``
   event, one outbox intent and one mined transaction of each kind; an
   address whose presentation never committed is not on the registry; the
   reconciler finds no drift.
3. After a restart a response whose verdict committed is refused as a replay
   (``already answered``); a response cut off before the commit is accepted
   once when the wallet retries it (every other such wallet gives up, and its
   address must stay off the chain), then refused.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from chain.backend import connect
from chain.deploy import contract
from chain.devchain import DevChain, TokenSpec, start_dev_chain
from chain.outbox import DONE, MINED
from chain.reconcile import Reconciler
from ssi.errors import FetchError, FetchHTTPStatus, SSIError
from ssi.fetch import Fetcher, FetchPolicy, FetchResponse
from ssi.jose import Key
from tests.chain import conftest as chain_fixtures
from tests.hardening.budget import FUZZING
from tests.hardening.issuer_process import free_port
from tests.hardening.verifier_process import VerifierProcess, WorkerLoop, write_verifier_config
from tests.outbox import outbox_at
from tests.support import RunningIssuer, scaled, wait_until
from tests.verifier.conftest import RULES, VCT
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential

KILLS = 50 if FUZZING else 10
WALLETS = 3
API_KEY = "verifier-crash-api-key-0123456789"
REGISTRATIONS = {"create_identity", "add_claim", "register|batch_register"}

hardhat_url = chain_fixtures.hardhat_url  # the session's Hardhat node (tests/chain)


class _RealTime:
    """The verifier process runs on the real clock; so do the wallets."""

    @property
    def now(self) -> float:
        return time.time()


@dataclass
class Flow:
    """One presentation: what the wallet sent and was told before the kill."""

    account: LocalAccount
    tx_id: str | None = None
    response_uri: str | None = None
    form: dict[str, str] | None = None
    kb_jwt_sha256: str | None = None
    posted: bool = False
    answered: bool = False
    abandoned: bool = False  # cut before the commit, and the wallet gave up


@dataclass
class Platform:
    """The verifier process, the chain with its deployment, and the outbox file."""

    verifier: VerifierProcess
    dev: DevChain
    outbox_path: Path
    registry: str
    fetch: Fetcher

    @property
    def chain(self) -> str:
        return self.dev.deployment.caip2

    def create(self) -> dict[str, Any]:
        response = self.fetch.post(
            self.verifier.url + "/api/v1/verifications",
            json={"policy": "crash"},
            headers={"Authorization": f"Bearer {API_KEY}"},
            raise_for_status=False,
        )
        assert response.status == 201, response.text()
        created: dict[str, Any] = response.json()
        return created

    def post(self, flow: Flow) -> FetchResponse:
        assert flow.response_uri is not None and flow.form is not None
        return self.fetch.post(flow.response_uri, data=flow.form, raise_for_status=False)

    def forwarded(self) -> set[str]:
        """The addresses the outbox holds an intent for."""
        return {i.address for i in outbox_at(self.outbox_path).intents(self.chain)}


@pytest.fixture
def platform(tmp_path: Path, hardhat_url: str, issuer: RunningIssuer) -> Iterator[Platform]:
    dev = start_dev_chain([TokenSpec("Crash Test Token", "CRASH")], w3=connect(hardhat_url))
    token = dev.deployment.token("CRASH")
    target = {
        "chain_id": dev.deployment.caip2,
        "identity_registry": token.identity_registry,
        "token": token.token,
        "name": token.name,
    }
    policies = {
        "policies": {"crash": {"vct": VCT, "rules": RULES, "address_proof": True, "token": target}}
    }
    trust = {"issuers": {issuer.url: {"mechanisms": ["metadata"]}}}
    (tmp_path / "verifier").mkdir(mode=0o700)
    outbox = tmp_path / "verifier" / "verifier.sqlite"  # the outbox is in it
    outbox_at(outbox)  # created before the verifier and the worker open it
    config = write_verifier_config(tmp_path, API_KEY, policies, trust)
    process = VerifierProcess(tmp_path / "verifier", config, free_port(), tmp_path / "verifier.log")
    fetch = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=scaled(30.0)))
    try:
        yield Platform(process, dev, outbox, token.identity_registry, fetch)
    finally:
        process.kill()


def _connection_lost(exc: BaseException | None) -> bool:
    """The kill: a refused or cut connection, maybe wrapped (a DID resolution)."""
    while exc is not None:
        if isinstance(exc, FetchError) and not isinstance(exc, FetchHTTPStatus):
            return True
        exc = exc.__cause__
    return False


def _wallet(platform: Platform, wallet: ForeignWallet, flows: list[Flow]) -> None:
    """Loop whole presentations, each for a fresh address, until the kill."""
    while True:
        flow = Flow(Account.create())
        flows.append(flow)
        try:
            created = platform.create()
            flow.tx_id = created["id"]
            request = wallet.fetch_request(created["link"]).request
            presentation = wallet.present(request, address=flow.account.address)
            response = wallet.response(request, presentation, wallet.proof(request, flow.account))
            flow.response_uri, flow.form = request.response_uri, wallet.form(request, response)
            flow.kb_jwt_sha256 = hashlib.sha256(
                presentation.rsplit("~", 1)[-1].encode()
            ).hexdigest()
            flow.posted = True
            answer = platform.post(flow)
        except SSIError as exc:
            if not _connection_lost(exc):
                raise
            return
        assert answer.status == 200, answer.text()
        flow.answered = True


@contextmanager
def _db(platform: Platform) -> Iterator[sqlite3.Connection]:
    """The verifier's database file, opened directly (and closed)."""
    conn = sqlite3.connect(platform.verifier.data_dir / "verifier.sqlite", isolation_level=None)
    conn.row_factory = sqlite3.Row
    try:
        yield conn
    finally:
        conn.close()


def _integrity(path: Path) -> None:
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", path
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], path
    finally:
        conn.close()


def _status(conn: sqlite3.Connection, flow: Flow) -> str | None:
    row = conn.execute("SELECT status FROM verifications WHERE id = ?", (flow.tx_id,)).fetchone()
    return None if row is None else str(row["status"])


def _intent(conn: sqlite3.Connection, flow: Flow) -> sqlite3.Row | None:
    row: sqlite3.Row | None = conn.execute(
        "SELECT * FROM intents WHERE address = ?", (flow.account.address,)
    ).fetchone()
    return row


def _check_database(platform: Platform, conn: sqlite3.Connection, flows: list[Flow]) -> None:
    """Invariants 1 and 2 as far as the databases show them (the verifier down)."""
    _integrity(platform.verifier.data_dir / "verifier.sqlite")
    assert (
        conn.execute("SELECT COUNT(*) FROM verifications WHERE status = 'refused'").fetchone()[0]
        == 0
    ), conn.execute("SELECT reason FROM verifications WHERE status = 'refused'").fetchall()
    verified = conn.execute("SELECT id FROM verifications WHERE status = 'verified'").fetchall()
    forwarded = platform.forwarded()
    for row in verified:
        intents = conn.execute("SELECT version FROM intents WHERE verification_id = ?", (row[0],))
        assert [r["version"] for r in intents.fetchall()] == [1], row[0]
        seen = conn.execute(
            "SELECT COUNT(*) FROM seen_presentations WHERE verification_id = ?", (row[0],)
        )
        assert seen.fetchone()[0] == 1, row[0]
    assert conn.execute("SELECT COUNT(*) FROM intents").fetchone()[0] == len(verified)
    for flow in flows:
        if flow.tx_id is None:
            continue
        status, intent = _status(conn, flow), _intent(conn, flow)
        assert status in ("pending", "verified"), (flow.tx_id, status)
        if status == "pending":
            assert not flow.answered and intent is None, flow.tx_id
            assert flow.account.address not in forwarded, "an uncommitted intent queued"
            continue
        assert intent is not None and intent["verification_id"] == flow.tx_id
        seen = conn.execute(
            "SELECT verification_id FROM seen_presentations WHERE kb_jwt_sha256 = ?",
            (flow.kb_jwt_sha256,),
        ).fetchone()
        assert seen is not None and seen[0] == flow.tx_id
        # the outbox entry was committed with the verdict
        assert flow.account.address in forwarded, "a committed intent not in the outbox"


def _cut_points(conn: sqlite3.Connection, flows: list[Flow]) -> Counter[str]:
    """Where the kill caught the wallets (printed, to show the windows were hit)."""
    seen: Counter[str] = Counter()
    for flow in flows:
        if flow.answered:
            seen["answered"] += 1
        elif not flow.posted:
            seen["cut before the POST"] += 1
        elif _status(conn, flow) == "pending":
            seen["POST cut before the verdict"] += 1
        else:
            assert _intent(conn, flow) is not None
            seen["POST cut after the verdict"] += 1
    return seen


def _replay_and_retry(
    platform: Platform, conn: sqlite3.Connection, flows: list[Flow], rng: random.Random
) -> None:
    """Invariant 3, with the verifier restarted; every intent is in the outbox."""
    unqueued = conn.execute(
        "SELECT COUNT(*) FROM intents i WHERE NOT EXISTS (SELECT 1 FROM outbox_intents o"
        " WHERE o.chain = i.chain AND o.registry = i.registry AND o.address = i.address)"
    )
    assert unqueued.fetchone()[0] == 0, "an intent without its outbox entry"
    for flow in flows:
        if not flow.posted:
            continue
        status = _status(conn, flow)  # read before the retry below changes it
        if status == "pending" and rng.random() < 0.5:
            flow.abandoned = True
            continue
        answer = platform.post(flow)
        if status == "pending":  # cut before its commit: accepted once now
            assert answer.status == 200, answer.text()
            flow.answered = True
            assert _status(conn, flow) == "verified"
            answer = platform.post(flow)
        body = answer.json()
        assert answer.status == 400 and "already answered" in body["error_description"], body


def _check_chain(platform: Platform, conn: sqlite3.Connection, flows: list[Flow]) -> None:
    """Invariant 2 on the chain, once the worker has sent everything."""
    dev, registry, chain = platform.dev, platform.registry, platform.chain
    outbox = outbox_at(platform.outbox_path)
    verified = {
        r["address"]
        for r in conn.execute("SELECT address FROM verifications WHERE status = 'verified'")
    }
    committed = {f.account.address for f in flows if _status(conn, f) == "verified"}
    assert committed == verified
    never = {f.account.address for f in flows} - committed
    assert all(f.account.address in never for f in flows if f.abandoned or not f.posted)
    intents = outbox.intents(chain)
    assert sorted(i.address for i in intents) == sorted(verified), "an intent lost or doubled"
    assert {i.state for i in intents} <= {DONE}
    reconciler = Reconciler(outbox, dev.client)
    assert reconciler.check().clean
    assert reconciler.registered_on_chain(registry) == verified
    ir = contract(dev.w3, "IdentityRegistry", registry)
    events = ir.events.IdentityRegistered().get_logs(from_block=dev.deployment.start_block)
    per_address = Counter(e["args"]["investorAddress"] for e in events)
    assert set(per_address.values()) <= {1}, "an address registered twice"
    assert all(dev.client.is_verified(registry, a) for a in verified)
    assert not any(dev.client.contains(registry, a) for a in never)
    transactions = outbox.transactions(chain)
    assert {t.state for t in transactions} <= {MINED}
    assert len({t.signed.tx_hash for t in transactions}) == len(transactions)
    for intent in intents:
        kinds = Counter(t.kind for t in outbox.transactions_of(intent))
        kinds["register|batch_register"] = kinds.pop("register", 0) + kinds.pop("batch_register", 0)
        assert kinds == Counter(dict.fromkeys(REGISTRATIONS, 1)), (intent.address, kinds)


def _any_answered(flows: list[list[Flow]]) -> bool:
    return any(flow.answered for wallet_flows in flows for flow in wallet_flows)


@pytest.mark.slow
@pytest.mark.timeout(900)  # 50 kills under --fuzz: 145 s on 2 busy cores, near 300 s at half CPU
def test_sigkill_during_whitelisting_loses_nothing_duplicates_nothing_replays_nothing(
    platform: Platform, issuer: RunningIssuer
) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    print(f"verifier crash seed {seed}")  # shown with a failure
    wallets = []
    for _ in range(WALLETS):
        holder = Key.generate("ES256")
        credential = issue_credential(issuer, holder)
        wallet = ForeignWallet(platform.fetch, _RealTime(), credential, holder)
        assert wallet.held  # checked against the issuer's keys once, before any kill
        wallets.append(wallet)
    all_flows: list[Flow] = []
    previous: list[Flow] = []
    cuts: Counter[str] = Counter()
    started = time.monotonic()
    with WorkerLoop(platform.dev, platform.outbox_path) as worker:
        for _ in range(KILLS):
            platform.verifier.start()
            with _db(platform) as conn:
                _replay_and_retry(platform, conn, previous, rng)
            flows: list[list[Flow]] = [[] for _ in range(WALLETS)]
            with ThreadPoolExecutor(WALLETS) as pool:
                futures = [
                    pool.submit(_wallet, platform, wallet, wallet_flows)
                    for wallet, wallet_flows in zip(wallets, flows, strict=True)
                ]
                threading.Event().wait(scaled(rng.uniform(0.1, 0.8)))
                if not any(flow.answered for flow in all_flows):
                    # readiness, not a fixed delay: on a busy machine the random delay
                    # may end every round before any answer; this round waits for one
                    wait_until(
                        partial(_any_answered, flows),
                        60,
                        f"no presentation was answered (seed {seed})",
                    )
                platform.verifier.kill()
                for future in futures:
                    future.result(timeout=scaled(60))  # a wallet's AssertionError fails here
            previous = [flow for wallet_flows in flows for flow in wallet_flows]
            all_flows.extend(previous)
            with _db(platform) as conn:
                _check_database(platform, conn, all_flows)
                cuts += _cut_points(conn, previous)
        platform.verifier.start()
        with _db(platform) as conn:
            _replay_and_retry(platform, conn, previous, rng)
        platform.verifier.kill()
        worker.drain()
    with _db(platform) as conn:
        _check_database(platform, conn, all_flows)
        _check_chain(platform, conn, all_flows)
    log = platform.verifier.log.read_text()
    assert "Traceback" not in log, log[-4000:]
    print(f"{KILLS} kills in {time.monotonic() - started:.1f} s: {dict(sorted(cuts.items()))}")
    assert cuts["answered"] > 0, f"no presentation was answered (seed {seed})"
