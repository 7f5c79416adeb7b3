"""Benchmark: the compliance monitor's CPU time against the number of investors
(issue 22: 1,000,000 whitelisted investors on 10 status lists in < 60 s of CPU).

Run: ``.venv/bin/python -m bench.monitor_scale [sizes] [--postgres]`` (default
sizes ``10000,100000,1000000`` on SQLite; ``--postgres`` adds the first two on a
throw-away PostgreSQL cluster, ``tests/postgres.py``).

For each size, investors are seeded directly with bulk inserts
(``tests/verifier/monitor_scale.py``: a verification and a registered intent
each, on 10 lists of 2^17 2-bit entries, 0.1 % revoked), the lists served by a
real HTTP server on 127.0.0.1 and fetched by the verifier's own checker. The
figure is one forced run of ``run_monitor`` as the schedule does it (only the
changes kept in its report): investors checked per CPU second of this process
(``time.process_time``: the list server's few requests included) plus, on
PostgreSQL, the server's processes (``/proc``), against the
baseline of reading the same intents' columns with the driver alone (a bare
``SELECT`` of the monitor's columns, rows fetched, no Python per row): the
monitor does everything else for less than the ratio's inverse. Not a test:
nothing is asserted.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from bench._report import Figure, process_cpu_seconds
from kyc_wallet.database import Database
from tests.verifier.monitor_scale import context_of, list_server, seed, verifier_at
from verifier.core.monitor import run_monitor
from verifier.db.monitor import MONITOR_COLUMNS
from verifier.storage import database_of, migrate

NOW = 1_900_000_000
LISTS = 10
REVOKED = 0.001


def _tree(pid: int | None) -> list[int]:
    """``pid`` and its descendants (the PostgreSQL server and its backends)."""
    if pid is None:
        return []
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children.get(current, []))
    return out


def _server_cpu(pid: int | None) -> float:
    """The CPU of the database server's processes (0 for SQLite: in this process)."""
    total = 0.0
    for each in _tree(pid):
        try:
            total += process_cpu_seconds(each)
        except OSError:
            pass
    return total


def _bare_read(db: Database) -> float:
    """CPU seconds to read every registered intent's monitor columns with the driver."""
    query = sa.select(*MONITOR_COLUMNS).where(sa.column("desired") == "registered")
    started = time.process_time()
    with db.engine.connect() as conn:
        result = conn.exec_driver_sql(
            str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        )
        while result.fetchmany(10_000):
            pass
    return time.process_time() - started


def _one(
    size: int, engine: str, database_url: str | None, root: Path, server: int | None = None
) -> Figure:
    data_dir = root / f"{engine}-{size}"
    data_dir.mkdir()
    config = {"DATA_DIR": str(data_dir)}
    if database_url is not None:
        config["DATABASE_URL"] = database_url
        db = database_of(config)
        migrate(db, config)
        db.dispose()
    with list_server() as lists:
        app = verifier_at(data_dir, lists.url, NOW, **config)
        ctx = context_of(app)
        started = time.perf_counter()
        seed(ctx.db, lists, size, LISTS, NOW, revoked=REVOKED)
        seeding = time.perf_counter() - started
        served = _server_cpu(server)
        bare = _bare_read(ctx.db) + _server_cpu(server) - served
        served = _server_cpu(server)
        cpu, wall = time.process_time(), time.perf_counter()
        report = run_monitor(ctx, NOW, details=False)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        server_cpu = _server_cpu(server) - served
        cpu += server_cpu
        app.extensions["store"].dispose()
    assert report.checked == size and not report.failed, report.failed[:3]
    print(
        f"{engine} {size:>9,}: monitor {cpu:.2f} s CPU (of which the database server"
        f" {server_cpu:.2f} s; {wall:.2f} s wall), "
        f"{len(report.removed)} removed; bare read {bare:.2f} s CPU; seeded in {seeding:.0f} s"
    )
    return Figure(
        f"compliance monitor, {size:,} investors on {LISTS} lists",
        unit="investors per CPU s",
        project=size / cpu,
        baseline=size / bare if bare > 0 else None,
        baseline_name="bare SELECT of the same rows (driver only)",
        engine="postgresql" if database_url else "sqlite",
        target="1M in < 60 s CPU" if size >= 1_000_000 else "",
        extra={
            "cpu_s": round(cpu, 2),
            "server_cpu_s": round(server_cpu, 2),
            "wall_s": round(wall, 2),
            "removed": len(report.removed),
        },
    )


def main() -> list[Figure]:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sizes = [int(s) for s in (args[0] if args else "10000,100000,1000000").split(",")]
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp:
        root = Path(tmp)
        for size in sizes:
            figures.append(_one(size, "sqlite", None, root))
        if "--postgres" in sys.argv:
            from tests.postgres import PostgresCluster

            cluster = PostgresCluster()
            cluster.start()
            try:
                for size in [s for s in sizes if s <= 100_000]:
                    url = cluster.create_database()
                    pid = cluster._process.pid if cluster._process else None
                    figures.append(_one(size, "postgresql", url, root, pid))
            finally:
                cluster.stop()
    return figures


if __name__ == "__main__":
    from bench._report import table

    print(table(main()))
