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
delete. Every transaction is signed, then
stored and committed with its hash and nonce, then broadcast, then its receipt
is recorded; ``hook`` is called at each of those points (tests kill the
process there). A node that is down raises :class:`ChainUnavailable` and leaves
the intents queued with that message.

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
    TransactionReverted,
    chain_errors,
)
from chain.outbox import (
    DONE,
    DROPPED,
    MINED,
    QUEUED,
    REMOVED,
    REVERTED,
    SIGNED,
    Intent,
    Outbox,
)
from chain.transactions import MAX_GAS, Sender, SignedTx

__all__ = ["Worker", "WorkReport", "Hook"]

# The largest batchRegisterIdentity whose gas limit stays under MAX_GAS.
MAX_BATCH = (MAX_GAS - GAS_BATCH_BASE) // GAS_BATCH_PER_ENTRY
Hook = Callable[[str, str, str], None]  # (event: signed|sent|recorded, kind, tx_hash)


@dataclass
class WorkReport:
    """What one run did."""

    done: list[int] = field(default_factory=list)
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
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH:
            raise ValueError(f"batch_size must be within 1..{MAX_BATCH} (the gas cap)")
        if max_attempts < 1 or not 0 < retry_base <= retry_max:
            raise ValueError("max_attempts >= 1 and 0 < retry_base <= retry_max")
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
                queued = [
                    i
                    for i in self.outbox.due(self.chain)
                    if i.id not in run.blocked and i.registry in self.registries
                ]
                steps = self._plan(queued, report, run)
                if not steps:
                    break
                for step in steps:
                    self._execute(step, report, run)
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
        for intent in intents:
            if (intent.id, intent.desired, intent.country) in run.settled:
                self._done(intent, report)
                continue
            try:
                self._plan_one(intent, report, run, creates, claims, registers, singles)
            except ChainUnavailable:
                raise
            except ChainError as exc:  # this investor's contracts: this intent only
                self._failed(_Step("plan", [intent]), str(exc), report, run)
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
        if intent.desired == REMOVED:
            if client.contains(registry, wallet):
                singles.append(_Step("delete", [intent]))
            else:
                self._done(intent, report)
            return
        identity = client.identity_of(wallet)
        if identity is None:
            creates.setdefault(wallet, []).append(intent)
        elif identity not in run.claimed and (
            wallet in run.new_identities or not client.has_valid_claim(identity)
        ):
            claims.setdefault(identity, []).append(intent)
        elif not client.contains(registry, wallet):
            registers.setdefault(registry, []).append((intent, identity))
        elif client.investor_country(registry, wallet) != intent.country:
            singles.append(_Step("update_country", [intent]))
        else:
            self._done(intent, report)

    def _done(self, intent: Intent, report: WorkReport) -> None:
        self.outbox.set_state([intent.id], DONE)
        report.done.append(intent.id)

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

    def _execute(self, step: _Step, report: WorkReport, run: _Run) -> None:
        ids = [i.id for i in step.intents]
        try:
            call = self._call(step)
            signed = self.agent.sign(call.function, call.gas, self.agent.next_nonce())
        except ChainUnavailable:
            raise
        except ChainError as exc:  # nothing signed: nothing to settle later
            self._failed(step, str(exc), report, run)
            return
        tx_id = self.outbox.record_signed(self.chain, signed, step.kind, ids)
        self.hook("signed", step.kind, signed.tx_hash)
        try:
            self.agent.broadcast(signed)
        except ChainUnavailable:
            raise
        except ChainError as exc:  # the node refused it: never mined, its nonce stays free
            self.outbox.record_outcome(tx_id, DROPPED, error=f"the node refused it: {exc}")
            self._failed(step, str(exc), report, run)
            return
        self.hook("sent", step.kind, signed.tx_hash)
        reverted = self._record(tx_id, signed, call.what, report)
        if reverted is not None:
            self._failed(step, reverted, report, run)
        elif step.kind == "create_identity":
            run.new_identities.add(step.intents[0].address)
        elif step.kind == "add_claim":
            run.claimed.add(step.identities[0])
        else:  # register, batch_register, update_country, delete: the intent holds now
            run.settled.update((i.id, i.desired, i.country) for i in step.intents)
        self.hook("recorded", step.kind, signed.tx_hash)

    def _record(self, tx_id: int, signed: SignedTx, what: str, report: WorkReport) -> str | None:
        """Wait for the receipt and record it; the revert reason, or ``None`` if mined."""
        receipt = self.agent.wait(signed.tx_hash)
        report.transactions += 1
        report.gas_used += int(receipt["gasUsed"])
        block, gas = int(receipt["blockNumber"]), int(receipt["gasUsed"])
        try:
            self.agent.confirm(signed, receipt, what)
        except TransactionReverted as exc:
            self.outbox.record_outcome(tx_id, REVERTED, block=block, gas_used=gas, error=str(exc))
            return str(exc)
        self.outbox.record_outcome(tx_id, MINED, block=block, gas_used=gas)
        return None

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
        """Resolve the transactions a previous run stored but did not record."""
        for record in self.outbox.transactions(self.chain, sender=self.agent.address, state=SIGNED):
            signed = record.signed
            step = _Step(record.kind, self.outbox.intents_by_id(record.intent_ids))
            if self.agent.receipt(signed.tx_hash) is None and not self.agent.is_known(
                signed.tx_hash
            ):
                with chain_errors(f"reading the nonce of {signed.sender}"):
                    used = self.agent.w3.eth.get_transaction_count(self.agent.address, "latest")
                if used > signed.nonce:
                    note = f"nonce {signed.nonce} taken by another transaction: dropped"
                    self.outbox.record_outcome(record.id, DROPPED, error=note)
                    continue
                try:
                    self.agent.broadcast(signed)  # the same bytes: the same transaction
                except ChainUnavailable:
                    raise
                except ChainError as exc:  # refused: it will never be mined
                    self.outbox.record_outcome(record.id, DROPPED, error=f"refused: {exc}")
                    self._failed(step, str(exc), report, run)
                    continue
            reverted = self._record(record.id, signed, f"{record.kind} (after restart)", report)
            if reverted is not None:
                self._failed(step, reverted, report, run)
