"""``kyc-wallet chain install-artifacts``: fetch the T-REX and ONCHAINID
contract artifacts with npm into the Python environment (issue 21 item 10).

The artifacts are GPL-3.0 and the project is Apache-2.0, so the wheel does not
carry them: it carries the pinned ``package.json`` and ``package-lock.json``
(``chain/contracts/``, the versions and integrity hashes of the repository's
own lock file) and this command runs ``npm ci`` with them in
:func:`chain.artifacts.installed_contracts_dir` (``<sys.prefix>/share/kyc-wallet/contracts``),
where :func:`chain.artifacts.node_modules` finds them. A checkout keeps using
its own ``node_modules`` (``make install`` runs ``npm ci``)."""

from __future__ import annotations

import shutil
import subprocess
from importlib import resources
from pathlib import Path

from chain.artifacts import ARTIFACT_PATHS, installed_contracts_dir
from chain.errors import ArtifactsMissing

__all__ = ["LOCK_FILES", "install_artifacts"]

LOCK_FILES = ("package.json", "package-lock.json")


def install_artifacts(target: Path | None = None, *, offline_first: bool = True) -> Path:
    """Run ``npm ci`` of the pinned packages in ``target`` (default
    :func:`installed_contracts_dir`); return its ``node_modules``. Raises
    :class:`ArtifactsMissing` when npm is absent, fails, or leaves an
    artifact missing."""
    folder = target or installed_contracts_dir()
    npm = shutil.which("npm")
    if npm is None:
        raise ArtifactsMissing("npm is not installed: install Node.js (with npm) and run again")
    folder.mkdir(parents=True, exist_ok=True)
    pinned = resources.files("chain") / "contracts"
    for name in LOCK_FILES:
        (folder / name).write_bytes((pinned / name).read_bytes())
    command = [npm, "ci", "--omit=dev", "--no-audit", "--no-fund", "--loglevel=error"]
    if offline_first:
        command.append("--prefer-offline")  # npm's cache first, the registry for the rest
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ArtifactsMissing(f"npm ci failed in {folder}: {detail[0]}")
    modules = folder / "node_modules"
    missing = [name for name, path in ARTIFACT_PATHS.items() if not (modules / path).is_file()]
    if missing:
        raise ArtifactsMissing(f"npm ci left these artifacts missing: {', '.join(missing)}")
    return modules
