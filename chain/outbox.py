"""The whitelist outbox: intents committed before any transaction, transactions
recorded before they are broadcast (ARCHITECTURE.md, "Storage and state").

Two tables (:mod:`chain.outbox_schema`) in the verifier's database (SQLite or
PostgreSQL, :class:`kyc_wallet.database.Database`), so the verifier commits an
intent in the very transaction of the verdict that decides it (pass its
connection as ``conn``) and nothing copies it anywhere:

- ``outbox_intents``: one row per (chain, registry, address), the *intended*
  state of that address on that registry (``registered`` with a country and
  claim data, or ``removed``) and where the worker stands (``queued``;
  ``sent``: on chain, waiting for the configured confirmation depth; ``done``;
  ``failed``). Whitelisting again or removing updates the same row
  (one ``INSERT … ON CONFLICT DO UPDATE``), so a retry, a double click or a
  crash never yields a second intent. A ``failed`` intent keeps its reason
  (``last_error``) and the time of its next attempt (``retry_at``, set by the
  worker's back-off; NULL once it gave up on a registration, never for a
  removal): one bad intent never holds up the others (issue 19 item 1).
- ``outbox_transactions``: every transaction the worker signed, with its
  sender, nonce, hash and raw bytes, stored and committed *before* it is
  broadcast; then its receipt. After a crash the worker looks the stored hash
  up, or broadcasts the same bytes again: never a second transaction for one step.
  A transaction is ``signed`` while in flight (stored, maybe broadcast; a
  receipt whose block left the canonical chain puts it back there), then
  ``mined`` (with its block number and hash), ``reverted`` or ``dropped`` (the
  node refused it, another transaction took its nonce, or a replacement with
  the same nonce was mined: :mod:`chain.inflight`).

Times are integer Unix seconds from the injected clock ``now``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, RowMapping
from sqlalchemy.dialects import postgresql, sqlite

from chain.errors import OutboxError
from chain.outbox_schema import outbox_intents, outbox_transactions
from chain.signed import SignedTx
from kyc_wallet.database import Database

__all__ = ["Intent", "TxRecord", "Outbox", "REGISTERED", "REMOVED", "insert_on_conflict"]

REGISTERED = "registered"
REMOVED = "removed"
QUEUED, SENT, DONE, FAILED = "queued", "sent", "done", "failed"
SIGNED, MINED, REVERTED, DROPPED = "signed", "mined", "reverted", "dropped"

_I, _T = outbox_intents.c, outbox_transactions.c


@dataclass(frozen=True)
class Intent:
    id: int
    chain: str
    registry: str
    address: str
    desired: str
    country: int
    claim_data: bytes
    state: str
    attempts: int
    last_error: str | None
    retry_at: float | None = None
    """When a ``failed`` intent is tried again (Unix seconds); ``None``: not automatically."""


@dataclass(frozen=True)
class TxRecord:
    id: int
    kind: str
    intent_ids: list[int]
    state: str
    signed: SignedTx
    gas_used: int | None
    created_at: int = 0
    block_number: int | None = None
    block_hash: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def insert_on_conflict(conn: Connection, table: sa.Table) -> Any:
    """The ``INSERT`` of ``conn``'s dialect, which has ``on_conflict_do_update`` /
    ``on_conflict_do_nothing`` (SQLite and PostgreSQL spell them alike)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


