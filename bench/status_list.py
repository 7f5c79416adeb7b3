"""Benchmark: decoding a Status List and reading a status (issue 22).

Run: ``.venv/bin/python -m bench.status_list [seconds-per-case]`` (default 1 s per
case, best of 5 rounds).

* decode: ``StatusList.from_json`` of a 2^20-entry list of 2 bits with 1 %
  revoked at random (Token Status List §4.2: base64url, then ZLIB inflate under
  the decompression cap), against the baseline ``base64.urlsafe_b64decode`` then
  ``zlib.decompress`` of the same ``lst`` (what any decoder must do at least,
  without our strict checks); target < 50 ms each;
* the largest list we accept (2^24 x 2 bits, random: incompressible), the same
  comparison;
* lookup: ``StatusList.get`` at random indices, against the baseline of reading
  the byte with plain ``bytearray`` indexing and a shift; target < 1 µs each.

Not a test: nothing is asserted; the figures are rates per second.
"""

from __future__ import annotations

import base64
import os
import random
import sys
import time
import zlib
from collections.abc import Callable

from bench._report import Figure
from ssi.status_list import INVALID, MAX_ENTRIES, StatusList

ROUNDS = 5


def _rate(fn: Callable[[], object], seconds: float, per_call: int = 1) -> float:
    """Calls per second of ``fn`` (best of ``ROUNDS`` rounds of ``seconds`` / ROUNDS)."""
    best = 0.0
    for _ in range(ROUNDS):
        count, start = 0, time.perf_counter()
        end = start + seconds / ROUNDS
        while True:
            fn()
            count += 1
            now = time.perf_counter()
            if now >= end:
                break
        best = max(best, count * per_call / (now - start))
    return best


def _sparse(entries: int, rate: float) -> StatusList:
    status_list = StatusList(entries, 2)
    rng = random.Random(22)
    for index in rng.sample(range(entries), int(entries * rate)):
        status_list.set(index, INVALID)
    return status_list


def _decode(name: str, status_list: StatusList, seconds: float) -> Figure:
    json_form = status_list.to_json()
    lst = json_form["lst"]
    padded = lst + "=" * (-len(lst) % 4)
    ours = _rate(lambda: StatusList.from_json(json_form), seconds)
    baseline = _rate(lambda: zlib.decompress(base64.urlsafe_b64decode(padded)), seconds)
    return Figure(
        name,
        unit="decodes per s",
        project=ours,
        baseline=baseline,
        baseline_name="base64.urlsafe_b64decode + zlib.decompress of the same lst",
        target="< 50 ms each (2^20)",
        extra={"ms_each": round(1000 / ours, 3), "lst_chars": len(json_form["lst"])},
    )


def _lookup(status_list: StatusList, seconds: float) -> Figure:
    indices = [random.randrange(len(status_list)) for _ in range(1000)]
    get = status_list.get
    data = bytearray(status_list.to_bytes())

    def ours() -> None:
        for i in indices:
            get(i)

    def raw() -> None:
        for i in indices:
            (data[i >> 2] >> ((i & 3) << 1)) & 3

    project = _rate(ours, seconds, len(indices))
    return Figure(
        "status list lookup (StatusList.get)",
        unit="lookups per s",
        project=project,
        baseline=_rate(raw, seconds, len(indices)),
        baseline_name="bytearray index and shift",
        target="< 1 us each",
        extra={"us_each": round(1e6 / project, 3)},
    )


def main() -> list[Figure]:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    sparse = _sparse(1 << 20, 0.01)
    largest = StatusList.from_bytes(os.urandom(MAX_ENTRIES * 2 // 8), 2)
    figures = [
        _decode("status list decode, 2^20 x 2 bits, 1 % revoked", sparse, seconds),
        _decode("status list decode, 2^24 x 2 bits, random (largest)", largest, seconds),
        _lookup(sparse, seconds),
    ]
    for figure in figures:
        print(f"{figure.name}: {figure.project:,.0f} {figure.unit} ({figure.extra})")
    return figures


if __name__ == "__main__":
    from bench._report import table

    print(table(main()))
