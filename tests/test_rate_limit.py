"""Issue 22 "Also", rate limiting: per client and endpoint, 429 ``slow_down``
with ``Retry-After`` past the limit, fail closed (503, never 500) when the
store cannot answer, no thread per request, and a clear line at start for a
setting the app cannot use (``redis://`` without its client used to crash).

The stores shared by several processes are tested across processes in
``tests/test_rate_limit_shared.py``."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Engine, text

from issuer.app import create_app
from kyc_wallet.web.config import ConfigurationError
from kyc_wallet.web.rate_limit import Limit, RateLimiter, parse_limit, parse_limits
from kyc_wallet.web.rate_limit_store import DatabaseCounters, MemoryCounters, counters_file
from tests.servers import free_port
from tests.support import Clock, migrate_issuer


def issuer(tmp_path: Path, clock: Clock | None = None, **config: Any) -> Flask:
    url = config.get("DATABASE_URL")
    if isinstance(url, str) and url.startswith("postgresql"):
        migrate_issuer(url)
    return create_app(
        {"DATA_DIR": str(tmp_path / "issuer"), "RATE_LIMIT_NONCE": "3 per minute", **config},
        clock=clock or Clock(),
    )


def statuses(app: Flask, count: int, path: str = "/nonce", **environ: str) -> list[int]:
    client = app.test_client()
    return [client.post(path, environ_base=environ).status_code for _ in range(count)]


@pytest.fixture
def dispose() -> Iterator[list[Flask]]:
    apps: list[Flask] = []
    yield apps
    for app in apps:
        app.extensions["issuer"].db.dispose()


# --- past the limit ------------------------------------------------------------


def test_rate_limit_past_the_limit_is_429_with_retry_after_and_oauth_json(
    tmp_path: Path, database_url: str, dispose: list[Flask]
) -> None:
    clock = Clock()
    app = issuer(tmp_path, clock, DATABASE_URL=database_url)
    dispose.append(app)
    assert statuses(app, 3) == [200, 200, 200]
    clock.now += 20
    refused = app.test_client().post("/nonce")
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "slow_down"
    assert refused.headers["Retry-After"] == "40"  # the window ends 60 s after its first request
    assert refused.headers["Cache-Control"] == "no-store"
    # the token endpoint is counted apart
    assert statuses(app, 1, "/token") == [400]


def test_rate_limit_window_ends_then_the_client_may_send_again(
    tmp_path: Path, database_url: str, dispose: list[Flask]
) -> None:
    clock = Clock()
    app = issuer(tmp_path, clock, DATABASE_URL=database_url)
    dispose.append(app)
    assert statuses(app, 4) == [200, 200, 200, 429]
    clock.now += 60
    assert statuses(app, 4) == [200, 200, 200, 429]


def test_rate_limit_counts_each_client_apart(tmp_path: Path, dispose: list[Flask]) -> None:
    app = issuer(tmp_path)
    dispose.append(app)
    assert statuses(app, 4, REMOTE_ADDR="192.0.2.1") == [200, 200, 200, 429]
    assert statuses(app, 1, REMOTE_ADDR="192.0.2.2") == [200]


def test_rate_limit_counts_an_ipv6_client_per_64(tmp_path: Path, dispose: list[Flask]) -> None:
    """One subscriber holds a /64: walking through its addresses escapes nothing."""
    app = issuer(tmp_path)
    dispose.append(app)
    sent = [statuses(app, 1, REMOTE_ADDR=f"2001:db8:1:2::{i}")[0] for i in range(1, 5)]
    assert sent == [200, 200, 200, 429]
    assert statuses(app, 1, REMOTE_ADDR="2001:db8:1:3::1") == [200]


def counters_engine(app: Flask) -> Engine:
    """Where the app's ``database`` store counts (its own file beside a SQLite
    database, the service's database on PostgreSQL)."""
    counters = app.extensions["rate_limiter"].counters
    assert isinstance(counters, DatabaseCounters)
    return counters.engine


