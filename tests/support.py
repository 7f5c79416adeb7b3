"""Shared test support: a movable clock, the issuer on a real HTTP server, and
deadlines that scale with the machine (:data:`TIMEOUT_SCALE`, :func:`wait_until`).

A test that waits for another process (a server starting, a signal handled)
polls a readiness condition and gives up only after a deadline scaled by
:data:`TIMEOUT_SCALE`: ``KYCW_TEST_TIMEOUT_SCALE`` when set, else the load of
the machine at the start of the run (the 1-minute load average per core, at
least 1, at most 10). A slow machine is slow, not red; nothing asserts a
duration (speed lives in bench/)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask

from issuer.app import create_app
from kyc_wallet.demo import DEMO_APPLICANT
from ssi.fetch import Fetcher
from tests.servers import serve

API_KEY = "test-api-key-0123456789"

APPLICANT: dict[str, Any] = dict(DEMO_APPLICANT)  # the demo's seeded applicant


T = TypeVar("T")


def _timeout_scale() -> float:
    configured = os.environ.get("KYCW_TEST_TIMEOUT_SCALE")
    if configured:
        return max(1.0, float(configured))
    try:
        load = os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:  # no load average on this system
        return 1.0
    return min(10.0, max(1.0, load))


TIMEOUT_SCALE = _timeout_scale()
"""How much longer than on an idle machine a deadline of the tests is."""


def scaled(seconds: float) -> float:
    """``seconds`` on an idle machine, as a deadline on this one; ``KYCW_TEST_TIMEOUT_SCALE``
    and the load are read again each time (a machine that got busy mid-run)."""
    return seconds * max(TIMEOUT_SCALE, _timeout_scale())


def wait_until(
    condition: Callable[[], T | None], seconds: float, what: str, *, poll: float = 0.05
) -> T:
    """Poll ``condition()`` until it returns something true (returned), for at
    most :func:`scaled` ``(seconds)``; then fail saying ``what`` did not happen."""
    deadline = time.monotonic() + scaled(seconds)
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what} (waited {scaled(seconds):.0f} s)")
        time.sleep(poll)


class Clock:
    def __init__(self) -> None:
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now


@dataclass
class RunningIssuer:
    app: Flask
    url: str
    clock: Clock
    fetch: Fetcher

    def api(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        if method == "GET":
            return self.fetch.get(self.url + path, headers=headers, raise_for_status=False)
        return self.fetch.post(self.url + path, json=body, headers=headers, raise_for_status=False)

    def create_offer(self, **changes: Any) -> dict[str, Any]:
        response = self.api("POST", "/api/v1/offers", {"applicant": {**APPLICANT, **changes}})
        assert response.status == 201, response.text()
        offer: dict[str, Any] = response.json()
        return offer


def start_issuer(data_dir: Path, fetcher: Fetcher, **config: Any) -> Iterator[RunningIssuer]:
    """Create the issuer app and serve it on 127.0.0.1 (a generator for fixtures)."""
    clock = Clock()
    app = create_app(
        {
            "DATA_DIR": str(data_dir),
            "API_KEYS": [f"vendor:{API_KEY}"],
            "OPERATOR_PASSWORD": "operator-password",
            "TESTING": True,
            **config,
        },
        clock=clock,
    )

    def configure(url: str) -> None:
        app.config["ISSUER_URL"] = url

    with serve(app, configure) as url:
        yield RunningIssuer(app, url, clock, fetcher)


def assert_no_plaintext(folder: Path, secrets: Iterable[str]) -> None:
    """SECURITY.md "Wallet": none of ``secrets`` in the vault's SQLite file, its
    ``-wal`` or its ``-shm``."""
    files = [p for p in folder.iterdir() if p.name.startswith("wallet.sqlite")]
    assert files, f"no wallet database in {folder}"
    for path in files:
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"{secret!r} in plaintext in {path.name}"
