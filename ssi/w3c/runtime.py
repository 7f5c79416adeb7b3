"""Running didkit 0.3.3's coroutines from synchronous code, and reading its results.

didkit's ``issue_*``, ``verify_*`` and ``key_to_verification_method`` return
awaitables that must be created and awaited inside a running event loop
(``loop.run_until_complete(didkit.f(...))`` fails with "no running event
loop"). :class:`DidkitRunner` keeps one event loop in a daemon thread and
hands each call to it with :func:`asyncio.run_coroutine_threadsafe`, so any
thread (a Flask worker, a test, a coroutine of another loop) can call the
sync functions; the process pays for one loop, not one per call
(``bench/w3c_verify.py`` measures both). After a fork the child starts its
own thread.

didkit reports a failed verification as ``{"errors": [...]}`` rather than an
exception: :func:`check_result` is the one place that turns a non-empty list
into our errors, and :func:`didkit_errors` the one place that translates
``didkit.DIDKitException``.

At interpreter exit a tokio worker of didkit may still release Python objects
for a moment after a failed verification; if finalization starts in that
window the process aborts ("PyGILState_Release: thread state ... must be
current"). The ``atexit`` hook stops the loop and waits briefly for that.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from typing import Any, TypeVar, cast

import didkit

from ..encoding import json_loads_object
from ..errors import InvalidSignature, MalformedInput, ResolutionError, SSIError, library_errors

__all__ = ["DidkitTimeout", "DidkitRunner", "check_result", "didkit_errors", "run"]

T = TypeVar("T")
DEFAULT_TIMEOUT = 10.0
_EXIT_GRACE = 0.05
_DIDKIT_EXCEPTION = cast(type[Exception], didkit.DIDKitException)  # the stub types it oddly


class DidkitTimeout(SSIError):
    """didkit did not answer within the time limit."""


@contextmanager
def didkit_errors(context: str, kind: type[SSIError] = InvalidSignature) -> Iterator[None]:
    """Translate ``didkit.DIDKitException`` (and bad-input errors) into ``kind``."""
    with library_errors(context, kind):
        try:
            yield
        except _DIDKIT_EXCEPTION as exc:
            raise _classify(f"{context}: {exc}", kind) from exc


def _classify(message: str, default: type[SSIError]) -> SSIError:
    lowered = message.lower()
    if "expansion" in lowered or "json-ld" in lowered or "unable to parse" in lowered:
        return MalformedInput(message)
    if "resolv" in lowered or "did not found" in lowered or "unsupported did" in lowered:
        return ResolutionError(message)
    return default(message)


def check_result(result: str, context: str) -> dict[str, Any]:
    """didkit's verification result; a non-empty ``errors`` list raises ``InvalidSignature``.

    Expansion failures (undefined JSON-LD terms) raise ``MalformedInput`` and
    resolution failures ``ResolutionError``, so the caller learns why.
    """
    parsed = json_loads_object(result, "didkit result")
    errors = parsed.get("errors")
    if not isinstance(errors, list):
        raise InvalidSignature(f"{context}: didkit returned no 'errors' list")
    if errors:
        raise _classify(f"{context}: {'; '.join(str(e) for e in errors)}", InvalidSignature)
    return parsed


class DidkitRunner:
    """One event loop in a daemon thread that runs didkit's coroutines."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid = 0
        self._used = False

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None or self._pid != os.getpid() or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="didkit", daemon=True)
                thread.start()
                self._loop, self._thread, self._pid = loop, thread, os.getpid()
            self._used = True
            return self._loop

    def run(
        self,
        function: Callable[..., Awaitable[T]],
        *args: str,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> T:
        """``await function(*args)`` on the runner's loop; block until done or ``timeout``."""

        async def call() -> T:
            return await function(*args)

        loop = self._ensure_loop()
        if threading.current_thread() is self._thread:
            raise RuntimeError("a didkit call from the runner's own thread would wait forever")
        future = asyncio.run_coroutine_threadsafe(call(), loop)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise DidkitTimeout(f"didkit gave no answer within {timeout:g} s") from None

    def close(self) -> None:
        """Cancel what is still running, stop the loop and its thread (also at exit)."""
        with self._lock:
            loop, thread, used = self._loop, self._thread, self._used
            self._loop = self._thread = None
        if loop is not None and thread is not None and self._pid == os.getpid():
            try:
                asyncio.run_coroutine_threadsafe(_cancel_pending(), loop).result(1.0)
            except (FutureTimeout, RuntimeError):
                pass  # a stuck didkit call: stop the loop anyway
            loop.call_soon_threadsafe(loop.stop)
            thread.join(1.0)
            if not thread.is_alive():
                loop.close()
        if used:
            time.sleep(_EXIT_GRACE)  # let didkit's tokio threads drop their Python references


async def _cancel_pending() -> None:
    current = asyncio.current_task()
    pending = [task for task in asyncio.all_tasks() if task is not current]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


_RUNNER = DidkitRunner()
atexit.register(_RUNNER.close)


def run(function: Callable[..., Awaitable[T]], *args: str, timeout: float = DEFAULT_TIMEOUT) -> T:
    """Run one didkit coroutine function on the shared :class:`DidkitRunner`."""
    return _RUNNER.run(function, *args, timeout=timeout)
