"""Continuous compliance: periodic work of the verifier (its background
monitor, ``kyc-wallet verifier --maintenance`` from cron, or
``POST /api/v1/monitor``):

* re-check the expiry and the status of every credential behind a registered
  whitelisting intent (SECURITY.md "Revocation, fail-closed": re-check
  periodically; a revocation or suspension removes the address): an expired,
  revoked or suspended credential turns its intent into ``desired =
  'removed'``, in one SQLite transaction with an audit line saying why; the
  forwarder then queues the removal on chain. The background monitor honours
  each list's ``ttl`` (the status checker's cache); the command and the API
  force a fresh fetch. A status list that cannot be fetched or
  verified changes nothing now (the address stays as decided, the failure is
  reported and retried at the next run) - removing on a network error would let
  anyone who can disrupt the issuer un-whitelist investors;
* forget the ephemeral decryption keys of transactions that expired unanswered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask

from kyc_wallet.web import Store
from ssi.errors import CredentialStatusError, SSIError
from ssi.status_list import StatusReference

from .storage import audit
from .whitelisting import forward_intents

__all__ = ["MaintenanceReport", "purge_expired", "recheck_status", "run_maintenance"]

AssertValid = Callable[..., None]


@dataclass
class MaintenanceReport:
    checked: int = 0
    removed: list[str] = field(default_factory=list)
    """Addresses whose intent became a removal."""
    failed: list[str] = field(default_factory=list)
    """Status lists that could not be checked (``uri: reason``)."""
    purged: int = 0


def _remove(store: Store, row: Any, reason: str, now: int, report: MaintenanceReport) -> None:
    with store.transaction() as conn:
        changed = conn.execute(
            "UPDATE intents SET desired = 'removed', removal_reason = ?, updated_at = ?,"
            " version = version + 1"
            " WHERE id = ? AND desired = 'registered' AND verification_id = ?",
            (reason, now, row["id"], row["verification_id"]),
        ).rowcount
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


def recheck_status(
    store: Store,
    assert_valid: AssertValid,
    now: int,
    report: MaintenanceReport,
    *,
    force_refresh: bool = True,
    only: Callable[[Any], bool] | None = None,
) -> None:
    """Re-check every registered intent's credential (``only`` those it accepts):
    expiry, then status."""
    for row in store.all("SELECT * FROM intents WHERE desired = 'registered'"):
        if only is not None and not only(row):
            continue
        report.checked += 1
        if row["credential_exp"] is not None and row["credential_exp"] <= now:
            _remove(store, row, "CredentialExpired", now, report)
            continue
        if row["status_uri"] is None:
            continue
        reference = StatusReference(int(row["status_idx"]), str(row["status_uri"]))
        try:
            assert_valid(reference, force_refresh=force_refresh)
        except CredentialStatusError as exc:
            _remove(store, row, type(exc).__name__, now, report)
        except SSIError as exc:
            report.failed.append(f"{reference.uri}: {type(exc).__name__}: {exc.description}")


def purge_expired(store: Store, now: int, report: MaintenanceReport) -> None:
    report.purged = store.execute(
        "UPDATE verifications SET enc_key_json = NULL"
        " WHERE status = 'pending' AND expires_at <= ? AND enc_key_json IS NOT NULL",
        (now,),
    )


def run_maintenance(
    app: Flask, *, force_refresh: bool = True, only: Callable[[Any], bool] | None = None
) -> MaintenanceReport:
    """Both tasks for the app's database, with its status checker and clock; then
    the removals are forwarded to the chain outbox. ``only``: the intents an API
    key's ``POST /api/v1/monitor`` acts on."""
    report = MaintenanceReport()
    store: Store = app.extensions["store"]
    now = int(app.extensions["clock"]())
    recheck_status(
        store,
        app.extensions["status_checker"].assert_valid,
        now,
        report,
        force_refresh=force_refresh,
        only=only,
    )
    purge_expired(store, now, report)
    with app.app_context():
        forward_intents()
    return report
