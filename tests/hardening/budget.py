"""How many examples the hardening tests run: a few dozen per test in the
normal suite, the ``--fuzz`` profile's count (10,000) under ``pytest --fuzz``
(tests/conftest.py loads that profile before the test modules are imported)."""

from __future__ import annotations

from hypothesis import settings

__all__ = ["examples", "FUZZING"]

FUZZING = settings().max_examples >= 10_000


def examples(normal: int) -> int:
    return int(settings().max_examples) if FUZZING else normal
