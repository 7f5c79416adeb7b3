"""``python -m bench``: run every benchmark in this folder, one after the other.

``python -m bench NAME …`` runs only those (e.g. ``sdjwt_verify``). Each
benchmark prints ratios against its named baseline measured in the same run.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    available = sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_")
    )
    names = argv or available
    unknown = [n for n in names if n not in available]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available)}")
        return 2
    for name in names:
        print(f"\n=== bench.{name} ===", flush=True)
        module = importlib.import_module(f"bench.{name}")
        sys.argv = [f"bench.{name}"]  # each benchmark parses its own (empty) arguments
        result = module.main()
        if isinstance(result, int) and result != 0:
            return result
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
