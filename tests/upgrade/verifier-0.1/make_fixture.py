"""Makes tests/upgrade/verifier-0.1/ with the code of commit 8970c77 (run once, by hand):
two investors verified for SP7 on the in-process chain, the first one's intent
sent (done on chain), the second one's still pending in the outbox (the chain
worker not ticked after it), a third verification pending (never answered), and
the first investor then revoked by the monitor (a removal intent queued)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from eth_account import Account

from ssi.jose import Key
from tests.support import RunningIssuer
from tests.verifier.conftest import StartVerifier
from tests.verifier.foreign_wallet import ForeignWallet, issue_credential
from tests.verifier.test_chain_e2e import CHAIN_CONFIG

OUT = Path(os.environ.get("MAKE_UPGRADE_FIXTURE", "/nonexistent"))


def test_make_upgrade_fixture(start_verifier: StartVerifier, issuer: RunningIssuer) -> None:
    verifier = start_verifier(**CHAIN_CONFIG)
    holder = Key.generate("ES256")
    wallet = ForeignWallet(
        verifier.fetch, issuer.clock, issue_credential(issuer, holder), holder, [verifier.ca]
    )
    first = Account.from_key(bytes.fromhex("11" * 32))
    second = Account.from_key(bytes.fromhex("22" * 32))
    ids = {}
    for name, account in (("done", first), ("pending", second)):
        created = verifier.create("sp7")
        request = wallet.fetch_request(created["link"]).request
        presentation = wallet.present(request, address=account.address)
        response = wallet.response(request, presentation, wallet.proof(request, account))
        answer = wallet.post(request, wallet.form(request, response))
        assert answer.status == 200, answer.text()
        ids[name] = created["id"]
        if name == "done":
            verifier.worker.tick_chain()
    ids["unanswered"] = verifier.create("sp7")["id"]
    chain = verifier.app.extensions["chain"]
    sp7 = chain.token("SP7")
    assert chain.is_verified(first.address, sp7)
    assert not chain.is_verified(second.address, sp7)
    assert chain.intent(second.address, sp7).state == "queued"
    data = Path(verifier.app.config["DATA_DIR"])
    OUT.mkdir(parents=True, exist_ok=True)
    verifier.app.extensions["store"].checkpoint()
    chain.outbox.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(data / "verifier.sqlite", OUT / "verifier.sqlite")
    (OUT / "chain").mkdir(exist_ok=True)
    for name in (
        "outbox.sqlite",
        "deployment.json",
        "owner.key",
        "claim-signer.key",
        "treasury.key",
    ):
        shutil.copy(data / "chain" / name, OUT / "chain" / name)
    (OUT / "ids.json").write_text(
        json.dumps({**ids, "first": first.address, "second": second.address}, indent=1) + "\n"
    )
