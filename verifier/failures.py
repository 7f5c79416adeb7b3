"""What failed for one whitelisting intent, kept apart so that it never holds up
the others (issue 19 item 1).

Each intent may have one failure per stage:

* ``forward``: writing it to the chain outbox failed (a country code the
  registry cannot take, a malformed address left by an earlier version);
* ``chain``: the outbox worker marked it failed (a revert, a refused
  transaction); mirrored from the outbox by :func:`verifier.whitelisting.sync_chain_failures`;
* ``monitor``: re-checking its credential failed (a status list that cannot be
  fetched or verified, a damaged record).

A failure keeps its reason, how many times it happened and when it is tried
again: after 60 s, doubling up to 6 hours for ``forward``, up to 15 minutes for
``monitor`` (a revocation behind a list that comes back must not wait long;
the list's own ``ttl`` already allows such a delay), while ``chain`` keeps the
outbox worker's own back-off. The first failure of a stage writes an audit line
(``intent.failed``) and queues a ``whitelisting.failed`` webhook; the operator
sees every open failure on the investors page. A success clears it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from kyc_wallet.web import Store

from .storage import audit
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
    store: Store,
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
    reason = reason[:1000]
    with store.transaction() as conn:
        row = conn.execute(
            "SELECT failures FROM intent_failures WHERE intent_id = ? AND stage = ?",
            (intent["id"], stage),
        ).fetchone()
        count = failures if failures is not None else (row["failures"] + 1 if row else 1)
        retry = now + backoff(count, retry_max) if retry_at is _UNSET else retry_at
        conn.execute(
            "INSERT INTO intent_failures (intent_id, stage, reason, failures, version, first_at,"
            " last_at, retry_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (intent_id, stage) DO UPDATE SET reason = excluded.reason,"
            " failures = excluded.failures, version = excluded.version,"
            " last_at = excluded.last_at, retry_at = excluded.retry_at",
            (intent["id"], stage, reason, count, intent["version"], now, now, retry),
        )
        if row is not None:
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


def clear_failure(store: Store, intent_id: int, stage: str) -> None:
    store.execute(
        "DELETE FROM intent_failures WHERE intent_id = ? AND stage = ?", (intent_id, stage)
    )


def in_back_off(store: Store, stage: str, now: int) -> set[int]:
    """The intents whose ``stage`` waits: retried later, or not automatically."""
    rows = store.all(
        "SELECT f.intent_id FROM intent_failures f JOIN intents i ON i.id = f.intent_id"
        " WHERE f.stage = ? AND f.version = i.version AND (f.retry_at IS NULL OR f.retry_at > ?)",
        (stage, now),
    )
    return {int(r["intent_id"]) for r in rows}


def failures_by_intent(store: Store) -> dict[int, list[Any]]:
    """Every open failure, by intent id (for the operator's pages)."""
    out: dict[int, list[Any]] = defaultdict(list)
    for row in store.all("SELECT * FROM intent_failures ORDER BY stage"):
        out[int(row["intent_id"])].append(row)
    return dict(out)
