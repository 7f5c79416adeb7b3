"""Benchmark: durable write transactions per second on SQLite, with group
commit (kyc_wallet.database.group) against one ``fsync`` per transaction.

Run: ``.venv/bin/python -m bench.group_commit [seconds-per-case] [threads]``
(default 3 s, 16 threads, 3 interleaved rounds; the best round of each case
is reported).

``threads`` request threads of one process, as the threaded server runs them,
each committing transactions shaped like a verdict (update one row, insert a
row and an audit line) on a SQLite file in a temporary folder (``TMPDIR``: put it on the disk
the service uses, not a tmpfs)
(WAL, ``synchronous=FULL``: each commit waits for its ``fsync``):

(a) ours: :class:`~kyc_wallet.database.Database` as the services open it,
    with group commit (one writer connection, a SAVEPOINT per transaction,
    one COMMIT per batch);
(b) the baseline: ``Database(group_commit=False)``, each transaction
    committed alone on its own connection (``BEGIN IMMEDIATE`` … ``COMMIT``),
    the sequential fsync per request of the release before.

Figures: transactions per second (ratio to the baseline: the gate, robust to
load), requests per fsync (transactions per ``COMMIT``), and this process's
CPU per transaction; p99 latency and commits per second beside them. Not a
test: nothing is asserted.
"""

from __future__ import annotations

import os
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text

from bench._report import Figure, process_cpu_seconds
from kyc_wallet.database import Database, database_url
from kyc_wallet.database.audit import audit

ROUNDS = 3
SCHEMA = (
    "CREATE TABLE answers (id INTEGER PRIMARY KEY, status TEXT NOT NULL, at INTEGER NOT NULL)",
    "CREATE TABLE seen (digest TEXT PRIMARY KEY, answer INTEGER NOT NULL)",
    "CREATE TABLE audit_log (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
    " actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL, detail TEXT NOT NULL)",
)


@dataclass
class Run:
    transactions: int
    commits: int
    seconds: float
    cpu_seconds: float
    p99_ms: float

    @property
    def per_s(self) -> float:
        return self.transactions / self.seconds

    @property
    def per_fsync(self) -> float:
        return self.transactions / max(self.commits, 1)


def _open(folder: Path, name: str, group: bool) -> Database:
    db = Database(database_url(folder, name), group_commit=group)
    with db.own_transaction() as conn:
        for statement in SCHEMA:
            conn.execute(text(statement))
        conn.execute(text("INSERT INTO answers (id, status, at) VALUES (0, 'pending', 0)"))
    return db


def _run(db: Database, threads: int, seconds: float) -> Run:
    commits: list[int] = []
    db.on_commit(lambda batch: commits.append(batch.units))
    latencies: list[float] = []
    counter = iter(range(1, 10**9))
    lock = threading.Lock()
    stop = threading.Event()
    start = threading.Barrier(threads + 1)

    def work() -> None:
        start.wait()
        mine: list[float] = []
        while not stop.is_set():
            with lock:
                n = next(counter)
            began = time.perf_counter()
            with db.transaction() as conn:
                conn.execute(text("UPDATE answers SET at = :n WHERE id = 0"), {"n": n})
                conn.execute(
                    text("INSERT INTO answers (id, status, at) VALUES (:n, 'verified', :n)"),
                    {"n": n},
                )
                conn.execute(
                    text("INSERT INTO seen (digest, answer) VALUES (:d, :n)"),
                    {"d": f"{n:064x}", "n": n},
                )
                audit(conn, n, "wallet", "verification.verified", str(n))
            mine.append(time.perf_counter() - began)
        with lock:
            latencies.extend(mine)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for worker in workers:
        worker.start()
    cpu_before = process_cpu_seconds(os.getpid())
    start.wait()
    began = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    cpu = process_cpu_seconds(os.getpid()) - cpu_before
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else 0.0
    return Run(len(latencies), len(commits), elapsed, cpu, p99)


def main() -> list[Figure]:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 3.0
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    best: dict[bool, Run] = {}
    with tempfile.TemporaryDirectory(prefix="bench-group-commit-") as folder:
        for round_ in range(ROUNDS):
            for group in (False, True):
                db = _open(Path(folder), f"r{round_}-{group}.sqlite", group)
                try:
                    run = _run(db, threads, seconds)
                finally:
                    db.dispose()
                print(
                    f"round {round_} {'group' if group else 'alone'}: {run.per_s:,.0f} tx/s, "
                    f"{run.commits / run.seconds:,.0f} commits/s, {run.per_fsync:.1f} tx per "
                    f"fsync, p99 {run.p99_ms:.1f} ms",
                    flush=True,
                )
                if group not in best or run.per_s > best[group].per_s:
                    best[group] = run
    ours, alone = best[True], best[False]
    sqlite = "sqlite"
    return [
        Figure(
            f"SQLite durable transactions, {threads} threads",
            project=ours.per_s,
            baseline=alone.per_s,
            baseline_name="one fsync per transaction",
            cpu_ms=ours.cpu_seconds / ours.transactions * 1000,
            per_s=ours.per_s,
            p99_ms=ours.p99_ms,
            engine=sqlite,
            target="> 1 x baseline",
            extra={
                "commits_per_s": round(ours.commits / ours.seconds, 1),
                "baseline_cpu_ms": round(alone.cpu_seconds / alone.transactions * 1000, 3),
                "baseline_p99_ms": round(alone.p99_ms, 1),
            },
        ),
        Figure(
            f"SQLite requests per fsync, {threads} threads",
            unit="tx per commit",
            project=ours.per_fsync,
            baseline=alone.per_fsync,
            baseline_name="one fsync per transaction",
            engine=sqlite,
            target="> 1",
            extra={"commits_per_s": round(ours.commits / ours.seconds, 1)},
        ),
    ]


if __name__ == "__main__":
    from bench._report import table

    print(table(main()))
