"""The verifier as a real process with ``CHAIN = "outbox"``, and the chain
worker beside it, for the verifier crash test (docs/deployment.md "The
verifier and a real EVM node"): the verifier only commits intents and forwards
them to the outbox file; the worker, a process of its own in production
(``kyc-wallet chain work``, which runs :class:`chain.worker.Worker`), sends
them to the node. So a SIGKILL of the verifier loses neither the chain nor the
worker."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from chain.devchain import DevChain
from chain.outbox import QUEUED
from tests.hardening.issuer_process import AppProcess
from tests.outbox import outbox_at

__all__ = ["VerifierProcess", "WorkerLoop", "write_verifier_config"]


class VerifierProcess(AppProcess):
    """``kyc-wallet verifier``; its did:web document says it is up."""

    role = "verifier"
    probe = "/.well-known/did.json"


def write_verifier_config(folder: Path, api_key: str, policies: Any, trust_list: Any) -> Path:
    """The TOML configuration: the outbox setting (the outbox is in the verifier's
    database: ``kyc-wallet chain work --outbox`` it), the policies and trust list
    files next to it, HTTP on loopback, and rate limits no test reaches."""
    (folder / "policies.json").write_text(json.dumps(policies))
    (folder / "trust.json").write_text(json.dumps(trust_list))
    path = folder / "verifier.toml"
    path.write_text(
        f'API_KEYS = ["platform:{api_key}"]\n'
        "DEV_ALLOW_HTTP_LOOPBACK = true\n"
        'OPERATOR_PASSWORD = "operator-password"\n'
        'RATE_LIMIT_RESPONSE = "100000 per minute"\n'
        'RATE_LIMIT_REQUEST = "100000 per minute"\n'
        'CHAIN = "outbox"\n'
        f"POLICIES_PATH = {json.dumps(str(folder / 'policies.json'))}\n"
        f"TRUST_LIST_PATH = {json.dumps(str(folder / 'trust.json'))}\n"
        "CHAIN_WORKER_INTERVAL = 0.2\n"
        "MONITOR_INTERVAL = 0\n"
    )
    return path


class WorkerLoop:
    """The outbox worker in a thread, one run every ``interval`` seconds, like
    ``kyc-wallet chain work`` from a loop; an exception ends it and is raised
    by :meth:`drain` or at the exit of the ``with`` block."""

    def __init__(self, dev: DevChain, outbox: Path, interval: float = 0.05) -> None:
        self.dev, self.outbox, self.interval = dev, outbox, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-worker", daemon=True)
        self._error: BaseException | None = None

    def _run(self) -> None:
        worker = self.dev.worker(outbox_at(self.outbox))  # this thread's connection
        try:
            while not self._stop.wait(self.interval):
                worker.run_once()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            self._error = exc

    def __enter__(self) -> WorkerLoop:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
        if self._error is not None:
            raise self._error

    def drain(self) -> None:
        """Stop the loop, then run the worker until no intent is queued."""
        self.stop()
        outbox = outbox_at(self.outbox)
        worker = self.dev.worker(outbox)
        for _ in range(10):
            if not outbox.intents(self.dev.deployment.caip2, state=QUEUED):
                return
            worker.run_once()
        raise AssertionError("intents still queued after ten worker runs")

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._thread.is_alive():
            self.stop()
