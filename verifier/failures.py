"""What failed for one whitelisting intent, kept apart so that it never holds up
the others (issue 19 item 1).

Each intent may have one failure per stage:

* ``chain``: the outbox marks it failed (a revert, a refused transaction, a
  country code no registry takes); mirrored from the outbox by
  :func:`verifier.whitelisting.sync_chain_failures`;
* ``monitor``: re-checking its credential failed (a status list that cannot be
  fetched or verified, a damaged record).

A failure keeps its reason, how many times it happened and when it is tried
again: after 60 s, doubling up to 15 minutes for
``monitor`` (a revocation behind a list that comes back must not wait long;
the list's own ``ttl`` already allows such a delay), while ``chain`` keeps the
outbox worker's own back-off. The first failure of a stage writes an audit line
(``intent.failed``) and queues a ``whitelisting.failed`` webhook; the operator
sees every open failure on the investors page. A success clears it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection

from kyc_wallet.database import Database
from kyc_wallet.database.audit import audit

from .db import intents
from .webhooks import Webhooks

__all__ = [
    "FAILED_EVENT",
    "MONITOR_RETRY_MAX",
    "RETRY_BASE",
    "RETRY_MAX",
    "backoff",
    "clear_failure",
    "failures_by_intent",
    "in_back_off",
    "record_failure",
    "record_failure_in",
]

FAILED_EVENT = "whitelisting.failed"
RETRY_BASE = 60
RETRY_MAX = 6 * 3600
MONITOR_RETRY_MAX = 15 * 60
_UNSET: Any = object()


def backoff(failures: int, cap: int = RETRY_MAX) -> int:
    """Seconds to wait after the ``failures``-th failure in a row (at most ``cap``)."""
    return int(min(RETRY_BASE * 2 ** max(failures - 1, 0), cap))


def record_failure(
    db: Database,
    intent: Any,
    stage: str,
    reason: str,
    now: int,
    *,
    webhooks: Webhooks | None,
    failures: int | None = None,
    retry_at: int | None = _UNSET,
    retry_max: int = RETRY_MAX,
) -> bool:
    """Record that ``stage`` failed for ``intent`` (a row of ``intents``); return
    ``True`` when it is a new failure (then audited and reported by webhook).
    ``failures`` and ``retry_at`` default to one more and the back-off (capped
    at ``retry_max``)."""
    with db.transaction() as conn:
        return record_failure_in(
            conn,
            intent,
            stage,
            reason,
            now,
            webhooks=webhooks,
            failures=failures,
            retry_at=retry_at,
            retry_max=retry_max,
        )


def record_failure_in(
    conn: Connection,
    intent: Any,
    stage: str,
    reason: str,
    now: int,
    *,
    webhooks: Webhooks | None,
    failures: int | None = None,
    retry_at: int | None = _UNSET,
    retry_max: int = RETRY_MAX,
) -> bool:
    """:func:`record_failure` in the caller's transaction (the monitor records a
    batch's failures in one)."""
    reason = reason[:1000]
    count, new = intents.save_failure(conn, intent, stage, reason, now, failures)
    retry = now + backoff(count, retry_max) if retry_at is _UNSET else retry_at
    intents.set_retry(conn, intent["id"], stage, retry)
    if not new:
        return False
    details = {
        "registry": intent["registry"],
        "chain": intent["chain"],
        "stage": stage,
        "reason": reason,
        "verification": intent["verification_id"],
    }
    audit(conn, now, "verifier", "intent.failed", intent["address"], **details)
    body = {"event": FAILED_EVENT, "id": intent["verification_id"], "at": now}
    body |= {"address": intent["address"], **details}
    del body["verification"]
    if webhooks is not None:  # the webhook of the verification's creator
        webhooks.queue_event(conn, intent["verification_id"], body)
    return True


def clear_failure(db: Database, intent_id: int, stage: str) -> None:
    with db.transaction() as conn:
        intents.clear_failure(conn, intent_id, stage)


def in_back_off(db: Database, stage: str, now: int) -> set[int]:
    """The intents whose ``stage`` waits: retried later, or not automatically."""
    with db.read() as conn:
        return intents.in_back_off(conn, stage, now)


def failures_by_intent(db: Database) -> dict[int, list[Any]]:
    """Every open failure, by intent id (for the operator's pages)."""
    out: dict[int, list[Any]] = defaultdict(list)
    with db.read() as conn:
        for row in intents.failures(conn):
            out[int(row["intent_id"])].append(row)
    return dict(out)
