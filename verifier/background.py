"""The verifier's background work, in two daemon threads: the chain worker
(send the outbox's queued intents, then mirror the intents the outbox failed
as failures the operator sees: verifier.failures) and the compliance monitor
(:func:`verifier.maintenance.run_maintenance`, honouring each status list's
``ttl``). Both can be ticked by hand, which is what the tests do (never sleeps).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from chain.platform import PlatformChain
from ssi.errors import SSIError

from .maintenance import MaintenanceReport, run_maintenance
from .whitelisting import sync_chain_failures

__all__ = ["Background"]

log = logging.getLogger(__name__)


class Background:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.last_error: str | None = None

    def tick_chain(self) -> None:
        """Let the chain worker send what is queued, then record the intents it
        failed (each alone: the others went on)."""
        with self.app.app_context():
            platform: PlatformChain | None = self.app.extensions.get("chain")
            if platform is not None:
                platform.process()
            sync_chain_failures()

    def tick_monitor(
        self, *, force_refresh: bool = False, only: Callable[[Any], bool] | None = None
    ) -> MaintenanceReport:
        with self.app.app_context():
            report = run_maintenance(self.app, force_refresh=force_refresh, only=only)
        if report.failed:
            log.warning("status lists not checked: %s", "; ".join(report.failed))
        return report

    def _loop(self, interval: float, work: Callable[[], object], name: str) -> None:
        def run() -> None:
            while not self._stop.wait(interval):
                try:
                    work()
                    self.last_error = None
                except SSIError as exc:  # queued work stays queued; say why
                    self.last_error = f"{name}: {exc.description}"
                    log.warning("%s", self.last_error)
                except Exception:  # keep the thread alive; the log has the details
                    log.exception("%s failed", name)

        thread = threading.Thread(target=run, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def start(self) -> None:
        config = self.app.config
        if float(config["CHAIN_WORKER_INTERVAL"]) > 0:
            self._loop(float(config["CHAIN_WORKER_INTERVAL"]), self.tick_chain, "chain-worker")
        if float(config["MONITOR_INTERVAL"]) > 0:
            self._loop(float(config["MONITOR_INTERVAL"]), self.tick_monitor, "compliance-monitor")

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
