"""Shared test configuration: the ``--fuzz`` option, the vectors folder, and
pytest-timeout's limits scaled to the machine's load (:mod:`tests.timing`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.postgres import PostgresCluster

VECTORS = Path(__file__).parent / "vectors"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz",
        action="store_true",
        default=False,
        help="run property-based tests with many more examples (10,000 per parser)",
    )


def pytest_configure(config: pytest.Config) -> None:
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "fuzz",
        max_examples=10_000,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    settings.register_profile("default", max_examples=200, deadline=None)
    settings.load_profile("fuzz" if config.getoption("--fuzz") else "default")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Files with a ``slow`` test run first, each file's tests still together:
    under pytest-xdist (``make test``) the long tests then start early and the
    short ones fill the processes up to the end, instead of one long test
    running alone at the end of the suite.

    Each test's timeout (its ``timeout`` marker, else the ini's) times
    :data:`tests.timing.TIMEOUT_SCALE`: a busy machine gets longer, not red."""
    slow_files = {item.path for item in items if item.get_closest_marker("slow") is not None}
    items.sort(key=lambda item: item.path not in slow_files)  # stable: order kept otherwise

    from tests.timing import TIMEOUT_SCALE

    if TIMEOUT_SCALE <= 1.0:
        return
    default = float(config.getini("timeout") or 0)
    for item in items:
        marker = item.get_closest_marker("timeout")
        base = float(marker.args[0]) if marker is not None and marker.args else default
        if base > 0:
            item.add_marker(pytest.mark.timeout(base * TIMEOUT_SCALE), append=False)


@pytest.fixture
def fresh_now(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set the test module's ``NOW`` to the time of the test, not of the collection:
    didkit stamps LDP proofs with the real time, and a long suite would otherwise
    make them look created in the future. Modules opt in with
    ``pytestmark = pytest.mark.usefixtures("fresh_now")``."""
    import time

    monkeypatch.setattr(request.module, "NOW", int(time.time()))


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL server for the whole session, started on first use."""
    cluster = PostgresCluster()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty service database on each engine: a SQLite file, then a
    database on the session's PostgreSQL server. Tests using it run twice,
    ``[sqlite]`` and ``[postgres]``: ``pytest -k postgres`` selects the
    PostgreSQL runs."""
    if request.param == "sqlite":
        return f"sqlite+pysqlite:///{tmp_path / 'service.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database()


@pytest.fixture
def postgres_url(postgres_cluster: PostgresCluster) -> str:
    """A new, empty database on the session's PostgreSQL server."""
    return postgres_cluster.create_database()
