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
that copy. Issue 22 (a million investors): the registered intents are read in
batches by keyset (:mod:`verifier.db.monitor`), each batch grouped by list,
each list decoded once and each investor one lookup in it; only what changed is
written (removals with their outbox entries, failures recorded or cleared), one
transaction per batch: a list that cannot be fetched or verified fails the checks of its
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
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kyc_wallet.database import Database
from kyc_wallet.database.audit import audit
from ssi.errors import CredentialStatusError, MalformedInput, SSIError, UntrustedIssuer
from ssi.status_list import VALID as VALID_STATUS
from ssi.status_list import ReferencedIssuer, StatusChecker, StatusReference, StatusRun
from ssi.status_list.checker import assert_status_valid

from ..db import intents, verifications
from ..db import monitor as monitor_db
from ..failures import MONITOR_RETRY_MAX, in_back_off, record_failure_in
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
    """Every registered investor's result, in intent order (without ``details``:
    only those not ``valid``)."""
    valid: int = 0
    """Investors found valid and not listed in ``results`` (without ``details``)."""


BATCH = 5000
"""Intents read, checked and written per batch (one read, at most one write)."""


@dataclass
class _Batch:
    """What one batch changes, committed in one transaction at its end."""

    removals: list[tuple[Any, str]] = field(default_factory=list)
    failures: list[tuple[Any, str]] = field(default_factory=list)
    passed: list[int] = field(default_factory=list)
    """Intents that passed and had an open failure (to clear)."""


class _Issuers:
    """Each distinct ``status_issuer_json`` parsed once per run."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._parsed: dict[str, ReferencedIssuer] = {}

    def of(self, row: Any) -> ReferencedIssuer:
        text = row["status_issuer_json"]
        if not text:
            return _legacy_issuer(self._db, row)
        issuer = self._parsed.get(text)
        if issuer is None:
            issuer = self._parsed[text] = ReferencedIssuer.from_json(json.loads(text))
        return issuer


def _simple(row: Any) -> bool:
    """One credential with a recorded issuer and a whole status reference:
    checked with its list's group (anything else takes the general path)."""
    others = row["other_statuses_json"]
    whole = row["status_uri"] is not None and row["status_idx"] is not None
    return whole and bool(row["status_issuer_json"]) and (not others or others == "[]")


def _check_one(row: Any, run: StatusRun, issuers: _Issuers, now: int) -> str | None:
    """The removal reason of one intent, ``None`` when it stays; raises when the
    check itself fails (the general path: several credentials, or an old record)."""
    if row["credential_exp"] is not None and row["credential_exp"] <= now:
        return "CredentialExpired"
    checks = _other_statuses(row)
    if row["status_uri"] is not None:
        reference = StatusReference(int(row["status_idx"]), str(row["status_uri"]))
        checks.insert(0, (reference, issuers.of(row)))
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


def _legacy_issuer(db: Database, row: Any) -> ReferencedIssuer:
    """Whose keys may sign the intent's status list, for an intent recorded before
    its credential's verified issuer was kept (issue 19 item 8): the ``iss`` of
    the verified claims (no certificate: a list signed with ``x5c`` must then
    name that issuer in its certificate)."""
    with db.read() as conn:
        claims_json = intents.claims_of(conn, row["verification_id"])
    claims = json.loads(claims_json or "{}")
    iss = claims.get("iss") if isinstance(claims, dict) else None
    if not isinstance(iss, str):
        raise UntrustedIssuer("the intent records no issuer to check its status list against")
    return ReferencedIssuer(iss)


def _outcomes(
    rows: list[Any], run: StatusRun, issuers: _Issuers, now: int
) -> dict[int, str | Exception | None]:
    """Each row's removal reason (``None``: it stays), or what failed for it.

    The common case, one credential with a recorded issuer, is grouped by list
    (Token Status List §8.3 step 6: one list, many indices): the list is read
    once for the group and each index is one lookup."""
    out: dict[int, str | Exception | None] = {}
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows:
        exp = row["credential_exp"]
        if exp is not None and exp <= now:
            out[row["id"]] = "CredentialExpired"
        elif row["status_uri"] is None and not row["other_statuses_json"]:
            out[row["id"]] = None
        elif _simple(row):
            groups[(row["status_uri"], row["status_issuer_json"])].append(row)
        else:
            try:
                out[row["id"]] = _check_one(row, run, issuers, now)
            except Exception as exc:  # noqa: BLE001 - this investor's alone
                out[row["id"]] = exc
    for (uri, _), members in groups.items():
        try:
            statuses = run.status_list_token(uri, issuer=issuers.of(members[0])).status_list
        except Exception as exc:  # noqa: BLE001 - fails this list's investors only
            for row in members:
                out[row["id"]] = exc
            continue
        get = statuses.get
        for row in members:
            try:
                value = get(row["status_idx"])
                if value == VALID_STATUS:
                    out[row["id"]] = None
                    continue
                assert_status_valid(StatusReference(int(row["status_idx"]), uri), value)
            except CredentialStatusError as exc:
                out[row["id"]] = type(exc).__name__
            except Exception as exc:  # noqa: BLE001 - an index out of range, a damaged row
                out[row["id"]] = exc
    return out


