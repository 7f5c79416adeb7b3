"""The Flask side of the compliance monitor (:mod:`verifier.core.monitor`): run
it for an app, as ``kyc-wallet verifier --maintenance``, ``POST
/api/v1/monitor`` and the worker do."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask

from .core.context import VerifierContext
from .core.monitor import ItemResult, MaintenanceReport, run_monitor

__all__ = ["ItemResult", "MaintenanceReport", "run_maintenance"]


def run_maintenance(
    app: Flask,
    *,
    force_refresh: bool = True,
    only: Callable[[Any], bool] | None = None,
    details: bool = True,
) -> MaintenanceReport:
    """:func:`verifier.core.monitor.run_monitor` on ``app``'s context, now."""
    ctx: VerifierContext = app.extensions["verifier"]
    return run_monitor(ctx, ctx.now(), force_refresh=force_refresh, only=only, details=details)