def test_rate_limit_sqlite_counts_beside_the_database_not_in_it(
    tmp_path: Path, dispose: list[Flask]
) -> None:
    """On SQLite the counters have a file of their own (0600): a count never
    takes the service database's write lock, which the group commit's batches
    hold (issue 22)."""
    app = issuer(tmp_path)
    dispose.append(app)
    statuses(app, 1)
    db = app.extensions["issuer"].db
    path = counters_file(db.path)
    assert path.parent == db.path.parent and path.stat().st_mode & 0o777 == 0o600
    with db.read() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM rate_limit_counters")).scalar() == 0
    with counters_engine(app).connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM rate_limit_counters")).scalar() == 1


def test_rate_limit_the_database_keeps_no_client_address(
    tmp_path: Path, dispose: list[Flask]
) -> None:
    app = issuer(tmp_path)
    dispose.append(app)
    statuses(app, 2, REMOTE_ADDR="198.51.100.77")
    with counters_engine(app).connect() as conn:
        rows = conn.execute(text("SELECT bucket, hits FROM rate_limit_counters")).all()
    assert [hits for _, hits in rows] == [2]
    assert "198.51.100.77" not in rows[0][0] and rows[0][0].startswith("issuer:protocol.nonce:")


def test_rate_limit_expired_windows_are_pruned(tmp_path: Path, dispose: list[Flask]) -> None:
    clock = Clock()
    app = issuer(tmp_path, clock)
    dispose.append(app)
    for i in range(5):
        statuses(app, 1, REMOTE_ADDR=f"192.0.2.{i}")
    clock.now += 3600
    statuses(app, 1, REMOTE_ADDR="192.0.2.200")
    with counters_engine(app).connect() as conn:
        count = conn.execute(text("SELECT COUNT(*) FROM rate_limit_counters")).scalar()
    assert count == 1


def test_rate_limit_memory_store_forgets_expired_windows() -> None:
    counters = MemoryCounters()
    for i in range(10):
        counters.hit(f"k{i}", 60, 1000.0)
    assert len(counters) == 10
    assert counters.hit("k0", 60, 1100.0).hits == 1  # a new window, and the sweep ran
    assert len(counters) == 1


# --- no thread per request ---------------------------------------------------------


class ThreadStarts:
    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = threading.Thread.start

        def start(thread: threading.Thread) -> None:
            self.count += 1
            original(thread)

        monkeypatch.setattr(threading.Thread, "start", start)


@pytest.mark.parametrize("storage", ["memory://", "database"])
def test_rate_limit_starts_no_thread(
    tmp_path: Path,
    database_url: str,
    storage: str,
    monkeypatch: pytest.MonkeyPatch,
    dispose: list[Flask],
) -> None:
    """Flask-Limiter's memory storage started a ``threading.Timer`` per
    request (about a quarter of the verifier's CPU per response, issue 22)."""
    app = issuer(
        tmp_path,
        DATABASE_URL=database_url,
        RATE_LIMIT_STORAGE=storage,
        RATE_LIMIT_NONCE="1000 per minute",
    )
    dispose.append(app)
    client = app.test_client()
    assert client.post("/nonce").status_code == 200  # pools and caches warm
    starts = ThreadStarts(monkeypatch)
    before = threading.active_count()
    answers = [client.post("/nonce").status_code for _ in range(100)]
    assert answers == [200] * 100
    assert threading.active_count() == before
    assert starts.count == 0


# --- the store cannot answer: fail closed, never 500 -------------------------------------


def test_rate_limit_store_failing_refuses_with_503_not_500(
    tmp_path: Path, database_url: str, dispose: list[Flask]
) -> None:
    """The counters' table gone (a store that errors): the endpoint answers
    503 ``temporarily_unavailable`` with ``Retry-After``, and the view does not
    run (fail closed: no request goes through uncounted)."""
    app = issuer(tmp_path, DATABASE_URL=database_url)
    dispose.append(app)
    assert statuses(app, 1) == [200]
    with counters_engine(app).begin() as conn:
        conn.execute(text("DROP TABLE rate_limit_counters"))
    for _ in range(3):
        refused = app.test_client().post("/nonce")
        assert refused.status_code == 503
        assert refused.get_json()["error"] == "temporarily_unavailable"
        assert int(refused.headers["Retry-After"]) > 0
    with app.extensions["issuer"].db.read() as conn:
        nonces = conn.execute(text("SELECT COUNT(*) FROM nonces")).scalar()
    assert nonces == 1  # only the request before the failure made a nonce


