"""The compliance monitor's queries (issue 22): the registered intents read in
batches by keyset (``id > last ORDER BY id LIMIT n``: each batch one short read,
never one giant list in memory, on both engines), only the columns the monitor
reads; the intents with an open failure of a stage; failures cleared in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from sqlalchemy import Connection, RowMapping

from kyc_wallet.database import Database

from .tables import intent_failures, intents

__all__ = ["MONITOR_COLUMNS", "clear_failures", "registered_batches", "with_open_failure"]

C, F = intents.c, intent_failures.c
REGISTERED = "registered"

MONITOR_COLUMNS = (
    C.id,
    C.chain,
    C.registry,
    C.address,
    C.verification_id,
    C.version,
    C.credential_exp,
    C.status_uri,
    C.status_idx,
    C.status_issuer_json,
    C.other_statuses_json,
)
"""What the monitor reads of an intent (and what removing it or recording its
failure needs)."""


def registered_batch(conn: Connection, after: int, limit: int) -> list[RowMapping]:
    """Up to ``limit`` registered intents with ``id > after``, in id order."""
    query = (
        sa.select(*MONITOR_COLUMNS)
        .where(C.desired == REGISTERED, C.id > after)
        .order_by(C.id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def registered_batches(db: Database, size: int) -> Iterator[list[RowMapping]]:
    """Every registered intent, oldest first, ``size`` at a time: each batch is
    read in its own short read (keyset pagination), so writes between batches
    (the removals) never wait for the whole run."""
    after = 0
    while True:
        with db.read() as conn:
            batch = registered_batch(conn, after, size)
        if not batch:
            return
        yield batch
        if len(batch) < size:
            return
        after = int(batch[-1]["id"])


def with_open_failure(conn: Connection, stage: str) -> set[int]:
    """The intents with an open failure of ``stage`` (whatever its version)."""
    return {int(i) for i in conn.execute(sa.select(F.intent_id).where(F.stage == stage)).scalars()}


def clear_failures(conn: Connection, intent_ids: Iterable[int], stage: str) -> None:
    """Clear ``stage``'s failures of these intents (they passed)."""
    ids = list(intent_ids)
    for start in range(0, len(ids), 500):  # well under either engine's parameter limit
        chunk = ids[start : start + 500]
        conn.execute(sa.delete(intent_failures).where(F.stage == stage, F.intent_id.in_(chunk)))
