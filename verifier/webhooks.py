"""Signed webhooks on completion: the verdict is queued in the verdict's own
transaction (a row of ``webhooks``, a job: :mod:`verifier.db.deliveries`),
then delivered by a background thread through the guarded fetcher (``ssi.fetch``).

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
thread under its own lock: a receiver that hangs or fails delays only its own
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

__all__ = ["SIGNATURE_HEADER", "WebhookTarget", "Webhooks", "sign_webhook", "verify_webhook"]

SIGNATURE_HEADER = "X-KYCW-Signature"
MAX_ATTEMPTS = 5


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
    """Queues each verdict for its creator's webhook and delivers them; :meth:`kick`
    after each verdict. ``by_actor``: each API key's target (``None``: none);
    ``default``: the target of everything else (the verifier's own pages)."""

    def __init__(
        self,
        db: Database,
        post: Callable[..., Any],
        clock: Callable[[], float],
        by_actor: Mapping[str, WebhookTarget | None],
        default: WebhookTarget | None,
    ) -> None:
        self._db, self._post, self._clock = db, post, clock
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

    def kick(self) -> None:
        threading.Thread(target=self.deliver, daemon=True).start()

    def deliver(self) -> int:
        """Send every undelivered webhook once, each target's in its own thread;
        return how many were delivered (after any delivery in flight)."""
        with self._db.read() as conn:
            actors = deliveries.pending_targets(conn)
        counts: list[int] = []
        threads = [
            threading.Thread(target=lambda a=actor: counts.append(self._deliver_to(a)), daemon=True)
            for actor in actors
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return sum(counts)

    def _lock_of(self, actor: str | None) -> threading.Lock:
        with self._locks_lock:
            return self._locks.setdefault(actor, threading.Lock())

    def _deliver_to(self, actor: str | None) -> int:
        """The undelivered webhooks of one target (``api_key`` ``actor``), in order."""
        delivered = 0
        with self._lock_of(actor):
            with self._db.read() as conn:
                rows = deliveries.pending_of(conn, actor)
            for row in rows:
                now = int(self._clock())
                target = self._target(row["api_key"])
                if target is None:  # its key, or its webhook, left the configuration
                    self._failed(row["id"], "this webhook is no longer configured")
                    continue
                headers = {
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign_webhook(target.secret, now, row["body"]),
                }
                try:
                    response = self._post(target.url, data=row["body"].encode(), headers=headers)
                    ok, error = 200 <= response.status < 300, f"HTTP {response.status}"
                except Exception as exc:  # noqa: BLE001 - any failure is retried later
                    ok, error = False, str(exc)[:200]
                with self._db.transaction() as conn:
                    deliveries.record_attempt(
                        conn, row["id"], now, None if ok else error, MAX_ATTEMPTS
                    )
                delivered += ok
                if not ok:
                    WEBHOOK_FAILURES.inc()
        return delivered

    def _failed(self, row_id: int, error: str) -> None:
        WEBHOOK_FAILURES.inc()
        with self._db.transaction() as conn:
            deliveries.record_attempt(conn, row_id, int(self._clock()), error, MAX_ATTEMPTS)