def _failure_text(row: Any, exc: Exception) -> str:
    description = exc.description if isinstance(exc, SSIError) else str(exc)
    if not isinstance(exc, SSIError):
        log.error("monitor: checking %s failed", row["address"], exc_info=exc)
    return f"{type(exc).__name__}: {description}"


def _commit_all(
    ctx: VerifierContext, batch: _Batch, now: int, webhooks: Any
) -> tuple[list[str], bool]:
    """One transaction for the changes of ``batch``: removals (each with its
    outbox entry and audit line), failures recorded, failures cleared; the
    addresses removed and whether a new failure was recorded."""
    removed: list[str] = []
    new_failures = False
    with ctx.db.transaction() as conn:
        for row, reason in batch.removals:
            if remove_intent(ctx, conn, row, reason, now):
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
                removed.append(row["address"])
        for row, text in batch.failures:
            new_failures |= record_failure_in(
                conn, row, "monitor", text, now, webhooks=webhooks, retry_max=MONITOR_RETRY_MAX
            )
        monitor_db.clear_failures(conn, batch.passed, "monitor")
    return removed, new_failures


def _commit(
    ctx: VerifierContext, batch: _Batch, now: int, report: MaintenanceReport, webhooks: Any
) -> bool:
    """Commit the batch's changes together; if that fails, each alone, a change
    that cannot be written becoming its investor's failure (the others go on).
    Whether a new failure was recorded."""
    if not (batch.removals or batch.failures or batch.passed):
        return False
    try:
        removed, new_failures = _commit_all(ctx, batch, now, webhooks)
    except Exception:  # noqa: BLE001 - retried one by one below
        log.exception("monitor: writing a batch failed; writing its changes one by one")
        removed, new_failures = [], False
        for row, reason in batch.removals:
            try:
                removed += _commit_all(ctx, _Batch(removals=[(row, reason)]), now, webhooks)[0]
            except Exception as exc:  # noqa: BLE001 - this investor's alone
                failure = _Batch(failures=[(row, _failure_text(row, exc))])
                new_failures |= _commit_all(ctx, failure, now, webhooks)[1]
        for failed in batch.failures:
            new_failures |= _commit_all(ctx, _Batch(failures=[failed]), now, webhooks)[1]
        _commit_all(ctx, _Batch(passed=batch.passed), now, webhooks)
    report.removed.extend(removed)
    return new_failures


def recheck_status(
    ctx: VerifierContext,
    checker: StatusChecker,
    now: int,
    report: MaintenanceReport,
    *,
    force_refresh: bool = True,
    only: Callable[[Any], bool] | None = None,
    webhooks: Webhooks | None = None,
    details: bool = True,
    batch_size: int = BATCH,
) -> bool:
    """Re-check every registered intent's credential (``only`` those it accepts),
    each alone: expiry, then status, every list fetched once for the run. Return
    whether a new failure was recorded (a webhook to deliver).

    Issue 22: the intents are read ``batch_size`` at a time (keyset), each batch's
    intents grouped by list and each list read once; only the changes are
    written, one transaction per batch. ``details``: list every investor's
    result in the report (``False``: only those not ``valid``, for a million)."""
    db = ctx.db
    waiting = set() if force_refresh else in_back_off(db, "monitor", now)
    with db.read() as conn:
        open_failures = monitor_db.with_open_failure(conn, "monitor")
    run = StatusRun(checker, force_refresh=force_refresh)
    issuers = _Issuers(db)
    new_failures = False
    for rows in monitor_db.registered_batches(db, batch_size):
        if only is not None:
            rows = [row for row in rows if only(row)]
        checked = [row for row in rows if row["id"] not in waiting]
        report.checked += len(checked)
        outcomes = _outcomes(checked, run, issuers, now)
        batch = _Batch()
        for row in rows:
            item = (row["address"], row["registry"], row["chain"], row["verification_id"])
            if row["id"] in waiting:
                report.results.append(ItemResult(*item, WAITING))
                continue
            outcome = outcomes[row["id"]]
            if isinstance(outcome, Exception):
                text = _failure_text(row, outcome)
                report.failed.append(f"{row['status_uri'] or row['address']}: {text}")
                report.results.append(ItemResult(*item, FAILED, text))
                batch.failures.append((row, text))
                continue
            if row["id"] in open_failures:
                batch.passed.append(row["id"])
            if outcome is not None:
                batch.removals.append((row, outcome))
                report.results.append(ItemResult(*item, REMOVED, outcome))
            elif details:
                report.results.append(ItemResult(*item, VALID))
            else:
                report.valid += 1
        new_failures |= _commit(ctx, batch, now, report, webhooks)
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
    details: bool = True,
) -> MaintenanceReport:
    """Both tasks on the context's database, with the status checker of the
    configuration loaded now (each removal committed with its outbox entry).
    ``only``: the intents an API key's ``POST /api/v1/monitor`` acts on;
    ``details``: every investor's result in the report, not only the changes."""
    report = MaintenanceReport()
    recheck_status(
        ctx,
        ctx.files().status_checker,
        now,
        report,
        force_refresh=force_refresh,
        only=only,
        webhooks=ctx.webhooks,
        details=details,
    )
    purge_expired(ctx.db, now, report)
    return report