def test_rate_limit_redis_down_refuses_with_503(tmp_path: Path, dispose: list[Flask]) -> None:
    """A Redis store that nothing answers (a closed port): 503, quickly."""
    app = issuer(tmp_path, RATE_LIMIT_STORAGE=f"redis://127.0.0.1:{free_port()}/0")
    dispose.append(app)
    refused = app.test_client().post("/nonce")
    assert refused.status_code == 503
    assert refused.get_json()["error"] == "temporarily_unavailable"


# --- settings ----------------------------------------------------------------------


def test_rate_limit_redis_without_its_client_stops_the_start_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: the documented ``redis://`` setting crashed the start with a
    traceback (the client was not installed). Now one line says what to install."""
    monkeypatch.setitem(sys.modules, "redis", None)  # import redis: ImportError
    with pytest.raises(ConfigurationError, match=r"pip install 'kyc-wallet\[redis\]'"):
        issuer(tmp_path, RATE_LIMIT_STORAGE="redis://127.0.0.1:6379/0")


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("RATE_LIMIT_STORAGE", "memcached://:hunter2@cache:11211", "memcached is none"),
        ("RATE_LIMIT_STORAGE", "sqlite:///x", "sqlite is none"),
        ("RATE_LIMIT_NONCE", "lots", "must read like '60 per minute'"),
        ("RATE_LIMIT_TOKEN", "0 per minute", "must read like '60 per minute'"),
        ("RATE_LIMIT_TOKEN", '"60 per minute"', "must read like '60 per minute'"),
        ("RATE_LIMIT_TOKEN", "60 per minute;", "must read like '60 per minute'"),
    ],
)
def test_rate_limit_bad_setting_stops_the_start(
    tmp_path: Path, setting: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message) as raised:
        issuer(tmp_path, None, **{setting: value})
    assert "hunter2" not in str(raised.value)  # a store URL may hold a password


def test_rate_limit_database_store_needs_a_database() -> None:
    from kyc_wallet.web.rate_limit import counters_for

    with pytest.raises(ConfigurationError, match="needs the service's database"):
        counters_for("database", None)


@pytest.mark.parametrize(
    ("text_", "limit"),
    [
        ("60 per minute", Limit(60, 60)),
        ("5 per 10 seconds", Limit(5, 10)),
        ("100/hour", Limit(100, 3600)),
        ("1 per day", Limit(1, 86400)),
        (" 2 PER 3 Minutes ", Limit(2, 180)),
        ("1000 per month", Limit(1000, 30 * 86400)),
    ],
)
def test_rate_limit_settings_parse(text_: str, limit: Limit) -> None:
    assert parse_limit(text_) == limit


def test_rate_limit_several_limits_each_count_in_their_own_window(
    tmp_path: Path, dispose: list[Flask]
) -> None:
    """Flask-Limiter's form ``"2 per second; 3 per minute"`` still works."""
    assert parse_limits("2 per second; 3 per minute") == (Limit(2, 1), Limit(3, 60))
    clock = Clock()
    app = issuer(tmp_path, clock, RATE_LIMIT_NONCE="2 per second; 3 per minute")
    dispose.append(app)
    assert statuses(app, 3) == [200, 200, 429]  # the second's limit
    clock.now += 1
    refused = app.test_client().post("/nonce")
    assert refused.status_code == 429  # the minute's: 4 counted, 3 allowed
    assert refused.headers["Retry-After"] == "59"


def test_rate_limit_check_counts_in_the_limiters_window() -> None:
    clock = Clock()
    limiter = RateLimiter("app", MemoryCounters(), clock)
    app = Flask(__name__)
    with app.test_request_context(environ_base={"REMOTE_ADDR": "192.0.2.9"}):
        limiter.check("endpoint", (Limit(1, 10),))
        clock.now += 9.5
        with pytest.raises(Exception, match="try again in 1 s") as raised:
            limiter.check("endpoint", (Limit(1, 10),))
        assert raised.value.retry_after == 1  # type: ignore[attr-defined]
