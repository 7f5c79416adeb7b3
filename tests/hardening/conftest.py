"""The issuer on a real HTTP server on 127.0.0.1 with its rate limits raised,
so that a refusal seen by a hardening test is the check under test, never the
limiter; and ``fuzz_examples`` to scale the long tests with ``--fuzz``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ssi.fetch import Fetcher, FetchPolicy
from tests.hardening.client import IssuerClient
from tests.support import RunningIssuer, start_issuer

RAISED_LIMITS = {"RATE_LIMIT_TOKEN": "100000 per minute", "RATE_LIMIT_NONCE": "100000 per minute"}


@pytest.fixture
def issuer(tmp_path: Path) -> Iterator[RunningIssuer]:
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True))
    yield from start_issuer(tmp_path / "issuer", fetcher, **RAISED_LIMITS)


@pytest.fixture
def client(issuer: RunningIssuer) -> IssuerClient:
    return IssuerClient(issuer.url)


@pytest.fixture
def fuzzing(request: pytest.FixtureRequest) -> bool:
    """True under ``pytest --fuzz``: the long tests run with bigger counts."""
    return bool(request.config.getoption("--fuzz"))
