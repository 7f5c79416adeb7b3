"""``python -m bench``: run every benchmark in this folder, one after the other,
and print their figures as one table (:mod:`bench._report`).

``python -m bench NAME …`` runs only those (e.g. ``sdjwt_verify``);
``--json`` prints one JSON line per figure instead of the table. Each
benchmark measures its ratios against a named baseline in the same run.
A benchmark's ``main()`` returns its figures (a list of
:class:`bench._report.Figure`), or an exit code for one that has none yet.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
import sys
from pathlib import Path

from bench._report import Figure, json_lines, table


def main(argv: list[str]) -> int:
    as_json = "--json" in argv
    names = [a for a in argv if a != "--json"]
    available = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_")
    )
    names = names or available
    unknown = [n for n in names if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    figures: list[Figure] = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        sys.argv = [f"bench.{name}"]  # each benchmark parses its own (empty) arguments
        if as_json:  # the benchmark's own detail goes to stderr, the JSON alone to stdout
            with contextlib.redirect_stdout(sys.stderr):
                result = module.main()
        else:
            print(f"\n=== bench.{name} ===", flush=True)
            result = module.main()
        if isinstance(result, int) and result != 0:
            return result
        if isinstance(result, list):
            figures.extend(result)
    if as_json:
        print(json_lines(figures))
    elif figures:
        print("\n=== figures ===")
        print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
