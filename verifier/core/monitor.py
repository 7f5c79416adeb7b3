"""Continuous compliance: periodic work of the verifier (its background
monitor, ``kyc-wallet verifier --maintenance`` from cron, or
``POST /api/v1/monitor``):

* re-check the expiry and the status of every credential behind a registered
  whitelisting intent (each credential of its verdict, when a query with
  ``multiple`` brought several: each was required valid for it; SECURITY.md
  "Revocation, fail-closed": re-check periodically; a revocation or suspension
  removes the address): an expired,
  revoked or suspended credential turns its intent into ``desired =
  'removed'``, in one transaction with its outbox entry (the removal the chain
  worker sends) and an audit line saying why. The background monitor honours
  each list's ``ttl`` (the status checker's cache); the command and the API
  force a fresh fetch. A status list that cannot be fetched or
  verified changes nothing now (the address stays as decided, the failure is
  reported and retried at the next run) - removing on a network error would let
  anyone who can disrupt the issuer un-whitelist investors;
* forget the ephemeral decryption keys of transactions that expired unanswered.

Each status list is fetched once per run (issue 21 item 7,
:class:`ssi.status_list.StatusRun`) and every investor on it is checked from
that copy: a list that cannot be fetched or verified fails the checks of its
investors only, with its reason. Each investor is checked alone (issue 19
item 1): whatever fails for one record (its status list, a damaged row) is recorded as that intent's
``monitor`` failure (:mod:`verifier.failures`: shown to the operator, reported
by webhook, retried after a back-off of at most 15 minutes that the background
monitor honours and a forced run ignores) and the others are still checked and removed when revoked.
The report lists every investor's result.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kyc_wallet.database import Database
from kyc_wallet.database.audit import audit
from ssi.errors import CredentialStatusError, MalformedInput, SSIError, UntrustedIssuer
from ssi.status_list import ReferencedIssuer, StatusChecker, StatusReference, StatusRun

from ..db import intents, verifications
from ..failures import MONITOR_RETRY_MAX, clear_failure, in_back_off, record_failure
from ..webhooks import Webhooks
from .context import VerifierContext
from .intents import remove_intent

__all__ = [
    "MaintenanceReport",
    "ItemResult",
    "purge_expired",
    "recheck_status",
    "run_monitor",
]

log = logging.getLogger(__name__)

VALID, REMOVED, FAILED, WAITING = "valid", "removed", "failed", "waiting"


@dataclass(frozen=True)
class ItemResult:
    """What the monitor found for one whitelisted investor."""

    address: str
    registry: str
    chain: str
    verification: str
    result: str
    """``valid``, ``removed``, ``failed`` (not checked: see ``reason``), or
    ``waiting`` (an earlier failure's back-off has not passed)."""
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "identity_registry": self.registry,
            "chain": self.chain,
            "verification": self.verification,
            "result": self.result,
            "reason": self.reason,
        }


@dataclass
class MaintenanceReport:
    checked: int = 0
    removed: list[str] = field(default_factory=list)
    """Addresses whose intent became a removal."""
    failed: list[str] = field(default_factory=list)
    """Checks that failed (``status list uri: reason``, or ``address: reason``)."""
    purged: int = 0
    results: list[ItemResult] = field(default_factory=list)
    """Every registered investor's result, in intent order."""


def _remove(
    ctx: VerifierContext, row: Any, reason: str, now: int, report: MaintenanceReport
) -> bool:
    with ctx.db.transaction() as conn:
        changed = remove_intent(ctx, conn, row, reason, now)
        if changed:
            audit(
                conn,
                now,
                "monitor",
                "intent.removed",
                row["address"],
                registry=row["registry"],
                chain=row["chain"],
                reason=reason,
                verification=row["verification_id"],
            )
    if changed:
        report.removed.append(row["address"])
    return bool(changed)


def _check_one(db: Database, row: Any, run: StatusRun, now: int) -> str | None:
    """The removal reason of one intent, ``None`` when it stays; raises when the
    check itself fails."""
    if row["credential_exp"] is not None and row["credential_exp"] <= now:
        return "CredentialExpired"
    checks = _other_statuses(row)
    if row["status_uri"] is not None:
        reference = StatusReference(int(row["status_idx"]), str(row["status_uri"]))
        checks.insert(0, (reference, _status_issuer(db, row)))
    for reference, issuer in checks:  # every credential of the verdict
        try:
            run.assert_valid(reference, issuer=issuer)
        except CredentialStatusError as exc:
            return type(exc).__name__
    return None


