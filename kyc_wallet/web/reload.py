"""Configuration re-read without a restart (issue 21 item 9).

What an app reads from configuration files (the verifier's trust list and
policies, the wallet's trust anchors) is held in one :class:`Reloadable`: the
whole loaded configuration is one immutable object, built and validated by the
app's ``load()`` before it replaces the previous one in a single assignment. A
request reads it once and keeps that object (:meth:`Reloadable.pinned`), so a
reload in the middle of a request changes nothing for it.

A reload is asked for by ``SIGHUP`` (:func:`reload_on_sighup`, installed by
``kyc-wallet <role> serve`` and the demo: never by ``create_app``, which tests
call many times in one process) or by an operator action. A file that does not
load or validate changes nothing: the previous configuration stays, and the
reason is logged and kept (:attr:`Reloadable.last`) for the operator's page.

Under gunicorn the master handles ``SIGHUP`` itself: it starts new workers,
which load the files as a start does (docs/deployment.md).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import g, has_request_context

from ssi.errors import SSIError

__all__ = ["ReloadOutcome", "Reloadable", "describe_failure", "reload_on_sighup"]

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class ReloadOutcome:
    """How the last reload ended: ``ok``, what it says, and when (epoch seconds)."""

    ok: bool
    message: str
    at: float


def describe_failure(exc: BaseException) -> str:
    """One line saying why a file did not load."""
    if isinstance(exc, SSIError):
        return exc.description
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.strerror or type(exc).__name__}: {exc.filename}"
    return f"{type(exc).__name__}: {exc}"


class Reloadable(Generic[T]):
    """``load()``'s result, replaced whole by :meth:`reload` when a new one loads.

    ``load`` runs once here: a bad file stops the start, as it always did."""

    def __init__(
        self, name: str, load: Callable[[], T], clock: Callable[[], float] = time.time
    ) -> None:
        self.name = name
        self._load = load
        self._clock = clock
        self._value = load()
        self._lock = threading.Lock()  # one reload at a time; readers never wait
        self.last: ReloadOutcome | None = None
        """The last reload's outcome (``None``: none since the start)."""

    @property
    def current(self) -> T:
        """The configuration now (one attribute read: never a half-built one)."""
        return self._value

    def pinned(self) -> T:
        """The configuration of the running request: the one current when the
        request first read it (outside a request: :attr:`current`)."""
        if not has_request_context():
            return self._value
        key = f"_reloadable_{self.name}"
        value: T | None = g.get(key)
        if value is None:
            value = self._value
            setattr(g, key, value)
        return value

    def reload(self) -> ReloadOutcome:
        """Load and validate the files again; on success replace the configuration,
        else keep it and say why (log line and :attr:`last`)."""
        with self._lock:
            try:
                value = self._load()
            except Exception as exc:  # noqa: BLE001 - whatever it is, the old one stays
                reason = describe_failure(exc)
                log.warning("%s: reload refused, the previous one stays: %s", self.name, reason)
                ok, message = False, f"{self.name} not reloaded (the previous one stays): {reason}"
            else:
                self._value = value
                log.info("%s: reloaded", self.name)
                ok, message = True, f"{self.name} reloaded"
            self.last = ReloadOutcome(ok, message, self._clock())
            return self.last


_reloads: list[Callable[[], Any]] = []
_installed = False


def _reload_all() -> None:
    for reload in list(_reloads):
        try:
            reload()
        except Exception:  # noqa: BLE001 - one app's failure never stops the others'
            log.exception("reload failed")


def _on_sighup(signum: int, frame: Any) -> None:
    # not in the handler itself: it interrupts the main thread wherever it is,
    # maybe holding a lock the reload needs
    threading.Thread(target=_reload_all, name="config-reload", daemon=True).start()


def reload_on_sighup(reload: Callable[[], Any]) -> bool:
    """Call ``reload()`` on every ``SIGHUP`` from now on. Installs the handler
    (once) from the main thread only, where Python runs signal handlers; returns
    whether it could (no ``SIGHUP`` on Windows, or not the main thread)."""
    global _installed
    if not hasattr(signal, "SIGHUP"):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    _reloads.append(reload)
    if not _installed:
        signal.signal(signal.SIGHUP, _on_sighup)
        _installed = True
    return True
