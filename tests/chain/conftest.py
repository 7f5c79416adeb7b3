"""Fixtures of the chain tests: the in-process chain and a Hardhat node, each deployed once.

The Hardhat node (``hardhat@2`` from ``node_modules``, installed by ``npm ci``) is
started on 127.0.0.1 on a free port by the first test that needs it and stopped
at the end of the session.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from web3 import Web3

from chain.artifacts import node_modules
from chain.backend import connect
from chain.devchain import DevChain, TokenSpec, start_dev_chain
from chain.outbox import Outbox
from tests.outbox import outbox_at
from tests.servers import free_port

HERE = Path(__file__).parent
HARDHAT_CONFIG = HERE / "hardhat" / "hardhat.config.js"


SPECS = [
    TokenSpec("Solar Plant", "SOLAR", allowed_countries=[276, 250]),  # Germany, France only
    TokenSpec("Charging Stations", "CHARGE"),
]


@pytest.fixture(scope="session")
def hardhat_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Hardhat node on 127.0.0.1, started from node_modules for this session."""
    binary = node_modules() / ".bin" / "hardhat"
    if not binary.exists():
        pytest.fail("hardhat is not installed: run `npm ci` in the repository root")
    port = free_port()
    log = tmp_path_factory.mktemp("hardhat") / "node.log"
    env = {**os.environ, "HARDHAT_DISABLE_TELEMETRY_PROMPT": "true"}
    cmd = [str(binary), "--config", str(HARDHAT_CONFIG), "node", "--hostname", "127.0.0.1"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*cmd, "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if Web3(Web3.HTTPProvider(url)).eth.chain_id == 31337:
                    break
            except Exception:  # noqa: BLE001 - not up yet
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the Hardhat node did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def inproc_env() -> DevChain:
    return start_dev_chain(SPECS)


@pytest.fixture(scope="module")
def hardhat_env(hardhat_url: str) -> DevChain:
    return start_dev_chain(SPECS, w3=connect(hardhat_url))


@pytest.fixture(scope="module", params=["in-process", "hardhat"])
def env(request: pytest.FixtureRequest) -> DevChain:
    """The same client tests on both backends."""
    fixture = "inproc_env" if request.param == "in-process" else "hardhat_env"
    result: DevChain = request.getfixturevalue(fixture)
    return result


@pytest.fixture
def outbox(tmp_path: Path) -> Outbox:
    return outbox_at(tmp_path / "outbox.sqlite")
