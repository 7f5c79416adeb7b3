"""The verifier's background work, in its own process: ``kyc-wallet verifier
worker`` (issue 21 item 6). The web processes start no thread for it.

Its jobs, each on its own schedule (a setting in seconds; 0 turns it off):

* ``chain`` (``CHAIN_WORKER_INTERVAL``): send the outbox's queued intents to
  the chain (:mod:`verifier.chain_sender`), then mirror the intents the outbox
  failed as failures the operator sees (:func:`verifier.whitelisting.sync_chain_failures`);
* ``webhooks`` (``WEBHOOK_INTERVAL``): deliver the queued webhooks
  (:meth:`verifier.webhooks.Webhooks.deliver`);
* ``monitor`` (``MONITOR_INTERVAL``): the compliance monitor
  (:func:`verifier.maintenance.run_maintenance`, honouring each status list's ``ttl``);
* ``reconcile`` (``RECONCILE_INTERVAL``): compare the registries with the
  outbox and queue the repairs (:class:`chain.reconcile.Reconciler`);
* ``retention`` (``RETENTION_INTERVAL``): delete the details of verifications
  finished more than ``RETENTION_DAYS`` ago (:mod:`verifier.core.retention`).

Several workers may run on one database (replicas): a webhook delivery is
claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` (PostgreSQL) or in an
immediate transaction (SQLite) and leased, so two workers never send the same
one; the chain is sent by one worker at a time (:meth:`chain.worker.Worker.exclusive`:
the other skips its turn). Each job can be ticked by hand, which is what the
tests do (never sleeps). The demo runs the worker in the verifier's process
(:meth:`VerifierWorker.start`, one call), since its chain lives there.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask

from ssi.errors import SSIError

from .chain_sender import ChainSender, chain_sender
from .core.context import VerifierContext
from .core.retention import run_retention
from .maintenance import MaintenanceReport, run_maintenance
from .metrics import MONITOR_SECONDS

__all__ = ["JOBS", "VerifierWorker"]

log = logging.getLogger(__name__)

JOBS = {
    "chain": "CHAIN_WORKER_INTERVAL",
    "webhooks": "WEBHOOK_INTERVAL",
    "monitor": "MONITOR_INTERVAL",
    "reconcile": "RECONCILE_INTERVAL",
    "retention": "RETENTION_INTERVAL",
}


def worker_name() -> str:
    """This worker's name in the jobs it claims (host, process, a random part)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class VerifierWorker:
    """The background jobs of the verifier ``app`` (built by ``create_app``)."""

    def __init__(self, app: Flask, *, name: str | None = None) -> None:
        self.app = app
        self.name = name or worker_name()
        self.intervals = {job: float(app.config[key]) for job, key in JOBS.items()}
        self._due: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None
        self.last_monitor_seconds: float | None = None
        ctx = context_of(app)
        self.sender: ChainSender | None = chain_sender(
            app.config, ctx.outbox, ctx.chain, name=self.name
        )

    # --- the jobs, each can be ticked by hand -------------------------------------------

    def tick_chain(self) -> None:
        """Let the chain sender send what is queued, then record the intents it
        failed (each alone: the others went on)."""
        from .whitelisting import sync_chain_failures

        sender = self.sender
        if sender is not None:
            sender.process()
        with self.app.app_context():
            sync_chain_failures()

    def tick_webhooks(self, *, wait: bool = True) -> int:
        """Deliver the webhooks that are due (``wait``: until they are sent; the
        schedule does not wait, so a hanging receiver delays only its own
        target's); return how many were delivered."""
        return context_of(self.app).webhooks.deliver(self.name, wait=wait)

    def tick_monitor(
        self,
        *,
        force_refresh: bool = False,
        only: Callable[[Any], bool] | None = None,
        details: bool = True,
    ) -> MaintenanceReport:
        """The compliance monitor (``details``: every investor's result in the
        report; the schedule keeps only the changes, a million lines being no use)."""
        started = time.monotonic()
        report = run_maintenance(self.app, force_refresh=force_refresh, only=only, details=details)
        self.last_monitor_seconds = time.monotonic() - started
        MONITOR_SECONDS.set(self.last_monitor_seconds)
        if report.failed:
            log.warning("status lists not checked: %s", "; ".join(report.failed))
        return report

    def tick_reconcile(self) -> None:
        """Queue what the registries and the outbox disagree on (never removes an
        address the outbox never intended: that stays a manual decision)."""
        sender = self.sender
        if sender is not None:
            drift = sender.reconcile()
            if not drift.clean:
                log.warning(
                    "reconciler: %d missing, %d to remove, %d unknown on chain",
                    len(drift.missing),
                    len(drift.extra),
                    len(drift.unknown),
                )

    def tick_retention(self) -> int:
        """Delete the details of the verifications finished more than
        ``RETENTION_DAYS`` ago (:mod:`verifier.core.retention`); how many."""
        ctx = context_of(self.app)
        deleted = run_retention(ctx, ctx.now(), ctx.settings.retention_days)
        if deleted:
            log.info("retention: details of %d verifications deleted", deleted)
        return deleted

    # --- the schedule -------------------------------------------------------------------

    def run_due(self) -> None:
        """Run each job whose time has come (each alone: one failing stops no other)."""
        ticks: dict[str, Callable[[], object]] = {
            "chain": self.tick_chain,
            "webhooks": lambda: self.tick_webhooks(wait=False),
            "monitor": lambda: self.tick_monitor(details=False),
            "reconcile": self.tick_reconcile,
            "retention": self.tick_retention,
        }
        for job, interval in self.intervals.items():
            now = time.monotonic()
            if interval <= 0 or self._due.get(job, 0.0) > now:
                continue
            self._due[job] = now + interval
            try:
                with self.app.app_context():
                    ticks[job]()
                self.last_error = None
            except SSIError as exc:  # queued work stays queued; say why
                self.last_error = f"{job}: {exc.description}"
                log.warning("%s", self.last_error)
            except Exception:  # keep working; the log has the details
                self.last_error = f"{job}: failed (see the log)"
                log.exception("%s failed", job)

    def run_forever(self, poll: float = 0.2) -> None:
        """Run the jobs on their schedules until :meth:`stop`."""
        while not self._stop.is_set():
            self.run_due()
            self._stop.wait(poll)

    def start(self) -> None:
        """Run the worker in a thread of this process (the demo's in-process chain)."""
        self._thread = threading.Thread(target=self.run_forever, name="verifier-worker")
        self._thread.daemon = True
        self._thread.start()

    def ready(self) -> None:
        """Raise unless the database answers and, when the worker sends to a
        chain, the node answers (``/readyz`` of ``--health-port``)."""
        context_of(self.app).db.ping()
        if self.sender is not None:
            self.sender.ping()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)


def context_of(app: Flask) -> VerifierContext:
    """The app's :class:`verifier.core.context.VerifierContext`."""
    ctx: VerifierContext = app.extensions["verifier"]
    return ctx
