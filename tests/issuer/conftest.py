"""The issuer on a real HTTP server on 127.0.0.1, with a movable clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ssi.fetch import Fetcher, FetchPolicy
from tests.support import RunningIssuer, start_issuer


@pytest.fixture
def fetcher() -> Fetcher:
    return Fetcher(FetchPolicy(allow_http_loopback=True))


@pytest.fixture
def issuer(tmp_path: Path, fetcher: Fetcher) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", fetcher)
