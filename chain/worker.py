"""The outbox worker: turns queued intents into transactions, exactly once.

Each run first settles every transaction the outbox holds as ``signed`` (a
previous run may have died after storing it): it reads the receipt of the
stored hash, waits for it if the node still has it pending, or broadcasts the
*same raw bytes* again when the node never saw them and the nonce is still
free. Only then does it plan new transactions, from the chain's current state
(so an intent already satisfied on chain costs nothing): create the investor's
ONCHAINID if missing, add the KYC claim if missing (a valid claim of our
ClaimIssuer already on the identity is kept: its data names the verification
that created it), register (batched per registry), correct the country, or
delete. Each round's transactions (one per step of every intent that moves:
many in flight, issue 22) take their nonces from the outbox's counter and are
signed and stored in one database transaction, then all broadcast, then their
receipts collected (:mod:`chain.inflight`: a stuck one replaced with higher
EIP-1559 fees, a refused one's nonce filled); ``hook`` is called at each of
those points (tests kill the process there). An intent whose chain state holds
is ``done`` once its transactions are ``confirmations`` blocks deep (``sent``
until then); a receipt whose block left the canonical chain puts its
transaction back in flight and its intents back in the queue. A node that is
down raises :class:`ChainUnavailable` and leaves the intents queued with that
message.

One bad intent never holds up the others (issue 19 item 1). A step that fails
for its own intents (a revert, a transaction the node refuses, a read of that
investor's contracts that fails) marks them ``failed`` with the reason and a
back-off: they are tried again after ``retry_base`` seconds, doubling up to
``retry_max``; a registration not automatically after ``max_attempts`` (a new
verdict or the reconciler queues it again: failing closed), a removal for ever
(a revoked investor must leave the registry once the cause is gone); the run
goes on with everything else. A
``batchRegisterIdentity`` that reverts is split: its entries are registered one
by one in the same run, so only the bad one fails.

One worker per (outbox, chain, agent key) at a time, since the key's nonces
are its own: :meth:`Worker.exclusive` takes an ``flock`` on a file next to the
SQLite database, which the kernel releases when the process dies (even by
SIGKILL), or a session advisory lock on PostgreSQL, which the server releases
when the connection ends, so a crashed worker never blocks its restart.
"""

from __future__ import annotations

import fcntl
import os
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from web3 import Web3

from chain.erc3643 import GAS_BATCH_BASE, GAS_BATCH_PER_ENTRY, Call, ERC3643Client
from chain.errors import (
    ChainError,
    ChainUnavailable,
    OutboxError,
)
from chain.fees import Fees
from chain.inflight import InFlight, Outcome
from chain.outbox import DONE, DROPPED, MINED, QUEUED, REMOVED, REVERTED, SENT, Intent, Outbox
from chain.transactions import MAX_GAS, Sender, SignedTx

__all__ = ["Worker", "WorkReport", "Hook"]

# The largest batchRegisterIdentity whose gas limit stays under MAX_GAS.
MAX_BATCH = (MAX_GAS - GAS_BATCH_BASE) // GAS_BATCH_PER_ENTRY
Hook = Callable[[str, str, str], None]  # (event: signed|sent|recorded, kind, tx_hash)


@dataclass
class WorkReport:
    """What one run did."""

    done: list[int] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)  # on chain, not yet deep enough
    failed: list[int] = field(default_factory=list)
    transactions: int = 0
    gas_used: int = 0


@dataclass
class _Run:
    """What this run already made true on chain (from its own mined receipts),
    so that the next round does not read it back: fewer ``eth_call``s."""

    blocked: set[int] = field(default_factory=set)  # intents that failed in this run
    solo: set[int] = field(default_factory=set)  # of a reverted batch: register one by one
    # (intent id, desired, country) made true: an intent changed meanwhile does not match
    settled: set[tuple[int, str, int]] = field(default_factory=set)
    new_identities: set[str] = field(default_factory=set)  # wallets: no claim yet
    claimed: set[str] = field(default_factory=set)  # identities with our claim
    identities: dict[str, str] = field(default_factory=dict)  # wallet -> ONCHAINID, read once
    # read for this round in one JSON-RPC batch (chain.erc3643.ERC3643Client._batch)
    round_identities: dict[str, str | None] = field(default_factory=dict)
    round_contains: dict[tuple[str, str], bool] = field(default_factory=dict)
    finished: list[Intent] = field(default_factory=list)  # hold on chain: done or sent


