"""One ``vp_token`` submitted 100 times at once: exactly one verdict, the other 99
refused as replays (ARCHITECTURE.md "Storage and state": the transaction is
consumed atomically), never by the rate limit, which this test raises."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.verifier.conftest import BOTH_ENGINES, StartVerifier
from tests.verifier.foreign_wallet import ForeignWallet
from tests.verifier.sql import sql_of

pytestmark = BOTH_ENGINES  # storage and protocol: SQLite and PostgreSQL

COPIES = 100


@pytest.mark.parametrize("policy", ["kyc", "solar7"])
def test_one_vp_token_100_times_concurrently_gives_one_success(
    start_verifier: StartVerifier, wallet: ForeignWallet, policy: str
) -> None:
    verifier = start_verifier(RATE_LIMIT_RESPONSE="10000 per minute")
    wallet.x509_roots = [verifier.ca]
    created = verifier.create(policy)
    request = wallet.fetch_request(created["link"]).request
    form = wallet.form(request, wallet.response(request))
    with ThreadPoolExecutor(max_workers=COPIES) as pool:
        responses = list(pool.map(lambda _: wallet.post(request, form), range(COPIES)))
    statuses = sorted(r.status for r in responses)
    assert statuses.count(200) == 1, statuses
    refused = [r.json() for r in responses if r.status != 200]
    assert {r.status for r in responses if r.status != 200} == {400}
    assert all(
        "already answered" in body["error_description"]
        or "already accepted" in body["error_description"]
        for body in refused
    ), refused
    assert verifier.result(created["id"])["status"] == "verified"
    store = sql_of(verifier.app)
    assert len(store.all("SELECT * FROM seen_presentations")) == 1
    audit = store.all("SELECT * FROM audit_log WHERE action LIKE 'verification.%ed'")
    assert [row["action"] for row in audit] == ["verification.created", "verification.verified"]
    if policy == "solar7":  # one intent, and one outbox entry, committed with the verdict
        assert len(store.all("SELECT * FROM intents")) == 1
        assert len(store.all("SELECT * FROM outbox_intents")) == 1