def _other_statuses(row: Any) -> list[tuple[StatusReference, ReferencedIssuer]]:
    """The status references of the verdict's other credentials, with their issuers."""
    entries = json.loads(row["other_statuses_json"] or "[]")
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise MalformedInput("the intent's other status references are damaged")
    try:
        return [
            (StatusReference(int(e["idx"]), str(e["uri"])), ReferencedIssuer.from_json(e["issuer"]))
            for e in entries
        ]
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedInput("the intent's other status references are damaged") from exc


def _status_issuer(db: Database, row: Any) -> ReferencedIssuer:
    """Whose keys may sign the intent's status list: its credential's verified issuer
    (issue 19 item 8); for an intent recorded before that was kept, the ``iss``
    of the verified claims (no certificate: a list signed with ``x5c`` must then
    name that issuer in its certificate)."""
    if row["status_issuer_json"]:
        return ReferencedIssuer.from_json(json.loads(row["status_issuer_json"]))
    with db.read() as conn:
        claims_json = intents.claims_of(conn, row["verification_id"])
    claims = json.loads(claims_json or "{}")
    iss = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(iss, str):
        raise UntrustedIssuer("the intent records no issuer to check its status list against")
    return ReferencedIssuer(iss)


def recheck_status(
    ctx: VerifierContext,
    checker: StatusChecker,
    now: int,
    report: MaintenanceReport,
    *,
    force_refresh: bool = True,
    only: Callable[[Any], bool] | None = None,
    webhooks: Webhooks | None = None,
) -> bool:
    """Re-check every registered intent's credential (``only`` those it accepts),
    each alone: expiry, then status, every list fetched once for the run. Return
    whether a new failure was recorded (a webhook to deliver)."""
    db = ctx.db
    waiting = set() if force_refresh else in_back_off(db, "monitor", now)
    new_failures = False
    run = StatusRun(checker, force_refresh=force_refresh)
    with db.read() as conn:
        rows = intents.registered(conn)
    for row in rows:
        if only is not None and not only(row):
            continue
        item = (row["address"], row["registry"], row["chain"], row["verification_id"])
        if row["id"] in waiting:
            report.results.append(ItemResult(*item, WAITING))
            continue
        report.checked += 1
        try:
            reason = _check_one(db, row, run, now)
            if reason is not None:
                _remove(ctx, row, reason, now, report)
        except Exception as exc:  # noqa: BLE001 - any failure is this investor's alone
            description = exc.description if isinstance(exc, SSIError) else str(exc)
            text = f"{type(exc).__name__}: {description}"
            if not isinstance(exc, SSIError):
                log.exception("monitor: checking %s failed", row["address"])
            report.failed.append(f"{row['status_uri'] or row['address']}: {text}")
            report.results.append(ItemResult(*item, FAILED, text))
            new_failures |= record_failure(
                db,
                row,
                "monitor",
                text,
                now,
                webhooks=webhooks,
                retry_max=MONITOR_RETRY_MAX,
            )
            continue
        clear_failure(db, row["id"], "monitor")
        report.results.append(
            ItemResult(*item, VALID) if reason is None else ItemResult(*item, REMOVED, reason)
        )
    return new_failures


def purge_expired(db: Database, now: int, report: MaintenanceReport) -> None:
    with db.transaction() as conn:
        report.purged = verifications.purge_expired_keys(conn, now)


def run_monitor(
    ctx: VerifierContext,
    now: int,
    *,
    force_refresh: bool = True,
    only: Callable[[Any], bool] | None = None,
) -> MaintenanceReport:
    """Both tasks on the context's database, with the status checker of the
    configuration loaded now (each removal committed with its outbox entry).
    ``only``: the intents an API key's ``POST /api/v1/monitor`` acts on."""
    report = MaintenanceReport()
    recheck_status(
        ctx,
        ctx.files().status_checker,
        now,
        report,
        force_refresh=force_refresh,
        only=only,
        webhooks=ctx.webhooks,
    )
    purge_expired(ctx.db, now, report)
    return report
