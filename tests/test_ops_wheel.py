"""Issue 21 item 10: the built wheel carries the templates and static files;
the contract artifacts (GPL-3.0) are not in it but fetched by one command,
``kyc-wallet chain install-artifacts``; with them, the installed package runs
the whole walkthrough.

Installing the wheel's dependencies from the package index into a fresh
environment takes about two minutes here, so the fresh environment gets them
from the test's own environment instead: a ``.pth`` file names its
site-packages (where ``pip install -e`` left only a finder, which a ``.pth``
path does not run), and the wheel is installed with ``--no-deps``. The
project's own packages then come from the wheel alone: every command runs
outside the checkout, and the test asserts where each package was loaded
from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from chain.install_artifacts import LOCK_FILES

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kyc_wallet", "ssi", "chain", "issuer", "wallet", "verifier")


def _run(command: list[str], cwd: Path, timeout: int = 300) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command}: {result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result.stdout


def test_the_pinned_artifact_versions_are_the_repository_lock_files() -> None:
    """``chain/contracts`` (in the wheel) pins what ``npm ci`` installs in a checkout."""
    package = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    pinned = json.loads((ROOT / "chain" / "contracts" / "package.json").read_text())
    pinned_lock = json.loads((ROOT / "chain" / "contracts" / "package-lock.json").read_text())
    assert pinned["dependencies"] == package["dependencies"]
    for name in package["dependencies"]:
        key = f"node_modules/{name}"
        assert pinned_lock["packages"][key] == lock["packages"][key]
    assert set(pinned_lock["packages"]) == {
        "",
        *(f"node_modules/{n}" for n in pinned["dependencies"]),
    }


@pytest.mark.slow
def test_the_installed_wheel_with_its_artifacts_runs_the_walkthrough(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", str(ROOT), "-w", str(tmp_path)],
        cwd=outside,
        timeout=600,
    )
    (wheel,) = tmp_path.glob("kyc_wallet-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (
        "kyc_wallet/web/templates/common/error.html",
        "kyc_wallet/web/templates/wallet/consent.html",
        "kyc_wallet/web/templates/issuer/index.html",
        "kyc_wallet/web/templates/verifier/investors.html",
        "kyc_wallet/web/static/style.css",
        "kyc_wallet/web/templates/common/_language.html",
        *(
            f"kyc_wallet/web/translations/{locale}/LC_MESSAGES/{domain}.po"
            for locale in ("zh_Hans", "zh_Hant")
            for domain in ("common", "wallet", "issuer", "verifier")
        ),
        "wallet/static/continue.js",
        "verifier/static/verification.js",
        *(f"chain/contracts/{name}" for name in LOCK_FILES),
    ):
        assert path in names, path
    assert not [n for n in names if "node_modules" in n or n.endswith("Token.json")]

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=outside)
    python = venv / "bin" / "python"
    site = Path(
        _run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            cwd=outside,
        ).strip()
    )
    (site / "test_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    _run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        cwd=outside,
    )
    where = _run(
        [
            str(python),
            "-c",
            "import importlib\n"
            f"for name in {PACKAGES!r}: print(importlib.import_module(name).__file__)",
        ],
        cwd=outside,
    ).split()
    for package, path in zip(PACKAGES, where, strict=True):
        assert Path(path).is_relative_to(site), (package, path)

    kyc_wallet = venv / "bin" / "kyc-wallet"
    missing = subprocess.run(
        [str(python), "-c", "from chain.artifacts import load; load('Token')"],
        cwd=outside,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode != 0
    assert "run `kyc-wallet chain install-artifacts`" in missing.stderr

    installed = _run([str(kyc_wallet), "chain", "install-artifacts"], cwd=outside, timeout=600)
    assert (
        f"contract artifacts installed in {venv}/share/kyc-wallet/contracts/node_modules"
        in installed
    )
    walkthrough = _run([str(kyc_wallet), "demo", "--walkthrough"], cwd=outside, timeout=600)
    assert "walkthrough complete: every step succeeded" in walkthrough
