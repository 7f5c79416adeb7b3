"""Many transactions in flight: stored with their nonces in one database
transaction, broadcast without waiting, their receipts collected afterwards
(issue 22).

- :meth:`InFlight.store` takes the nonces (:func:`chain.nonces.take_nonces`),
  signs each step, stores each signed transaction and claims its intents, all in
  one database transaction: committed before anything is broadcast.
- :meth:`InFlight.broadcast` sends them all; one the node refuses is
  ``dropped`` (its nonce is a gap: :meth:`InFlight.fill_gaps` sends a transfer of
  nothing to the sender itself with it, so the later ones can be mined).
- :meth:`InFlight.collect` reads the receipts in nonce order (a later nonce is
  never mined before an earlier one) until all are mined or ``timeout`` passed;
  a transaction still pending ``replace_after`` seconds after it was signed is
  replaced: the same call, the same nonce, fees raised by 12.5 %
  (:func:`chain.fees.bump`; nodes ask 10 %), itself stored before it is sent.
  Whichever of a nonce's transactions is mined counts; the others are
  ``dropped`` ("replaced").
- :meth:`InFlight.revive` (after a restart or a reorg): a stored transaction
  the node does not know is broadcast again (the same bytes: never a second
  transaction), unless another transaction took its nonce (``dropped``).
- :meth:`InFlight.check_reorgs`: a receipt whose block is no longer canonical
  (another hash at that height, once the chain is that high again) puts its
  transaction back in flight (``signed``; the worker then revives it: the same
  bytes) when none of its intents is ``done`` yet (``done`` means the
  confirmation depth was reached: a deeper reorg is the reconciler's to
  repair, such a transaction is ``dropped``), and its intents back in the
  queue, planned again from the chain's state.
- :meth:`InFlight.shallow`: the intents whose transactions are not yet
  ``depth`` blocks deep (a receipt in the latest block has depth 1).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from web3.exceptions import BlockNotFound

from chain.errors import ChainError, ChainUnavailable, TransactionReverted, chain_errors
from chain.fees import Fees, bump
from chain.nonces import take_nonces
from chain.outbox import DONE, DROPPED, MINED, QUEUED, REVERTED, SENT, SIGNED, Outbox, TxRecord
from chain.outbox_schema import outbox_intents, outbox_transactions
from chain.signed import SignedTx
from chain.transactions import Sender

__all__ = ["NONCE_GAP", "REORG_WINDOW", "InFlight", "Outcome", "Signer"]

NONCE_GAP = "nonce_gap"  # the kind of a filler transaction
REORG_WINDOW = 64  # blocks below the confirmation depth still checked for a reorg
Signer = Callable[[int, Fees], SignedTx]  # (nonce, fees) -> the signed transaction
Hook = Callable[[str, str, str], None]

_I, _T = outbox_intents.c, outbox_transactions.c


@dataclass(frozen=True)
class Outcome:
    """What became of one nonce: ``record`` is the transaction that counts (the
    mined one, else the newest); ``state`` MINED, REVERTED, DROPPED or SIGNED
    (still in flight when the collection ended)."""

    record: TxRecord
    state: str
    error: str | None = None
    gas_used: int = 0
    logs: tuple[object, ...] = ()  # of the receipt, when mined


class InFlight:
    """The in-flight transactions of ``agent`` on ``outbox``'s ``chain``."""

    def __init__(
        self,
        outbox: Outbox,
        chain: str,
        agent: Sender,
        *,
        timeout: float = 60.0,
        replace_after: float = 180.0,
        max_fee: int | None = None,
        poll: float = 0.05,
        hook: Hook | None = None,
    ) -> None:
        self.outbox = outbox
        self.chain = chain
        self.agent = agent
        self.timeout = timeout
        self.replace_after = replace_after
        self.max_fee = max_fee
        self.poll = poll
        self.hook = hook or (lambda event, kind, tx_hash: None)

    # --- storing and sending ------------------------------------------------------

    def store(self, items: Sequence[tuple[str, list[int], Signer]], worker: str) -> list[TxRecord]:
        """Take one nonce per item, sign it, store it and claim its intents for
        ``worker``: one database transaction, committed before any is broadcast."""
        if not items:
            return []
        fees = self.agent.fees()
        stamp = self.outbox._stamp()
        records = []
        with self.outbox.db.transaction() as conn:
            first = take_nonces(
                conn, self.chain, self.agent.address, len(items), self.agent.next_nonce, stamp
            )
            for offset, (kind, ids, sign) in enumerate(items):
                signed = sign(first + offset, fees)
                records.append(self.outbox.record_signed(self.chain, signed, kind, ids, conn=conn))
            claimed = sorted({i for _, ids, _ in items for i in ids})
            if claimed:
                conn.execute(
                    sa.update(outbox_intents)
                    .where(_I.id.in_(claimed))
                    .values(claimed_by=worker, claimed_at=stamp)
                )
        for record in records:
            self.hook("signed", record.kind, record.signed.tx_hash)
        return records

    def broadcast(self, records: Sequence[TxRecord]) -> list[Outcome]:
        """Send each, in nonce order (one by one: a JSON-RPC batch is answered out of
        order by Hardhat); return those the node refused (recorded ``dropped``)."""
        refused = []
        for record in records:
            try:
                self.agent.broadcast(record.signed)
            except ChainUnavailable:
                raise
            except ChainError as exc:  # never mined: its nonce stays free
                error = f"the node refused it: {exc}"
                self.outbox.record_outcome(record.id, DROPPED, error=error)
                refused.append(Outcome(record, DROPPED, str(exc)))
                continue
            self.hook("sent", record.kind, record.signed.tx_hash)
        return refused

    def pending(self) -> list[TxRecord]:
        """The agent's transactions in flight (``signed``), by nonce."""
        return self.outbox.transactions(self.chain, sender=self.agent.address, state=SIGNED)

    def busy(self) -> set[int]:
        """The intents that have a transaction in flight (not planned again meanwhile)."""
        return {i for record in self.pending() for i in record.intent_ids}

    def _latest_nonce(self) -> int:
        with chain_errors(f"reading the nonce of {self.agent.address}"):
            return int(self.agent.w3.eth.get_transaction_count(self.agent.address, "latest"))

    def fill_gaps(self) -> int:
        """Fill each free nonce below the highest in flight with a transfer of
        nothing to the sender itself; return how many."""
        live = {record.signed.nonce for record in self.pending()}
        if not live:
            return 0
        gaps = [n for n in range(self._latest_nonce(), max(live)) if n not in live]
        if not gaps:
            return 0
        fees = self.agent.fees()
        fillers = [
            self.outbox.record_signed(self.chain, self.agent.filler(n, fees), NONCE_GAP, [])
            for n in gaps
        ]
        self.broadcast(fillers)
        return len(fillers)

    # --- after a restart or a reorg ---------------------------------------------------

    def revive(self, records: Sequence[TxRecord]) -> list[Outcome]:
        """Broadcast again what the node forgot (the same bytes), in nonce order;
        a nonce another transaction took is ``dropped`` (its intents are planned
        again from the chain's state). Return those the node refused now."""
        latest: int | None = None
        dropped = []
        for nonce, group in sorted(_by_nonce(records).items()):
            hashes = [r.signed.tx_hash for r in group]
            if any(self.agent.receipt(h) is not None or self.agent.is_known(h) for h in hashes):
                continue
            latest = self._latest_nonce() if latest is None else latest
            if latest > nonce:
                note = f"nonce {nonce} taken by another transaction: dropped"
                for record in group:
                    self.outbox.record_outcome(record.id, DROPPED, error=note)
                continue
            refused = self.broadcast(sorted(group, key=lambda r: -r.id)[:1])
            if refused:
                for record in group[:-1]:
                    self.outbox.record_outcome(record.id, DROPPED, error=refused[0].error)
                dropped.append(refused[0])
        return dropped

    def check_reorgs(self, depth: int) -> int:
        """Put back in flight each transaction whose block left the canonical chain
        (and its intents in the queue); return how many."""
        with chain_errors("reading the latest block"):
            head = int(self.agent.w3.eth.block_number)
        query = sa.select(_T.id, _T.block_number, _T.block_hash, _T.intent_ids).where(
            _T.chain == self.chain,
            _T.sender == self.agent.address,
            _T.state.in_([MINED, REVERTED]),
            _T.block_hash.is_not(None),
            _T.block_number >= head - depth - REORG_WINDOW,
        )
        with self.outbox.db.read() as conn:
            rows = list(conn.execute(query).mappings())
        canonical: dict[int, str | None] = {}
        gone = []
        for row in rows:
            number = int(row["block_number"])
            if number > head:  # not (yet) at that height: checked once the chain is there
                continue
            if number not in canonical:
                canonical[number] = self._block_hash(number)
            if canonical[number] != row["block_hash"]:
                gone.append(row)
        if gone:
            self._reorged(gone)
        return len(gone)

    def _block_hash(self, number: int) -> str | None:
        try:
            with chain_errors(f"reading block {number}"):
                block = self.agent.w3.eth.get_block(number)
        except BlockNotFound:
            return None
        value = block.get("hash")
        return None if value is None else value.to_0x_hex()

    def _reorged(self, rows: Sequence[sa.RowMapping]) -> None:
        """The transactions of ``rows`` left the canonical chain: those of intents
        still waiting (none ``done``) go back in flight, to be broadcast again;
        the others (a ``done`` intent's, a filler) are ``dropped``. Their intents
        go back in the queue, planned again from the chain's state."""
        ids = {row["id"]: [int(i) for i in json.loads(row["intent_ids"] or "[]")] for row in rows}
        done = {
            i.id
            for i in self.outbox.intents_by_id(sorted({i for v in ids.values() for i in v}))
            if i.state == DONE
        }
        again = [tx for tx, intents in ids.items() if intents and not done.intersection(intents)]
        gone = [tx for tx in ids if tx not in again]
        stamp = self.outbox._stamp()
        note = "its transaction's block left the canonical chain (reorg): checking again"
        cleared = {"block_number": None, "block_hash": None, "updated_at": stamp}
        with self.outbox.db.transaction() as conn:
            if again:
                where = _T.id.in_(again)
                conn.execute(
                    sa.update(outbox_transactions).where(where).values(state=SIGNED, **cleared)
                )
            if gone:
                where = _T.id.in_(gone)
                values = {"state": DROPPED, "error": note, **cleared}
                conn.execute(sa.update(outbox_transactions).where(where).values(**values))
            intents = sorted({i for v in ids.values() for i in v})
            if intents:
                conn.execute(
                    sa.update(outbox_intents)
                    .where(_I.id.in_(intents), _I.state.in_([DONE, SENT]))
                    .values(state=QUEUED, last_error=note, updated_at=stamp)
                )

    def shallow(self, depth: int) -> set[int]:
        """The intents with a transaction mined fewer than ``depth`` blocks deep."""
        if depth <= 1:
            return set()
        with chain_errors("reading the latest block"):
            head = int(self.agent.w3.eth.block_number)
        query = sa.select(_T.intent_ids).where(
            _T.chain == self.chain,
            _T.sender == self.agent.address,
            _T.state.in_([MINED, REVERTED]),
            _T.block_number > head - depth + 1,
        )
        with self.outbox.db.read() as conn:
            rows = conn.execute(query).scalars().all()
        return {int(i) for text in rows for i in json.loads(text or "[]")}

    # --- receipts ---------------------------------------------------------------------

    def collect(self, records: Sequence[TxRecord]) -> list[Outcome]:
        """Collect the receipts of ``records`` (in flight), replacing the stuck ones;
        record what became of each nonce (one database transaction)."""
        groups = _by_nonce(records)
        found: list[tuple[list[TxRecord], TxRecord, dict[str, object]]] = []
        deadline = time.monotonic() + self.timeout
        replaced: set[int] = set()
        while groups:
            for nonce in sorted(groups):
                hit = self._receipt(groups[nonce])
                if hit is None:
                    break  # a later nonce is never mined before this one
                found.append((groups.pop(nonce), *hit))
            if not groups or time.monotonic() >= deadline:
                break
            self._replace_stuck(groups, replaced)
            time.sleep(self.poll)
        outcomes = [self._outcome(record, receipt) for _, record, receipt in found]
        with self.outbox.db.transaction() as conn:
            for (group, record, receipt), outcome in zip(found, outcomes, strict=True):
                self.outbox.record_outcome(
                    record.id,
                    outcome.state,
                    block=int(receipt["blockNumber"]),  # type: ignore[call-overload]
                    block_hash=_hex(receipt["blockHash"]),
                    gas_used=outcome.gas_used,
                    error=outcome.error,
                    conn=conn,
                )
                for other in group:
                    if other.id != record.id:
                        note = f"replaced by {record.signed.tx_hash}"
                        self.outbox.record_outcome(other.id, DROPPED, error=note, conn=conn)
        for outcome in outcomes:
            self.hook("recorded", outcome.record.kind, outcome.record.signed.tx_hash)
        waiting = [
            Outcome(max(group, key=lambda r: r.id), SIGNED, f"nonce {nonce} not mined yet")
            for nonce, group in sorted(groups.items())
        ]
        return outcomes + waiting

    def _receipt(self, group: list[TxRecord]) -> tuple[TxRecord, dict[str, object]] | None:
        for record in group:
            receipt = self.agent.receipt(record.signed.tx_hash)
            if receipt is not None:
                return record, dict(receipt)
        return None

    def _outcome(self, record: TxRecord, receipt: dict[str, object]) -> Outcome:
        gas = int(receipt["gasUsed"])  # type: ignore[call-overload]
        try:
            self.agent.confirm(record.signed, receipt, record.kind)  # type: ignore[arg-type]
        except TransactionReverted as exc:
            return Outcome(record, REVERTED, str(exc), gas)
        logs = receipt.get("logs") or ()
        return Outcome(record, MINED, None, gas, tuple(logs))  # type: ignore[arg-type]

    def _replace_stuck(self, groups: dict[int, list[TxRecord]], replaced: set[int]) -> None:
        """Replace (once per collection) each nonce whose newest transaction waited
        ``replace_after`` seconds: same call and nonce, fees raised."""
        now = self.outbox._stamp()
        stuck = [
            (nonce, max(group, key=lambda r: r.id))
            for nonce, group in sorted(groups.items())
            if nonce not in replaced
            and now - max(r.created_at for r in group) >= self.replace_after
        ]
        if not stuck:
            return
        current = self.agent.fees()
        for nonce, newest in stuck:
            replaced.add(nonce)
            old = Fees(newest.signed.max_fee, newest.signed.priority_fee)
            fees = bump(old, current)
            if self.max_fee is not None and fees.max_fee > self.max_fee:
                note = f"stuck, not replaced: {fees.max_fee} wei per gas is above the cap"
                self.outbox.note(newest.intent_ids, note)
                continue
            signed = self.agent.resign(newest.signed, fees)
            record = self.outbox.record_signed(self.chain, signed, newest.kind, newest.intent_ids)
            self.hook("signed", record.kind, signed.tx_hash)
            if not self.broadcast([record]):
                groups[nonce].append(record)


def _by_nonce(records: Sequence[TxRecord]) -> dict[int, list[TxRecord]]:
    groups: dict[int, list[TxRecord]] = {}
    for record in sorted(records, key=lambda r: r.id):
        groups.setdefault(record.signed.nonce, []).append(record)
    return groups


def _hex(value: object) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)
