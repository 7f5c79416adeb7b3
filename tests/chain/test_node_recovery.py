"""Issue 13, the EVM node down and back: the verifier's verdict does not wait for
the chain (its intent is queued in the outbox, with the reason it waits), and
once the node answers again at the same URL the worker registers the address
exactly once, even when the node went away in the middle of a run.

The node is the session's Hardhat node behind a JSON-RPC relay on its own
port of 127.0.0.1; the node goes down by stopping the relay's HTTP server and
comes back as a new one on the same port (:class:`tests.servers.Restartable`),
with the chain's state intact, as a node restarting with its database does."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account

from chain.backend import connect
from chain.devchain import DevChain
from chain.erc3643 import ERC3643Client
from chain.errors import ChainUnavailable
from chain.outbox import DONE, MINED, QUEUED, SIGNED
from chain.transactions import Sender
from chain.worker import Worker
from kyc_wallet.cli import main
from ssi.jose import Key
from tests.chain.test_whitelisting import record_hash, registrations
from tests.outbox import outbox_at
from tests.servers import Restartable
from tests.support import RunningIssuer
from tests.verifier.conftest import (
    RULES,
    VCT,
    StartVerifier,
    fetcher,  # noqa: F401 (fixtures of tests/verifier, for this folder)
    issuer,  # noqa: F401
    start_verifier,  # noqa: F401
    verifier_database,  # noqa: F401
)
from tests.verifier.foreign_wallet import INVESTOR, ForeignWallet, issue_credential
from tests.verifier.test_refusals_oid4vp import submit

GERMANY = 276


def relay(node_url: str) -> Callable[..., Iterable[bytes]]:
    """A WSGI app passing each JSON-RPC request on to ``node_url``; it closes every
    connection, so that a client holds none open to a relay that was stopped."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        request = urllib.request.Request(
            node_url, body, {"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, data = answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            status, data = refused.code, refused.read()
        headers = [("Content-Type", "application/json"), ("Connection", "close")]
        start_response(f"{status} Relayed", [*headers, ("Content-Length", str(len(data)))])
        return [data]

    return app


@pytest.fixture
def node(hardhat_env: DevChain) -> Iterator[Restartable]:
    """The Hardhat node's relay, down until the test starts it."""
    node = Restartable(relay(str(hardhat_env.w3.provider.endpoint_uri)))  # type: ignore[attr-defined]
    yield node
    node.stop()


def _work_command(env: DevChain, folder: Path, rpc_url: str, outbox: Path) -> list[str]:
    """``kyc-wallet chain work`` as the platform's cron runs it, with this deployment's keys."""
    deployment, agent, claim = (
        folder / "deployment.json",
        folder / "agent.key",
        folder / "claim.key",
    )
    env.deployment.save(deployment)
    for path, account in ((agent, env.owner), (claim, env.claim_signer)):
        path.write_text(account.key.hex())
        path.chmod(0o600)  # a key file others can read is refused
    return [
        "chain",
        "work",
        "--rpc-url",
        rpc_url,
        "--deployment",
        str(deployment),
        "--outbox",
        str(outbox),
        "--key-file",
        str(agent),
        "--claim-key-file",
        str(claim),
    ]


def test_node_down_the_verdict_stands_and_the_worker_registers_once_it_is_back(
    hardhat_env: DevChain,
    node: Restartable,
    start_verifier: StartVerifier,  # noqa: F811
    issuer: RunningIssuer,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env, solar = hardhat_env, hardhat_env.deployment.token("SOLAR")
    target = {
        "chain_id": env.deployment.caip2,
        "identity_registry": solar.identity_registry,
        "token": solar.token,
        "name": solar.name,
    }
    verifier = start_verifier(
        CHAIN="outbox",
        POLICIES={
            "policies": {
                "solar": {"vct": VCT, "rules": RULES, "address_proof": True, "token": target}
            }
        },
    )
    holder = Key.generate("ES256")
    credential = issue_credential(issuer, holder)
    wallet = ForeignWallet(verifier.fetch, issuer.clock, credential, holder, [verifier.ca])
    # the outbox is in the verifier's database (issue 21 item 4)
    outbox_path = Path(verifier.app.config["DATA_DIR"]) / "verifier.sqlite"
    work = _work_command(env, tmp_path, node.url, outbox_path)

    created = verifier.create("solar")  # the node is down: the verdict does not wait for it
    assert submit(wallet, created["link"]).status == 200
    assert verifier.result(created["id"])["whitelisting"]["state"] == QUEUED
    capsys.readouterr()
    assert main(work) == 1
    assert "the node is unreachable" in capsys.readouterr().err
    result = verifier.result(created["id"])
    assert result["status"] == "verified"
    whitelisting = result["whitelisting"]
    assert (whitelisting["address"], whitelisting["state"]) == (INVESTOR.address, QUEUED)
    assert "the node is unreachable" in whitelisting["last_error"]
    assert whitelisting["transactions"] == []

    node.start()  # the same URL answers again
    assert main(work) == 0
    assert "worker: 1 done, 0 failed, 3 transactions" in capsys.readouterr().out
    assert main(work) == 0  # the next cron run has nothing left to send
    assert "worker: 0 done, 0 failed, 0 transactions" in capsys.readouterr().out
    whitelisting = verifier.result(created["id"])["whitelisting"]
    assert (whitelisting["state"], whitelisting["last_error"]) == (DONE, None)
    kinds = [(t["kind"], t["state"]) for t in whitelisting["transactions"]]
    assert kinds == [("create_identity", MINED), ("add_claim", MINED), ("register", MINED)]
    assert registrations(env, solar.identity_registry, INVESTOR.address) == 1
    assert env.client.is_verified(solar.identity_registry, INVESTOR.address)


@pytest.mark.parametrize("lost_after", ["signed", "sent"])
def test_node_lost_in_the_middle_of_a_run_registers_once_when_back(
    hardhat_env: DevChain, node: Restartable, tmp_path: Path, lost_after: str
) -> None:
    """The node goes away with the registration signed and stored but not sent
    (``signed``), or sent but its receipt unread (``sent``): the next run settles
    that stored transaction (the same bytes again, or its receipt) instead of
    signing a second registration."""
    env, registry = hardhat_env, hardhat_env.deployment.token("SOLAR").identity_registry
    investor = Account.create().address
    outbox = outbox_at(tmp_path / "outbox.sqlite")
    outbox.whitelist(env.deployment.caip2, registry, investor, GERMANY, record_hash(investor))

    lost: list[str] = []

    def lose_the_node(event: str, kind: str, tx_hash: str) -> None:
        if (event, kind) == (lost_after, "register") and not lost:
            lost.append(tx_hash)
            node.stop()

    w3 = connect(node.url, timeout=5)
    client = ERC3643Client(w3, env.deployment, env.claim_signer)
    worker = Worker(outbox, client, Sender(w3, env.owner), hook=lose_the_node)
    node.start()
    with pytest.raises(ChainUnavailable, match="the node is unreachable"):
        worker.run_once()
    intent = outbox.intent(env.deployment.caip2, registry, investor)
    assert intent.state == QUEUED and intent.attempts == 0
    assert intent.last_error is not None and "will retry" in intent.last_error
    (stored,) = [t for t in outbox.transactions_of(intent) if t.kind == "register"]
    assert (stored.signed.tx_hash, stored.state) == (lost[0], SIGNED)

    node.start()
    report = worker.run_once()
    assert report.done == [intent.id] and report.failed == []
    assert outbox.intent(env.deployment.caip2, registry, investor).state == DONE
    kinds = [(t.kind, t.state) for t in outbox.transactions_of(intent)]
    assert kinds == [("create_identity", MINED), ("add_claim", MINED), ("register", MINED)]
    assert registrations(env, registry, investor) == 1
    assert env.client.is_verified(registry, investor)
