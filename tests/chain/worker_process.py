"""A whitelist worker as its own process, for the crash tests (not a test module).

``--crash-at KIND:EVENT`` (e.g. ``register:sent``) makes the worker announce
``CRASHPOINT`` on stdout when it reaches that point and then wait, so that the
test can kill it there with SIGKILL. Without it, the worker runs once and
prints its report as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from eth_account import Account

from chain.backend import connect
from chain.deployment import Deployment
from chain.erc3643 import ERC3643Client
from chain.outbox import Outbox
from chain.transactions import Sender
from chain.worker import Worker
from kyc_wallet.database import Database, database_url


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("--rpc-url", "--deployment", "--outbox", "--key-file", "--claim-key-file"):
        parser.add_argument(name, required=True)
    parser.add_argument("--crash-at", default="")
    args = parser.parse_args()
    w3 = connect(args.rpc_url)
    deployment = Deployment.load(Path(args.deployment))
    agent = Account.from_key(Path(args.key_file).read_text().strip())
    claim_signer = Account.from_key(Path(args.claim_key_file).read_text().strip())

    def hook(event: str, kind: str, tx_hash: str) -> None:
        if f"{kind}:{event}" == args.crash_at:
            print(f"CRASHPOINT {kind}:{event} {tx_hash}", flush=True)
            time.sleep(600)  # the test kills us here

    client = ERC3643Client(w3, deployment, claim_signer)
    outbox = Path(args.outbox)  # migrated by the test
    db = Database(database_url(outbox.parent, outbox.name))
    worker = Worker(Outbox(db), client, Sender(w3, agent), hook=hook)
    report = worker.run_once()
    print(json.dumps({"transactions": report.transactions, "done": report.done}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
