"""Signed webhooks on completion: the verdict is queued in the verdict's own
transaction (a row of ``webhooks``, a job: :mod:`verifier.db.deliveries`),
then delivered by the worker (``kyc-wallet verifier worker``, never a web
process) through the guarded fetcher (``ssi.fetch``), exactly once per attempt
(issue 21 item 8): each delivery is claimed by one worker with a lease
(:func:`verifier.db.deliveries.claim`), POSTed with an ``Idempotency-Key``
header that stays the same on every attempt of that delivery (a receiver drops
a retry it already processed), retried after a back-off that doubles
(``WEBHOOK_RETRY_BASE`` seconds, up to 6 hours) up to ``WEBHOOK_MAX_ATTEMPTS``
attempts, then marked ``failed``: the operator's page lists it and
``kycw_verifier_webhook_failures_total`` counts every failed attempt.

Each verdict goes to the webhook of the API key that created the verification
(``webhook_url`` and ``webhook_secret`` of its ``API_KEYS`` entry), never to
another key's; verifications started on the verifier's own pages, and by keys
in the old ``"name:key"`` form, go to ``WEBHOOK_URL`` with ``WEBHOOK_SECRET``.
Each POST carries ``X-KYCW-Signature: t=<unix time>,v1=<hex HMAC-SHA256>``
over ``"<t>.<body>"`` with that secret (the scheme Stripe uses): the receiver
recomputes it, compares in constant time and refuses old timestamps. The body
holds the id and status only; the platform reads the details with its API key.
Other events carry an ``event`` member naming them (``whitelisting.failed``:
:meth:`Webhooks.queue_event`, issue 19 item 1) and go the same way.

Each target (an API key's webhook, or the default one) is delivered in its own
thread of the worker under its own lock: a receiver that hangs or fails delays only its own
platform's webhooks, never another's (issue 19 items 1 and 14: an error response,
which anyone who saw a QR code may send, queues a webhook for its platform).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kyc_wallet.database import Database

from .db import deliveries, verifications
from .metrics import WEBHOOK_FAILURES

__all__ = [
    "IDEMPOTENCY_HEADER",
    "SIGNATURE_HEADER",
    "WebhookTarget",
    "Webhooks",
    "idempotency_key",
    "sign_webhook",
    "verify_webhook",
]

SIGNATURE_HEADER = "X-KYCW-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
LEASE = 600
"""Seconds a worker holds a claimed delivery: after them (a crashed worker) it is
taken again. Longer than any one POST (the fetcher's timeout)."""
RETRY_MAX = 6 * 3600


@dataclass(frozen=True)
class WebhookTarget:
    url: str
    secret: str = field(repr=False)


def sign_webhook(secret: str, timestamp: int, body: str) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_webhook(
    secret: str, header: str, body: str, *, now: float, tolerance: int = 300
) -> bool:
    """The receiver's check (for platforms written in Python, and for the tests)."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields.get("t", ""))
    except ValueError:
        return False
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign_webhook(secret, timestamp, body), header)


class Webhooks:
    """Queues each verdict for its creator's webhook (the web processes), and
    delivers them (the worker: :meth:`deliver`). ``by_actor``: each API key's
    target (``None``: none); ``default``: the target of everything else (the
    verifier's own pages)."""

    def __init__(
        self,
        db: Database,
        post: Callable[..., Any],
        clock: Callable[[], float],
        by_actor: Mapping[str, WebhookTarget | None],
        default: WebhookTarget | None,
        *,
        max_attempts: int = 8,
        retry_base: float = 30.0,
    ) -> None:
        self._db, self._post, self._clock = db, post, clock
        self.max_attempts, self.retry_base = max_attempts, retry_base
        self._by_actor, self._default = dict(by_actor), default
        self._locks: dict[str | None, threading.Lock] = {}
        self._locks_lock = threading.Lock()

    def _target(self, actor: str | None) -> WebhookTarget | None:
        return self._default if actor is None else self._by_actor.get(actor)

    def queue(self, conn: Any, tx_id: str, status: str, now: int, **extra: str) -> None:
        """In the verdict's transaction: the webhook of the verification's creator
        (``extra``: more members of the body, e.g. ``last_wallet_error``)."""
        self.queue_event(conn, tx_id, {"id": tx_id, "status": status, "at": now, **extra})

    def queue_event(self, conn: Any, tx_id: str, body: dict[str, Any]) -> bool:
        """Queue ``body`` about verification ``tx_id`` in the caller's transaction,
        for the webhook of the verification's creator; ``False`` when it has none."""
        created_by = verifications.creator_of(conn, tx_id)
        # an API key's own webhook (none if the key left the configuration); the
        # verifier's own pages use the default
        actor = created_by if str(created_by).startswith("api:") else None
        target = self._target(actor)
        if target is None:
            return False
        now = int(self._clock())
        deliveries.queue(conn, tx_id, target.url, json.dumps(body, sort_keys=True), actor, now)
        return True

    def deliver(self, worker: str = "verifier", *, wait: bool = True) -> int:
        """Claim the deliveries that are due for ``worker`` and send them, each
        target's in its own thread under its own lock (a target whose thread is
        still sending is left for a later call). ``wait``: join those threads and
        any delivery in flight; return how many were delivered by this call."""
        with self._locks_lock:
            busy = frozenset(actor for actor, lock in self._locks.items() if lock.locked())
        now = int(self._clock())
        rows = deliveries.claim(self._db, worker, now, LEASE, busy=busy)
        by_target: dict[str | None, list[Any]] = {}
        for row in rows:
            by_target.setdefault(row["api_key"], []).append(row)
        counts: list[int] = []
        threads = [
            threading.Thread(
                target=lambda a=actor, r=group: counts.append(self._deliver_to(a, r, worker)),
                name="webhooks",
                daemon=True,
            )
            for actor, group in by_target.items()
        ]
        for thread in threads:
            thread.start()
        if wait:
            for thread in threads:
                thread.join()
            for lock in list(self._locks.values()):  # a delivery in flight from before
                with lock:
                    pass
        return sum(counts)

    def _lock_of(self, actor: str | None) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(actor, threading.Lock())

    def _deliver_to(self, actor: str | None, rows: list[Any], worker: str) -> int:
        """The claimed deliveries of one target (``api_key`` ``actor``), in order."""
        delivered = 0
        with self._lock_of(actor):
            for row in rows:
                now = int(self._clock())
                target = self._target(row["api_key"])
                if target is None:  # its key, or its webhook, left the configuration
                    self._record(row, worker, now, "this webhook is no longer configured")
                    continue
                headers = {
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign_webhook(target.secret, now, row["body"]),
                    IDEMPOTENCY_HEADER: idempotency_key(row),
                }
                try:
                    response = self._post(target.url, data=row["body"].encode(), headers=headers)
                    ok, error = 200 <= response.status < 300, f"HTTP {response.status}"
                except Exception as exc:  # noqa: BLE001 - any failure is retried later
                    ok, error = False, str(exc)[:200]
                self._record(row, worker, int(self._clock()), None if ok else error)
                delivered += ok
        return delivered

    def _record(self, row: Any, worker: str, now: int, error: str | None) -> None:
        """The attempt's outcome; a failure is counted and tried again after a
        back-off that doubles, up to :data:`RETRY_MAX`, for good after ``max_attempts``."""
        if error is not None:
            WEBHOOK_FAILURES.inc()
        delay = min(self.retry_base * 2 ** int(row["attempts"]), RETRY_MAX)
        with self._db.transaction() as conn:
            deliveries.record_attempt(
                conn,
                row["id"],
                worker,
                now,
                error,
                max_attempts=self.max_attempts,
                retry_at=now + int(delay),
            )


def idempotency_key(row: Any) -> str:
    """The same for every attempt of one delivery, and for no other delivery."""
    return f"kycw-{row['verification_id']}-{row['id']}"
