"""A throw-away PostgreSQL cluster for the tests: Debian's ``initdb`` and
``postgres`` on a Unix socket in a temporary folder, no TCP port.

``initdb`` and ``postgres`` refuse to run as root, as CI and containers often
do: there they run as the unprivileged ``postgres`` user (created by Debian's
package; else ``nobody``), and the folder is handed to that user. Durability
is off (``fsync=off``): the cluster lives for one test session. Without a
server the tests that need one fail with the reason; they never skip.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

__all__ = ["PostgresCluster"]

ROLE = "kyc"
START_TIMEOUT = 60.0


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise RuntimeError(
        "PostgreSQL is not installed: `make test` installs Debian's postgresql "
        "(scripts/ensure-postgresql.sh), or run `apt-get install postgresql`"
    )


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    for user in ("postgres", "nobody"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return ["runuser", "-u", user, "--"]
    raise RuntimeError("running as root, and no unprivileged user to run postgres as")


class PostgresCluster:
    """One cluster; :meth:`create_database` gives each test its own database."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="kyc-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log = self.root / "postgres.log"
        self._names = itertools.count(1)
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        bindir = _bindir()
        run_as = _run_as()
        self.socket_dir.mkdir()
        self.root.chmod(0o755)
        if run_as:
            user = run_as[2]
            shutil.chown(self.root, user)
            shutil.chown(self.socket_dir, user)
        subprocess.run(
            [*run_as, str(bindir / "initdb"), "-D", str(self.data), "-U", ROLE,
             "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
            check=True, capture_output=True,
        )  # fmt: skip
        log = open(self.log, "ab")  # noqa: SIM115 (owned by the server process)
        self._process = subprocess.Popen(
            [*run_as, str(bindir / "postgres"), "-D", str(self.data),
             "-k", str(self.socket_dir), "-c", "listen_addresses=",
             "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=400"],
            stdout=log, stderr=log,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with self._admin():
                    return
            except psycopg.OperationalError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"PostgreSQL did not start: {self.log.read_text()[-2000:]}"
                    ) from None
                time.sleep(0.1)

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=str(self.socket_dir), user=ROLE, dbname="postgres", autocommit=True
        )

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{ROLE}@/{dbname}?host={self.socket_dir}"

    def create_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        name = f"t{next(self._names)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return self.url(name)

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self.root, ignore_errors=True)
