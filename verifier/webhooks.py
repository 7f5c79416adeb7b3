"""Signed webhooks on completion: the verdict is queued in the verdict's own
SQLite transaction, then delivered by a background thread through the guarded
fetcher (``ssi.fetch``).

Each POST carries ``X-KYCW-Signature: t=<unix time>,v1=<hex HMAC-SHA256>``
over ``"<t>.<body>"`` with the shared ``WEBHOOK_SECRET`` (the scheme Stripe
uses): the receiver recomputes it, compares in constant time and refuses old
timestamps. The body holds the id and status only; the platform reads the
details with its API key. Other events carry an ``event`` member naming them
(``whitelisting.failed``: :func:`queue_webhook`, issue 19 item 1).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable
from typing import Any

from kyc_wallet.web import Store

__all__ = ["SIGNATURE_HEADER", "Webhooks", "queue_webhook", "sign_webhook", "verify_webhook"]

SIGNATURE_HEADER = "X-KYCW-Signature"
MAX_ATTEMPTS = 5


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


def queue_webhook(conn: Any, url: str | None, verification_id: str, body: dict[str, Any]) -> bool:
    """Queue one webhook about ``verification_id`` in the caller's transaction;
    ``False`` (nothing queued) when no URL is configured. Delivered by :class:`Webhooks`."""
    if not url:
        return False
    conn.execute(
        "INSERT INTO webhooks (verification_id, url, body) VALUES (?, ?, ?)",
        (verification_id, url, json.dumps(body, sort_keys=True)),
    )
    return True


class Webhooks:
    """Delivers queued webhooks; :meth:`kick` after each verdict."""

    def __init__(
        self, store: Store, post: Callable[..., Any], secret: str, clock: Callable[[], float]
    ) -> None:
        self._store, self._post, self._secret, self._clock = store, post, secret, clock
        self._lock = threading.Lock()

    def kick(self) -> None:
        threading.Thread(target=self.deliver, daemon=True).start()

    def deliver(self) -> int:
        """Send every undelivered webhook once; return how many were delivered."""
        delivered = 0
        with self._lock:
            rows = self._store.all(
                "SELECT * FROM webhooks WHERE delivered_at IS NULL AND attempts < ? ORDER BY id",
                (MAX_ATTEMPTS,),
            )
            for row in rows:
                now = int(self._clock())
                headers = {
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign_webhook(self._secret, now, row["body"]),
                }
                try:
                    response = self._post(row["url"], data=row["body"].encode(), headers=headers)
                    ok, error = 200 <= response.status < 300, f"HTTP {response.status}"
                except Exception as exc:  # noqa: BLE001 - any failure is retried later
                    ok, error = False, str(exc)[:200]
                self._store.execute(
                    "UPDATE webhooks SET attempts = attempts + 1, delivered_at = ?, last_error = ?"
                    " WHERE id = ?",
                    (now if ok else None, None if ok else error, row["id"]),
                )
                delivered += ok
        return delivered