@dataclass(frozen=True)
class _Step:
    kind: str
    intents: list[Intent]
    identities: tuple[str, ...] = ()


class Worker:
    """Processes the queued intents of ``client``'s chain with the ``agent`` key."""

    def __init__(
        self,
        outbox: Outbox,
        client: ERC3643Client,
        agent: Sender,
        *,
        batch_size: int = 50,
        max_attempts: int = 12,
        retry_base: float = 60.0,
        retry_max: float = 6 * 3600.0,
        hook: Hook | None = None,
        confirmations: int = 1,
        receipt_timeout: float = 60.0,
        replace_after: float = 180.0,
        max_fee: int | None = None,
        name: str = "worker",
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be within 1..{MAX_BATCH} (the gas cap)")
        if max_attempts < 1 or not 0 < retry_base <= retry_max:
            raise ValueError("max_attempts >= 1 and 0 < retry_base <= retry_max")
        if confirmations < 1 or receipt_timeout < 0 or replace_after < 0:
            raise ValueError("confirmations >= 1, receipt_timeout >= 0 and replace_after >= 0")
        self.outbox = outbox
        self.client = client
        self.agent = agent
        self.chain = client.deployment.caip2
        # intents for registries of other deployments are left to their own worker
        self.registries = {
            Web3.to_checksum_address(t.identity_registry) for t in client.deployment.tokens
        }
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.hook = hook or (lambda event, kind, tx_hash: None)
        self.confirmations = confirmations
        self.name = name
        self.inflight = InFlight(
            outbox,
            self.chain,
            agent,
            timeout=receipt_timeout,
            replace_after=replace_after,
            max_fee=max_fee,
            hook=self.hook,
        )

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the lock of this outbox, chain and agent key, or raise :class:`OutboxError`:
        an ``flock`` beside the SQLite file, or a session advisory lock on PostgreSQL
        (both released when the process dies)."""
        name = f"outbox.{self.chain.replace(':', '-')}.{self.agent.address}"
        busy = OutboxError(f"another worker is sending for {self.agent.address} on {self.chain}")
        db = self.outbox.db
        if db.path is None:
            key = zlib.crc32(name.encode())
            with db.engine.connect() as conn:
                if not conn.execute(sa.select(sa.func.pg_try_advisory_lock(key))).scalar():
                    raise busy
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(sa.select(sa.func.pg_advisory_unlock(key)))
                    conn.commit()
            return
        fd = os.open(
            db.path.with_name(f"{db.path.name}.{name}.lock"), os.O_RDWR | os.O_CREAT, 0o600
        )
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise busy from None
            yield
        finally:
            os.close(fd)  # releases the lock

    def run_once(self) -> WorkReport:
        """Settle pending transactions, then work the queue until nothing moves."""
        with self.exclusive():
            return self._run()

    def _run(self) -> WorkReport:
        report = WorkReport()
        try:
            run = _Run()
            self._settle(report, run)
            # create identity, claim, register (a reverted batch: one by one), country
            for _ in range(6):
                skip = run.blocked | self.inflight.busy()
                queued = [
                    i
                    for i in self.outbox.due(self.chain)
                    if i.id not in skip and i.registry in self.registries
                ]
                steps = self._plan(queued, report, run)
                self._finish(report, run)
                if not steps:
                    break
                self._send(steps, report, run)
        except ChainUnavailable as exc:
            self._hold(exc)
            raise
        return report

    def hold(self, exc: ChainUnavailable) -> None:
        """Say on each queued intent why it waits, when the node failed before a run
        (``kyc-wallet chain work`` checks the deployment first); a worker running
        now says it itself."""
        try:
            with self.exclusive():
                self._hold(exc)
        except OutboxError:
            pass

    def _hold(self, exc: ChainUnavailable) -> None:
        queued = self.outbox.intents(self.chain, state=QUEUED)
        waiting = [i.id for i in queued if i.registry in self.registries]
        self.outbox.set_state(waiting, QUEUED, f"{exc} (will retry)")

    # --- planning ----------------------------------------------------------------

    def _plan(self, intents: list[Intent], report: WorkReport, run: _Run) -> list[_Step]:
        creates: dict[str, list[Intent]] = {}
        claims: dict[str, list[Intent]] = {}
        registers: dict[str, list[tuple[Intent, str]]] = {}
        singles: list[_Step] = []
        self._prefetch(intents, run)
        for intent in intents:
            if (intent.id, intent.desired, intent.country) in run.settled:
                self._done(intent, report, run)
                continue
            try:
                self._plan_one(intent, report, run, creates, claims, registers, singles)
            except ChainUnavailable:
                raise
            except ChainError as exc:  # this investor's contracts: this intent only
                self._failed(_Step("plan", [intent]), str(exc), report, run)
        run.round_identities.clear()
        run.round_contains.clear()
        steps = [_Step("create_identity", group) for group in creates.values()]
        steps += [_Step("add_claim", group, (identity,)) for identity, group in claims.items()]
        for pairs in registers.values():
            alone = [p for p in pairs if p[0].id in run.solo]
            batched = [p for p in pairs if p[0].id not in run.solo]
            chunks = [
                batched[i : i + self.batch_size] for i in range(0, len(batched), self.batch_size)
            ]
            for chunk in chunks + [[p] for p in alone]:
                kind = "register" if len(chunk) == 1 else "batch_register"
                steps.append(_Step(kind, [i for i, _ in chunk], tuple(d for _, d in chunk)))
        return steps + singles

    def _prefetch(self, intents: list[Intent], run: _Run) -> None:
        """Read the identities and registrations the round needs in two JSON-RPC
        batches (instead of one request per investor)."""
        pending = [i for i in intents if (i.id, i.desired, i.country) not in run.settled]
        unknown = sorted({i.address for i in pending if i.address not in run.identities})
        run.round_identities.update(self.client.identities_of(unknown))
        pairs = sorted(
            {
                (i.registry, i.address)
                for i in pending
                if i.desired == REMOVED
                or run.identities.get(i.address)
                or run.round_identities.get(i.address)
            }
        )
        run.round_contains.update(self.client.contains_all(pairs))

    def _plan_one(
        self,
        intent: Intent,
        report: WorkReport,
        run: _Run,
        creates: dict[str, list[Intent]],
        claims: dict[str, list[Intent]],
        registers: dict[str, list[tuple[Intent, str]]],
        singles: list[_Step],
    ) -> None:
        """The next step of one intent, from the chain's state (or done)."""
        client, registry, wallet = self.client, intent.registry, intent.address

        def contains() -> bool:
            known = run.round_contains.get((registry, wallet))
            return client.contains(registry, wallet) if known is None else known

        if intent.desired == REMOVED:
            if contains():
                singles.append(_Step("delete", [intent]))
            else:
                self._done(intent, report, run)
            return
        identity = run.identities.get(wallet)
        if identity is None:
            if wallet in run.round_identities:
                identity = run.round_identities[wallet]
            else:
                identity = client.identity_of(wallet)
        if identity is not None:
            run.identities[wallet] = identity
        if identity is None:
            creates.setdefault(wallet, []).append(intent)
        elif identity not in run.claimed and (
            wallet in run.new_identities or not client.has_valid_claim(identity)
        ):
            claims.setdefault(identity, []).append(intent)
        elif not contains():
            registers.setdefault(registry, []).append((intent, identity))
        elif client.investor_country(registry, wallet) != intent.country:
            singles.append(_Step("update_country", [intent]))
        else:
            self._done(intent, report, run)

    def _done(self, intent: Intent, report: WorkReport, run: _Run) -> None:
        run.finished.append(intent)

    def _finish(self, report: WorkReport, run: _Run) -> None:
        """The intents that hold on chain: ``done`` when their transactions are
        ``confirmations`` deep, else ``sent`` (one database transaction each)."""
        if not run.finished:
            return
        shallow = self.inflight.shallow(self.confirmations)
        waiting = [i.id for i in run.finished if i.id in shallow]
        done = [i.id for i in run.finished if i.id not in shallow]
        run.finished.clear()
        self.outbox.set_state(done, DONE)
        note = f"on chain, waiting for {self.confirmations} confirmations"
        self.outbox.set_state(waiting, SENT, note if waiting else None)
        report.done += done
        report.waiting += waiting

    def _call(self, step: _Step) -> Call:
        client, first = self.client, step.intents[0]
        if step.kind == "create_identity":
            return client.create_identity_call(first.address)
        if step.kind == "add_claim":
            return client.add_claim_call(step.identities[0], first.claim_data)
        if step.kind in ("register", "batch_register"):
            return client.register_call(
                first.registry,
                [i.address for i in step.intents],
                list(step.identities),
                [i.country for i in step.intents],
            )
        if step.kind == "update_country":
            return client.update_country_call(first.registry, first.address, first.country)
        return client.delete_call(first.registry, first.address)

    # --- sending and recording ------------------------------------------------------

    def _send(self, steps: list[_Step], report: WorkReport, run: _Run) -> None:
        """Sign and store every step's transaction (one database transaction, their
        nonces from the outbox's counter), broadcast them all, then collect the
        receipts."""
        items = []
        planned: list[_Step] = []
        for step in steps:
            try:
                call = self._call(step)
                if not 21_000 <= call.gas <= MAX_GAS:
                    raise ChainError(f"gas limit {call.gas} outside [21000, {MAX_GAS}]")
            except ChainUnavailable:
                raise
            except ChainError as exc:  # nothing signed: nothing to settle later
                self._failed(step, str(exc), report, run)
                continue

            def sign(nonce: int, fees: Fees, call: Call = call) -> SignedTx:
                return self.agent.sign(call.function, call.gas, nonce, fees=fees)

            items.append((step.kind, [i.id for i in step.intents], sign))
            planned.append(step)
        records = self.inflight.store(items, self.name)
        by_id = {record.id: step for record, step in zip(records, planned, strict=True)}
        refused = self.inflight.broadcast(records)
        for outcome in refused:
            self._failed(by_id[outcome.record.id], outcome.error or "refused", report, run)
        if refused:
            self.inflight.fill_gaps()
        dropped = {outcome.record.id for outcome in refused}
        live = [record for record in records if record.id not in dropped]
        self._apply(self.inflight.collect(live), report, run)

    def _apply(self, outcomes: list[Outcome], report: WorkReport, run: _Run) -> None:
        """What each collected transaction means for its intents."""
        for outcome in outcomes:
            record = outcome.record
            step = _Step(record.kind, self.outbox.intents_by_id(record.intent_ids))
            if outcome.state in (MINED, REVERTED):
                report.transactions += 1
                report.gas_used += outcome.gas_used
            if outcome.state == DROPPED or outcome.state == REVERTED:
                if step.intents:
                    self._failed(step, outcome.error or outcome.state, report, run)
            elif outcome.state != MINED:  # still in flight: its intents wait
                run.blocked.update(record.intent_ids)
                self.outbox.note(record.intent_ids, f"{outcome.error} ({record.signed.tx_hash})")
            elif record.kind == "create_identity":
                wallet = step.intents[0].address
                run.new_identities.add(wallet)
                identity = self.client.linked_identity(outcome.logs, wallet)
                if identity is not None:
                    run.identities[wallet] = identity
            elif record.kind == "add_claim":
                run.claimed.add(Web3.to_checksum_address(record.signed.to or ""))
            elif step.intents:  # register, batch_register, update_country, delete
                run.settled.update((i.id, i.desired, i.country) for i in step.intents)

    def _failed(self, step: _Step, reason: str, report: WorkReport, run: _Run) -> None:
        """The step failed for its own intents: they fail alone, with a back-off; the
        entries of a batch are registered one by one instead (no attempt counted)."""
        ids = [i.id for i in step.intents]
        if step.kind == "batch_register" and not run.solo.issuperset(ids):
            run.solo.update(ids)
            self.outbox.note(ids, f"{reason} (registering the batch's entries one by one)")
            return
        now = self.outbox.now()
        for intent in self.outbox.intents_by_id(ids):
            attempts = intent.attempts + 1
            retry_at = None
            # a removal is never given up: a revoked investor must leave the registry
            if attempts < self.max_attempts or intent.desired == REMOVED:
                doublings = min(attempts - 1, 64)  # 2**1024 would overflow a float
                delay = min(self.retry_base * 2**doublings, self.retry_max)
                retry_at = int((now + timedelta(seconds=delay)).timestamp())
            self.outbox.fail(intent.id, reason, retry_at)
            report.failed.append(intent.id)
            run.blocked.add(intent.id)

    def _settle(self, report: WorkReport, run: _Run) -> None:
        """Resolve what a previous run left in flight: receipts whose block left the
        canonical chain go back in flight; what the node forgot is broadcast again
        (the same bytes); gaps are filled; then the receipts are collected."""
        self.inflight.check_reorgs(self.confirmations)
        pending = self.inflight.pending()
        if not pending:
            return
        self._apply(self.inflight.revive(pending), report, run)
        self.inflight.fill_gaps()
        self._apply(self.inflight.collect(self.inflight.pending()), report, run)
