"""Periodic work of the verifier (run by ``kyc-wallet verifier --maintenance``, e.g.
from cron, or by the platform's scheduler):

* re-check the status of every credential behind a registered whitelisting
  intent (SECURITY.md "Revocation, fail-closed": re-check periodically; a
  revocation or suspension removes the address): a revoked or suspended
  credential turns its intent into ``desired = 'removed'``, in one SQLite
  transaction with an audit line. A status list that cannot be fetched or
  verified changes nothing now (the address stays as decided, the failure is
  reported and retried at the next run) - removing on a network error would let
  anyone who can disrupt the issuer un-whitelist investors;
* forget the ephemeral decryption keys of transactions that expired unanswered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Flask

from kyc_wallet.web import Store
from ssi.errors import CredentialStatusError, SSIError
from ssi.status_list import StatusReference

from .storage import audit

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


def recheck_status(
    store: Store, assert_valid: AssertValid, now: int, report: MaintenanceReport
) -> None:
    """Re-check every registered intent's credential status (fresh lists, no cache)."""
    rows = store.all(
        "SELECT * FROM intents WHERE desired = 'registered' AND status_uri IS NOT NULL"
    )
    for row in rows:
        report.checked += 1
        reference = StatusReference(int(row["status_idx"]), str(row["status_uri"]))
        try:
            assert_valid(reference, force_refresh=True)
        except CredentialStatusError as exc:
            with store.transaction() as conn:
                changed = conn.execute(
                    "UPDATE intents SET desired = 'removed', removal_reason = ?, updated_at = ?"
                    " WHERE id = ? AND desired = 'registered' AND verification_id = ?",
                    (type(exc).__name__, now, row["id"], row["verification_id"]),
                ).rowcount
                if changed:
                    audit(
                        conn,
                        now,
                        "maintenance",
                        "intent.removed",
                        row["address"],
                        registry=row["registry"],
                        chain=row["chain"],
                        reason=type(exc).__name__,
                    )
            if changed:
                report.removed.append(row["address"])
        except SSIError as exc:
            report.failed.append(f"{reference.uri}: {type(exc).__name__}: {exc.description}")


def purge_expired(store: Store, now: int, report: MaintenanceReport) -> None:
    report.purged = store.execute(
        "UPDATE verifications SET enc_key_json = NULL"
        " WHERE status = 'pending' AND expires_at <= ? AND enc_key_json IS NOT NULL",
        (now,),
    )


def run_maintenance(app: Flask) -> MaintenanceReport:
    """Both tasks for the app's database, with its status checker and clock."""
    report = MaintenanceReport()
    store: Store = app.extensions["store"]
    now = int(app.extensions["clock"]())
    recheck_status(store, app.extensions["status_checker"].assert_valid, now, report)
    purge_expired(store, now, report)
    return report
