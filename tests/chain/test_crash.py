"""Kill the worker process (SIGKILL) mid-way and restart it: no transaction twice.

The chain must outlive the worker, so these tests use the Hardhat node: the
in-process chain dies with its process (its restart is covered by
``test_reconcile.py``: redeploy, then replay). The worker runs as a
subprocess that stops at a named point (after the transaction is signed and
stored but before it is broadcast, or after it is broadcast but before the
receipt is recorded) and is killed there by this test with SIGKILL.
"""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from chain.deploy import contract
from chain.devchain import DevChain
from chain.outbox import DONE, MINED, SIGNED
from tests.outbox import outbox_at
from tests.timing import scaled

WORKER = Path(__file__).with_name("worker_process.py")
GERMANY = 276


def worker_command(dev: DevChain, tmp_path: Path, crash_at: str = "") -> list[str]:
    deployment = tmp_path / "deployment.json"
    dev.deployment.save(deployment)
    key, claim_key = tmp_path / "agent.key", tmp_path / "claim.key"
    for path, account in ((key, dev.owner), (claim_key, dev.claim_signer)):
        path.write_text(account.key.hex())
        path.chmod(0o600)  # a key file others can read is refused
    rpc_url = dev.w3.provider.endpoint_uri  # type: ignore[attr-defined]
    command = [sys.executable, str(WORKER), "--rpc-url", str(rpc_url)]
    command += ["--deployment", str(deployment), "--outbox", str(tmp_path / "outbox.sqlite")]
    command += ["--key-file", str(key), "--claim-key-file", str(claim_key)]
    return command + (["--crash-at", crash_at] if crash_at else [])


@pytest.mark.parametrize(
    "crash_at",
    [
        "create_identity:signed",  # intent committed, first transaction stored, not sent
        "add_claim:sent",  # sent, receipt not recorded
        "register:signed",
        "register:sent",
    ],
)
@pytest.mark.slow
def test_worker_killed_then_restarted_sends_each_transaction_once(
    hardhat_env: DevChain, tmp_path: Path, crash_at: str
) -> None:
    dev = hardhat_env
    chain = dev.deployment.caip2
    registry = dev.deployment.token("SOLAR").identity_registry
    wallet = dev.investor().address
    outbox = outbox_at(tmp_path / "outbox.sqlite")
    outbox.whitelist(chain, registry, wallet, GERMANY, hashlib.sha256(b"record").digest())
    nonce_before = dev.agent.next_nonce()

    command = worker_command(dev, tmp_path, crash_at)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        line = process.stdout.readline()
        assert line.startswith(f"CRASHPOINT {crash_at}"), line
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=scaled(30)) == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()

    kind, event = crash_at.split(":")
    (stored,) = outbox.transactions(chain, state=SIGNED)
    assert stored.kind == kind and stored.signed.tx_hash == line.split()[2]
    assert dev.agent.is_known(stored.signed.tx_hash) == (event == "sent")
    assert outbox.intent(chain, registry, wallet).state != DONE

    finished = subprocess.run(
        worker_command(dev, tmp_path),
        capture_output=True,
        text=True,
        timeout=scaled(120),
        check=True,
    )
    assert json.loads(finished.stdout.splitlines()[-1])["done"]

    assert dev.client.is_verified(registry, wallet)
    assert dev.agent.next_nonce() == nonce_before + 3  # three transactions, none twice
    sent = outbox.transactions(chain)
    assert [t.kind for t in sent] == ["create_identity", "add_claim", "register"]
    assert {t.state for t in sent} == {MINED}
    ir = contract(dev.w3, "IdentityRegistry", registry)
    events = ir.events.IdentityRegistered().get_logs(
        from_block=dev.deployment.start_block, argument_filters={"investorAddress": wallet}
    )
    assert len(events) == 1
    assert outbox.intent(chain, registry, wallet).state == DONE
