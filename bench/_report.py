"""One table for every benchmark: the figures of ``make bench``.

Each benchmark's ``main()`` returns a list of :class:`Figure` (after printing
its own detail, if any). ``python -m bench`` prints them as one table with the
machine's load; ``python -m bench NAME --json`` prints one JSON line per figure
(one per engine where there are two) with the keys ``engine``, ``project``,
``baseline``, ``bound``, ``cpu_ms``, ``noop_ratio``, ``per_s`` and ``p99_ms``
where they apply.

Figures that gate (issue #22) do not depend on what else the machine runs:
ratios against a baseline or a bound measured in the same run, and server CPU
per request read from ``/proc`` (:func:`process_cpu_seconds`). Throughput and
latency are reported beside them, with ``os.getloadavg()``, never as a gate.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Figure:
    """One measured figure. ``project`` is ours, ``baseline`` the named
    reference measured in the same run (``None`` when there is none), ``bound``
    what the underlying primitives allow (e.g. the bare signature checks).
    Rates are per second; ``cpu_ms`` is server CPU per request."""

    name: str
    unit: str = "per s"
    project: float | None = None
    baseline: float | None = None
    baseline_name: str = ""
    bound: float | None = None
    bound_name: str = ""
    cpu_ms: float | None = None
    noop_ratio: float | None = None
    per_s: float | None = None
    p99_ms: float | None = None
    engine: str | None = None
    target: str = ""
    extra: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def vs_baseline(self) -> float | None:
        if self.project is None or not self.baseline:
            return None
        return self.project / self.baseline

    @property
    def vs_bound(self) -> float | None:
        if self.project is None or not self.bound:
            return None
        return self.project / self.bound

    def as_json(self) -> dict[str, object]:
        data = {k: v for k, v in asdict(self).items() if v not in (None, "", {})}
        if self.vs_baseline is not None:
            data["ratio_baseline"] = round(self.vs_baseline, 3)
        if self.vs_bound is not None:
            data["ratio_bound"] = round(self.vs_bound, 3)
        return data


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and of its waited-for children, from
    ``/proc/<pid>/stat`` (fields 14-17), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # after the ")" field 3 (state) is index 0, so field N is index N - 3
    utime, stime, cutime, cstime = (int(fields[i]) for i in range(11, 15))
    return (utime + stime + cutime + cstime) / _CLOCK_TICKS


def tree_cpu_seconds(pids: Iterable[int]) -> float:
    """The summed CPU of several processes (e.g. a server's workers)."""
    return sum(process_cpu_seconds(pid) for pid in pids)


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def table(figures: Sequence[Figure]) -> str:
    """The figures as one plain-text table (what ``make bench`` prints)."""
    header = (
        f"{'figure':<52} {'engine':<10} {'project':>10} {'baseline':>10} {'bound':>10} "
        f"{'ratio':>13} {'cpu ms':>7} {'p99 ms':>7}  target"
    )
    lines = [header, "-" * len(header)]
    for f in figures:
        ratios = []
        if f.vs_baseline is not None:
            ratios.append(f"{f.vs_baseline:.2f}xB")
        if f.vs_bound is not None:
            ratios.append(f"{f.vs_bound:.2f}xb")
        if f.noop_ratio is not None:
            ratios.append(f"{f.noop_ratio:.2f}xN")
        lines.append(
            f"{f.name:<52.52} {f.engine or '':<10} {_num(f.project):>10} {_num(f.baseline):>10} "
            f"{_num(f.bound):>10} {' '.join(ratios):>13} {_num(f.cpu_ms, 2):>7} "
            f"{_num(f.p99_ms, 1):>7}  {f.target}"
        )
    lines.append("")
    lines.append("ratio: xB = project / baseline, xb = project / bound, xN = no-op CPU / this CPU")
    lines.append(load())
    return "\n".join(lines)


def json_lines(figures: Sequence[Figure]) -> str:
    return "\n".join(json.dumps(f.as_json(), sort_keys=True) for f in figures)
