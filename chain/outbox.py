"""The whitelist outbox: intents committed before any transaction, transactions
recorded before they are broadcast (ARCHITECTURE.md, "Storage and state").

Two tables in SQLite (sqlite-utils, WAL, ``synchronous=FULL``):

- ``intents``: one row per (chain, registry, address), the *intended* state of
  that address on that registry (``registered`` with a country and claim data,
  or ``removed``) and where the worker stands (``queued``, ``done``, ``failed``).
  Whitelisting again or removing updates the same row, so a retry, a double
  click or a crash never yields a second intent. A ``failed`` intent keeps its
  reason (``last_error``) and the time of its next attempt (``retry_at``, set
  by the worker's back-off; NULL once it gave up on a registration, never for a
  removal): one bad intent never holds up the others (issue 19 item 1).
- ``transactions``: every transaction the worker signed, with its sender,
  nonce, hash and raw bytes, stored and committed *before* it is broadcast;
  then its receipt. After a crash the worker looks the stored hash up, or
  broadcasts the same bytes again: never a second transaction for one step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from web3 import Web3

from chain._schema import migrations
from chain.errors import OutboxError
from chain.files import private_database
from chain.transactions import SignedTx

__all__ = ["Intent", "TxRecord", "Outbox", "REGISTERED", "REMOVED"]

REGISTERED = "registered"
REMOVED = "removed"
QUEUED, DONE, FAILED = "queued", "done", "failed"
SIGNED, MINED, REVERTED, DROPPED = "signed", "mined", "reverted", "dropped"


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


def _now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    """The outbox database at ``path``; ``now`` is the injected clock.

    One :class:`Outbox` per thread (one SQLite connection each); processes and
    threads share the file, WAL lets readers run beside the one writer.
    """

    def __init__(self, path: Path | str, *, now: Callable[[], datetime] = _now) -> None:
        self.path = Path(path)
        private_database(self.path)  # addresses, countries, transactions: 0600
        self.db = Database(path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=10000")  # the verifier and a worker may both write
        self.now = now
        migrations.apply(self.db)

    def _stamp(self) -> str:
        return self.now().isoformat()

    # --- intents --------------------------------------------------------------

    def whitelist(
        self, chain: str, registry: str, address: str, country: int, claim_data: bytes
    ) -> Intent:
        """Commit the intent that ``address`` be registered (idempotent per address)."""
        if not 0 <= country < 1000:
            raise OutboxError(
                f"country {country} is not an ISO 3166-1 numeric code (or 0 for none)"
            )
        if len(claim_data) != 32:
            raise OutboxError("claim data must be a 32-byte hash of the verification record")
        return self._upsert(chain, registry, address, REGISTERED, country, claim_data.hex())

    def remove(self, chain: str, registry: str, address: str) -> Intent:
        """Commit the intent that ``address`` be removed from ``registry``."""
        return self._upsert(chain, registry, address, REMOVED, 0, "")

    def _upsert(
        self, chain: str, registry: str, address: str, desired: str, country: int, data: str
    ) -> Intent:
        registry, address = _checksum(registry), _checksum(address)
        stamp = self._stamp()
        with self.db.conn:
            self.db.execute(
                "INSERT INTO intents (chain, registry, address, desired, country, claim_data,"
                " state, attempts, last_error, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, 0, NULL, ?, ?)"
                " ON CONFLICT (chain, registry, address) DO UPDATE SET desired = excluded.desired,"
                " country = CASE WHEN excluded.desired = 'removed' THEN intents.country"
                " ELSE excluded.country END,"
                " claim_data = CASE WHEN excluded.desired = 'removed' THEN intents.claim_data"
                " ELSE excluded.claim_data END,"
                " state = 'queued', attempts = 0, last_error = NULL, retry_at = NULL,"
                " updated_at = excluded.updated_at",
                [chain, registry, address, desired, country, data, QUEUED, stamp, stamp],
            )
        return self.intent(chain, registry, address)

    def intent(self, chain: str, registry: str, address: str) -> Intent:
        rows = list(
            self.db["intents"].rows_where(
                "chain = ? AND registry = ? AND address = ?",
                [chain, _checksum(registry), _checksum(address)],
            )
        )
        if not rows:
            raise OutboxError(f"no intent for {address} on {registry} ({chain})")
        return _intent(rows[0])

    def intents(
        self, chain: str, *, state: str | None = None, registry: str | None = None
    ) -> list[Intent]:
        where, args = "chain = ?", [chain]
        if state is not None:
            where, args = where + " AND state = ?", [*args, state]
        if registry is not None:
            where, args = where + " AND registry = ?", [*args, _checksum(registry)]
        return [_intent(r) for r in self.db["intents"].rows_where(where, args, order_by="id")]

    def due(self, chain: str) -> list[Intent]:
        """The intents the worker should try now: every queued one, and the failed
        ones whose back-off has passed (oldest first)."""
        rows = self.db["intents"].rows_where(
            "chain = ? AND (state = ? OR (state = ? AND retry_at IS NOT NULL AND retry_at <= ?))",
            [chain, QUEUED, FAILED, self.now().timestamp()],
            order_by="id",
        )
        return [_intent(r) for r in rows]

    def failed(self) -> list[Intent]:
        """Every failed intent, of any chain (for the verifier's operator and webhooks)."""
        return [_intent(r) for r in self.db["intents"].rows_where("state = ?", [FAILED])]

    def intents_by_id(self, ids: list[int]) -> list[Intent]:
        marks = ", ".join("?" for _ in ids)
        rows = self.db["intents"].rows_where(f"id IN ({marks})", ids) if ids else []
        return [_intent(r) for r in rows]

    def set_state(
        self, ids: list[int], state: str, error: str | None = None, *, attempt: bool = False
    ) -> None:
        if not ids:
            return
        marks = ", ".join("?" for _ in ids)
        with self.db.conn:
            self.db.execute(
                f"UPDATE intents SET state = ?, last_error = ?, updated_at = ?,"
                f" attempts = attempts + ?, retry_at = NULL WHERE id IN ({marks})",
                [state, error, self._stamp(), 1 if attempt else 0, *ids],
            )

    def fail(self, intent_id: int, error: str, retry_at: float | None) -> None:
        """Mark one intent failed with its reason, counting an attempt; the worker
        tries it again at ``retry_at`` (Unix seconds), or not at all when ``None``."""
        with self.db.conn:
            self.db.execute(
                "UPDATE intents SET state = ?, last_error = ?, updated_at = ?,"
                " attempts = attempts + 1, retry_at = ? WHERE id = ?",
                [FAILED, error, self._stamp(), retry_at, intent_id],
            )

    def note(self, ids: list[int], error: str) -> None:
        """Say why intents wait, changing neither their state nor their attempts."""
        marks = ", ".join("?" for _ in ids)
        with self.db.conn:
            self.db.execute(
                f"UPDATE intents SET last_error = ?, updated_at = ? WHERE id IN ({marks})",
                [error, self._stamp(), *ids],
            )

    def requeue(self, ids: list[int], reason: str) -> None:
        """Put intents back in the queue (the reconciler found drift)."""
        with self.db.conn:
            for intent_id in ids:
                self.db.execute(
                    "UPDATE intents SET state = 'queued', attempts = 0, last_error = ?,"
                    " retry_at = NULL, updated_at = ? WHERE id = ?",
                    [reason, self._stamp(), intent_id],
                )

    # --- transactions -----------------------------------------------------------

    def record_signed(self, chain: str, signed: SignedTx, kind: str, intent_ids: list[int]) -> int:
        """Store a signed transaction; committed before the caller broadcasts it."""
        stamp = self._stamp()
        with self.db.conn:
            cursor = self.db.execute(
                "INSERT INTO transactions (chain, sender, nonce, tx_hash, raw, to_address, data,"
                " gas, kind, intent_ids, state, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    chain,
                    signed.sender,
                    signed.nonce,
                    signed.tx_hash,
                    signed.raw.hex(),
                    signed.to,
                    signed.data,
                    signed.gas,
                    kind,
                    json.dumps(intent_ids),
                    SIGNED,
                    stamp,
                    stamp,
                ],
            )
        return int(cursor.lastrowid or 0)

    def record_outcome(
        self,
        tx_id: int,
        state: str,
        *,
        block: int | None = None,
        gas_used: int | None = None,
        error: str | None = None,
    ) -> None:
        with self.db.conn:
            self.db.execute(
                "UPDATE transactions SET state = ?, block_number = ?, gas_used = ?, error = ?,"
                " updated_at = ? WHERE id = ?",
                [state, block, gas_used, error, self._stamp(), tx_id],
            )

    def transactions(
        self, chain: str, *, sender: str | None = None, state: str | None = None
    ) -> list[TxRecord]:
        where, args = "chain = ?", [chain]
        if sender is not None:
            where, args = where + " AND sender = ?", [*args, _checksum(sender)]
        if state is not None:
            where, args = where + " AND state = ?", [*args, state]
        rows = self.db["transactions"].rows_where(where, args, order_by="nonce, id")
        return [_tx(r) for r in rows]

    def transactions_of(self, intent: Intent) -> list[TxRecord]:
        """The transactions sent for ``intent``, oldest first."""
        return [t for t in self.transactions(intent.chain) if intent.id in t.intent_ids]


def _checksum(address: str) -> str:
    try:
        return str(Web3.to_checksum_address(address))
    except ValueError as exc:
        raise OutboxError(f"not an address: {address!r}") from exc


def _intent(row: dict[str, Any]) -> Intent:
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
        retry_at=row.get("retry_at"),
    )


def _tx(row: dict[str, Any]) -> TxRecord:
    signed = SignedTx(
        sender=row["sender"],
        nonce=row["nonce"],
        tx_hash=row["tx_hash"],
        raw=bytes.fromhex(row["raw"]),
        to=row["to_address"],
        data=row["data"] or "0x",
        gas=row["gas"] or 0,
    )
    return TxRecord(
        id=row["id"],
        kind=row["kind"],
        intent_ids=json.loads(row["intent_ids"] or "[]"),
        state=row["state"],
        signed=signed,
        gas_used=row["gas_used"],
    )
