"""The SQLite file's own safety: private permissions and one migrator at a time.

Moved here from ``kyc_wallet.web.storage`` so that the apps' cores and the
chain worker can open a database without importing the web layer."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["migration_lock", "private_database_file"]


@contextmanager
def migration_lock(database: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``.<database name>.lock`` beside ``database``
    (created 0600), held for the block; other processes wait for it."""
    path = database.with_name(f".{database.name}.lock")
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def private_database_file(database: Path) -> None:
    """Create ``database`` empty with mode 0600 (SQLite then creates its
    ``-wal`` and ``-shm`` with the same mode); narrow an existing one (and
    its ``-wal``, ``-shm``) to 0600."""
    # Never open an existing file here: closing any descriptor of it drops every
    # POSIX lock this process holds on it, so another connection to it in this
    # process (a second Database on the same file) could lose its WAL.
    try:
        os.close(os.open(database, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except FileNotFoundError:
            pass