class Outbox:
    """The outbox in ``db``; ``now`` is the injected clock. Thread-safe (the
    :class:`~kyc_wallet.database.Database` pools its connections)."""

    def __init__(self, db: Database, *, now: Callable[[], datetime] = _now) -> None:
        self.db = db
        self.now = now

    def check(self) -> None:
        """Raise :class:`OutboxError` unless the database holds the outbox's tables."""
        with self.db.read() as conn:
            if not sa.inspect(conn).has_table("outbox_intents"):
                raise OutboxError(
                    "this database has no outbox: run `kyc-wallet verifier migrate` on it"
                )

    def _stamp(self) -> int:
        return int(self.now().timestamp())

    @contextmanager
    def _writing(self, conn: Connection | None) -> Iterator[Connection]:
        if conn is not None:  # the caller's transaction (a verdict, a removal)
            yield conn
            return
        with self.db.transaction() as own:
            yield own

    # --- intents --------------------------------------------------------------

    def whitelist(
        self,
        chain: str,
        registry: str,
        address: str,
        country: int,
        claim_data: bytes,
        *,
        conn: Connection | None = None,
    ) -> Intent:
        """Commit the intent that ``address`` be registered (idempotent per address)."""
        if not 0 <= country < 1000:
            raise OutboxError(
                f"country {country} is not an ISO 3166-1 numeric code (or 0 for none)"
            )
        if len(claim_data) != 32:
            raise OutboxError("claim data must be a 32-byte hash of the verification record")
        return self._upsert(chain, registry, address, REGISTERED, country, claim_data.hex(), conn)

    def remove(
        self, chain: str, registry: str, address: str, *, conn: Connection | None = None
    ) -> Intent:
        """Commit the intent that ``address`` be removed from ``registry``."""
        return self._upsert(chain, registry, address, REMOVED, 0, "", conn)

    def refuse(
        self, chain: str, registry: str, address: str, error: str, *, conn: Connection | None = None
    ) -> Intent:
        """Commit an intent that cannot be sent as it is (a country no registry
        takes): ``failed`` with ``error``, not retried automatically; a new verdict
        or the reconciler queues the address again."""
        registry, address = _checksum(registry), _checksum(address)
        stamp = self._stamp()
        with self._writing(conn) as db:
            values = {
                "chain": chain,
                "registry": registry,
                "address": address,
                "desired": REGISTERED,
                "country": 0,
                "claim_data": "",
                "state": FAILED,
                "attempts": 1,
                "last_error": error,
                "retry_at": None,
                "created_at": stamp,
                "updated_at": stamp,
            }
            stmt = insert_on_conflict(db, outbox_intents).values(values)
            db.execute(
                stmt.on_conflict_do_update(
                    index_elements=["chain", "registry", "address"],
                    set_={
                        "desired": REGISTERED,
                        "state": FAILED,
                        "attempts": _I.attempts + 1,
                        "last_error": error,
                        "retry_at": None,
                        "updated_at": stamp,
                    },
                )
            )
            return self._intent_in(db, chain, registry, address)

    def _upsert(
        self,
        chain: str,
        registry: str,
        address: str,
        desired: str,
        country: int,
        data: str,
        conn: Connection | None,
    ) -> Intent:
        registry, address = _checksum(registry), _checksum(address)
        stamp = self._stamp()
        values = {
            "chain": chain,
            "registry": registry,
            "address": address,
            "desired": desired,
            "country": country,
            "claim_data": data,
            "state": QUEUED,
            "attempts": 0,
            "last_error": None,
            "retry_at": None,
            "created_at": stamp,
            "updated_at": stamp,
        }
        removing = desired == REMOVED
        with self._writing(conn) as db:
            stmt = insert_on_conflict(db, outbox_intents).values(values)
            db.execute(
                stmt.on_conflict_do_update(
                    index_elements=["chain", "registry", "address"],
                    set_={
                        "desired": desired,
                        # a removal keeps what was registered (the reconciler reads it)
                        "country": _I.country if removing else stmt.excluded.country,
                        "claim_data": _I.claim_data if removing else stmt.excluded.claim_data,
                        "state": QUEUED,
                        "attempts": 0,
                        "last_error": None,
                        "retry_at": None,
                        "updated_at": stamp,
                    },
                )
            )
            return self._intent_in(db, chain, registry, address)

    def _intent_in(self, conn: Connection, chain: str, registry: str, address: str) -> Intent:
        row = (
            conn.execute(
                sa.select(outbox_intents).where(
                    _I.chain == chain,
                    _I.registry == _checksum(registry),
                    _I.address == _checksum(address),
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            raise OutboxError(f"no intent for {address} on {registry} ({chain})")
        return _intent(row)

    def intent(self, chain: str, registry: str, address: str) -> Intent:
        with self.db.read() as conn:
            return self._intent_in(conn, chain, registry, address)

    def _select(self, *where: Any) -> list[Intent]:
        with self.db.read() as conn:
            rows = conn.execute(sa.select(outbox_intents).where(*where).order_by(_I.id))
            return [_intent(r) for r in rows.mappings()]

    def intents(
        self, chain: str, *, state: str | None = None, registry: str | None = None
    ) -> list[Intent]:
        where = [_I.chain == chain]
        if state is not None:
            where.append(_I.state == state)
        if registry is not None:
            where.append(_I.registry == _checksum(registry))
        return self._select(*where)

    def due(self, chain: str) -> list[Intent]:
        """The intents the worker should try now: every queued one, the sent ones
        (waiting for their confirmation depth) and the failed ones whose back-off
        has passed (oldest first)."""
        back = sa.and_(_I.state == FAILED, _I.retry_at.is_not(None), _I.retry_at <= self._stamp())
        return self._select(_I.chain == chain, sa.or_(_I.state.in_([QUEUED, SENT]), back))

    def backlog(self) -> tuple[int, int | None]:
        """How many intents are not done (queued or failed), and when the oldest
        of them was last changed (Unix seconds; ``None``: none)."""
        query = sa.select(sa.func.count(), sa.func.min(_I.updated_at)).where(_I.state != DONE)
        with self.db.read() as conn:
            count, oldest = conn.execute(query).one()
        return int(count), None if oldest is None else int(oldest)

    def failed(self) -> list[Intent]:
        """Every failed intent, of any chain (for the verifier's operator and webhooks)."""
        return self._select(_I.state == FAILED)

    def intents_by_id(self, ids: list[int]) -> list[Intent]:
        return self._select(_I.id.in_(ids)) if ids else []

    def _update(self, where: Any, values: Mapping[str, Any]) -> None:
        with self.db.transaction() as conn:
            conn.execute(sa.update(outbox_intents).where(where).values(dict(values)))

    def set_state(
        self, ids: list[int], state: str, error: str | None = None, *, attempt: bool = False
    ) -> None:
        if not ids:
            return
        values = {"state": state, "last_error": error, "updated_at": self._stamp()}
        values |= {"attempts": _I.attempts + (1 if attempt else 0), "retry_at": None}
        self._update(_I.id.in_(ids), values)

    def fail(self, intent_id: int, error: str, retry_at: float | None) -> None:
        """Mark one intent failed with its reason, counting an attempt; the worker
        tries it again at ``retry_at`` (Unix seconds), or not at all when ``None``."""
        values = {"state": FAILED, "last_error": error, "updated_at": self._stamp()}
        values |= {"attempts": _I.attempts + 1}
        values["retry_at"] = None if retry_at is None else int(retry_at)
        self._update(_I.id == intent_id, values)

    def note(self, ids: list[int], error: str) -> None:
        """Say why intents wait, changing neither their state nor their attempts."""
        if ids:
            self._update(_I.id.in_(ids), {"last_error": error, "updated_at": self._stamp()})

    def requeue(self, ids: list[int], reason: str) -> None:
        """Put intents back in the queue (the reconciler found drift)."""
        if ids:
            values = {"state": QUEUED, "attempts": 0, "last_error": reason, "retry_at": None}
            self._update(_I.id.in_(ids), values | {"updated_at": self._stamp()})

    # --- transactions -----------------------------------------------------------

    def record_signed(
        self,
        chain: str,
        signed: SignedTx,
        kind: str,
        intent_ids: list[int],
        *,
        conn: Connection | None = None,
    ) -> TxRecord:
        """Store a signed transaction; committed before the caller broadcasts it
        (in the caller's transaction ``conn``, which took its nonce, if given)."""
        stamp = self._stamp()
        with self._writing(conn) as db:
            tx_id = db.execute(
                sa.insert(outbox_transactions)
                .values(
                    chain=chain,
                    sender=signed.sender,
                    nonce=signed.nonce,
                    tx_hash=signed.tx_hash,
                    raw=signed.raw.hex(),
                    to_address=signed.to,
                    data=signed.data,
                    gas=signed.gas,
                    max_fee=signed.max_fee or None,
                    priority_fee=signed.priority_fee or None,
                    kind=kind,
                    intent_ids=json.dumps(intent_ids),
                    state=SIGNED,
                    created_at=stamp,
                    updated_at=stamp,
                )
                .returning(_T.id)
            ).scalar_one()
        return TxRecord(int(tx_id), kind, list(intent_ids), SIGNED, signed, None, stamp)

    def record_outcome(
        self,
        tx_id: int,
        state: str,
        *,
        block: int | None = None,
        block_hash: str | None = None,
        gas_used: int | None = None,
        error: str | None = None,
        conn: Connection | None = None,
    ) -> None:
        with self._writing(conn) as db:
            db.execute(
                sa.update(outbox_transactions)
                .where(_T.id == tx_id)
                .values(
                    state=state,
                    block_number=block,
                    block_hash=block_hash,
                    gas_used=gas_used,
                    error=error,
                    updated_at=self._stamp(),
                )
            )

    def transactions(
        self, chain: str, *, sender: str | None = None, state: str | None = None
    ) -> list[TxRecord]:
        query = sa.select(outbox_transactions).where(_T.chain == chain)
        if sender is not None:
            query = query.where(_T.sender == _checksum(sender))
        if state is not None:
            query = query.where(_T.state == state)
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(_T.nonce, _T.id)).mappings()
            return [_tx(r) for r in rows]

    def transactions_of(self, intent: Intent) -> list[TxRecord]:
        """The transactions sent for ``intent``, oldest first."""
        return [t for t in self.transactions(intent.chain) if intent.id in t.intent_ids]


def _checksum(address: str) -> str:
    try:
        from eth_utils.address import to_checksum_address  # not at import: web processes

        return str(to_checksum_address(address))
    except ValueError as exc:
        raise OutboxError(f"not an address: {address!r}") from exc


def _intent(row: RowMapping) -> Intent:
    return Intent(
        id=row["id"],
        chain=row["chain"],
        registry=row["registry"],
        address=row["address"],
        desired=row["desired"],
        country=row["country"] or 0,
        claim_data=bytes.fromhex(row["claim_data"] or ""),
        state=row["state"],
        attempts=row["attempts"],
        last_error=row["last_error"],
        retry_at=None if row["retry_at"] is None else float(row["retry_at"]),
    )


def _tx(row: RowMapping) -> TxRecord:
    signed = SignedTx(
        sender=row["sender"],
        nonce=row["nonce"],
        tx_hash=row["tx_hash"],
        raw=bytes.fromhex(row["raw"]),
        to=row["to_address"],
        data=row["data"] or "0x",
        gas=row["gas"] or 0,
        max_fee=int(row["max_fee"] or 0),
        priority_fee=int(row["priority_fee"] or 0),
    )
    return TxRecord(
        id=row["id"],
        kind=row["kind"],
        intent_ids=json.loads(row["intent_ids"] or "[]"),
        state=row["state"],
        signed=signed,
        gas_used=row["gas_used"],
        created_at=int(row["created_at"]),
        block_number=row["block_number"],
        block_hash=row["block_hash"],
    )
