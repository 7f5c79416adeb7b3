"""Retention (issue 22): a verification's details are deleted ``RETENTION_DAYS``
after it finished (answered, or expired unanswered); the verifier's worker runs
it on its ``retention`` schedule (``RETENTION_INTERVAL``).

Deleted (:mod:`verifier.db.retention`): the request it sent, the verified
claims, the wallet's error report (4.9 KB a verification before issue 22). Kept:
the verdict (status, reason), the address, the times, its whitelisting intent
(the status reference, the issuer whose keys sign its list, the credential's
expiry: the monitor keeps re-checking it) and the audit log, which gains one
``verifications.details_deleted`` line per batch deleted. ``GET
/api/v1/verifications/<id>`` then answers the verdict with ``details_deleted``
(when, and why) instead of the claims; the browser page of a verification whose
request is gone answers 410 with the same explanation.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection

from kyc_wallet.database.audit import audit
from ssi.errors import InvalidRequest
from ssi.status_list import ReferencedIssuer

from ..db import retention as retention_db
from .context import VerifierContext

__all__ = ["BATCH", "DAY", "DetailsDeleted", "deleted_view", "run_retention"]

DAY = 86_400
BATCH = 1000
"""Verifications deleted per transaction."""


class DetailsDeleted(InvalidRequest):
    """The verification's details were deleted after the retention period."""

    error = "details_deleted"
    status = 410


def deleted_view(deleted_at: int, days: float) -> dict[str, object]:
    """What the API says of a verification whose details were deleted."""
    return {
        "at": deleted_at,
        "retention_days": days,
        "description": (
            f"the request and the verified claims of this verification were deleted after "
            f"the retention period ({days:g} days); its verdict, address, whitelisting and "
            "audit entries are kept"
        ),
    }


def _keep_issuers(conn: Connection, ids: list[str]) -> None:
    """An intent written before its issuer was recorded gets it from the claims
    (its ``iss``, as the monitor would read it) before they are deleted."""
    for row in retention_db.intents_without_issuer(conn, ids):
        claims = json.loads(row["claims_json"] or "{}")
        iss = claims.get("iss") if isinstance(claims, dict) else None
        if isinstance(iss, str):
            issuer = json.dumps(ReferencedIssuer(iss).to_json(), sort_keys=True)
            retention_db.set_issuer(conn, row["id"], issuer)


def run_retention(ctx: VerifierContext, now: int, days: float, *, batch: int = BATCH) -> int:
    """Delete the details of every verification finished more than ``days`` ago;
    return how many. ``days`` <= 0 keeps everything."""
    if days <= 0:
        return 0
    cutoff = now - int(days * DAY)
    total = 0
    while True:
        with ctx.db.transaction() as conn:
            ids = retention_db.due(conn, cutoff, batch)
            if not ids:
                return total
            _keep_issuers(conn, ids)
            deleted = retention_db.delete_details(conn, ids, now)
            audit(
                conn,
                now,
                "retention",
                "verifications.details_deleted",
                f"{deleted} verifications",
                finished_before=cutoff,
                retention_days=days,
                first=ids[0],
                last=ids[-1],
            )
        total += deleted
        if len(ids) < batch:
            return total
