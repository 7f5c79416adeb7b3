"""Issue 22: each OpenID4VCI request of the pre-authorized flow is one write
transaction, committed once (the Token Request, the Nonce Request, the
Credential Request with a batch of three proofs), on SQLite and on
PostgreSQL; a refused request commits nothing and changes nothing.

The commits are counted by an SQLAlchemy listener on the issuer's engine
(every ``COMMIT`` the app sends, read transactions included) while one
request is served by the real HTTP server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from ssi.fetch import Fetcher
from ssi.jose import Key
from tests.hardening.client import Answer, IssuerClient, Offer
from tests.support import RunningIssuer, issuer_rows, start_issuer

BATCH = 3


@pytest.fixture
def issuer(tmp_path: Path, fetcher: Fetcher, database_url: str) -> Iterator[RunningIssuer]:
    yield from start_issuer(tmp_path / "issuer", fetcher, DATABASE_URL=database_url)


@pytest.fixture
def client(issuer: RunningIssuer) -> IssuerClient:
    return IssuerClient(issuer.url)


@contextmanager
def _commits(issuer: RunningIssuer) -> Iterator[list[str]]:
    """The commits (and rollbacks) sent on the issuer's engine during the block."""
    engine = issuer.app.extensions["issuer"].db.engine
    seen: list[str] = []

    def on_commit(_conn: Any) -> None:
        seen.append("commit")

    def on_rollback(_conn: Any) -> None:
        seen.append("rollback")

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    try:
        yield seen
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "rollback", on_rollback)


def _offer(issuer: RunningIssuer) -> Offer:
    body = issuer.create_offer()
    grant = body["credential_offer"]["grants"]
    code = next(iter(grant.values()))["pre-authorized_code"]
    return Offer(code, body["tx_code"], body["applicant_id"], body["issuance_id"])


def _counted(issuer: RunningIssuer, call: Callable[[], Answer]) -> tuple[Answer, int]:
    with _commits(issuer) as seen:
        answer = call()
    return answer, seen.count("commit")


def _state(issuer: RunningIssuer) -> list[tuple[str, Any]]:
    """Everything a Credential Request writes: its tables, row by row."""
    tables = ("credentials", "access_token_uses", "access_tokens", "nonces", "audit_log")
    return [
        (table, sorted(map(repr, (tuple(r.values()) for r in issuer_rows(issuer.app, q)))))
        for table in tables
        for q in [f"SELECT * FROM {table}"]
    ]


def test_one_commit_per_token_request(issuer: RunningIssuer, client: IssuerClient) -> None:
    offer = _offer(issuer)
    answer, commits = _counted(issuer, lambda: client.token(offer.code, offer.tx_code))
    assert answer.status == 200, answer.body
    assert commits == 1


def test_one_commit_per_wrong_pin(issuer: RunningIssuer, client: IssuerClient) -> None:
    """A wrong PIN is counted (and audited) in one commit, before the error."""
    offer = _offer(issuer)
    wrong = "".join("2" if c == "1" else "1" for c in offer.tx_code)
    answer, commits = _counted(issuer, lambda: client.token(offer.code, wrong))
    assert answer.status == 400 and answer.json()["error"] == "invalid_grant"
    assert commits == 1
    (row,) = issuer_rows(issuer.app, "SELECT tx_code_attempts FROM offers")
    assert row["tx_code_attempts"] == 1


def test_one_commit_per_nonce_request(issuer: RunningIssuer, client: IssuerClient) -> None:
    answer, commits = _counted(issuer, lambda: client.request("POST", "/nonce"))
    assert answer.status == 200, answer.body
    assert commits == 1


def test_one_commit_per_credential_request_batch_of_three(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    offer = _offer(issuer)
    token = client.access_token(offer)
    body = client.credential_body(
        [Key.generate("ES256") for _ in range(BATCH)], client.nonce(), int(issuer.clock.now)
    )
    answer, commits = _counted(issuer, lambda: client.credential(token, body))
    assert answer.status == 200, answer.body
    assert len(answer.json()["credentials"]) == BATCH
    assert commits == 1
    rows = issuer_rows(issuer.app, "SELECT status_list_id, status_idx FROM credentials")
    assert len({(r["status_list_id"], r["status_idx"]) for r in rows}) == BATCH


def test_one_commit_per_pre_authorized_flow_request(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    """The whole flow: token, nonce, credential: three requests, three commits."""
    offer = _offer(issuer)
    with _commits(issuer) as seen:
        token = client.access_token(offer)
        body = client.credential_body(
            [Key.generate("ES256") for _ in range(BATCH)], client.nonce(), int(issuer.clock.now)
        )
        answer = client.credential(token, body)
    assert answer.status == 200, answer.body
    assert seen.count("commit") == 3


def test_one_commit_refused_credential_requests_commit_nothing(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    """A replayed c_nonce, a replayed token, a forged proof: each refused with
    no commit, and the database is exactly as before."""
    offer = _offer(issuer)
    token = client.access_token(offer)
    c_nonce = client.nonce()
    now = int(issuer.clock.now)
    issued = client.credential(
        token, client.credential_body([Key.generate("ES256") for _ in range(BATCH)], c_nonce, now)
    )
    assert issued.status == 200, issued.body
    other = client.access_token(_offer(issuer))
    forged = client.credential_body([Key.generate("ES256")], client.nonce(), now)
    header, payload, signature = forged["proofs"]["jwt"][0].split(".")
    forged["proofs"]["jwt"][0] = f"{header}.{payload}.{signature[:-4]}AAAA"
    cases = [
        (other, [c_nonce], "invalid_nonce"),  # the c_nonce was used by the first request
        (token, [client.nonce()], "invalid_token"),  # the token was used
    ]
    for access_token, nonces, error in cases:
        body = client.credential_body([Key.generate("ES256")], nonces[0], now)
        before = _state(issuer)
        answer, commits = _counted(issuer, lambda: client.credential(access_token, body))  # noqa: B023
        assert answer.status in (400, 401) and answer.json()["error"] == error, answer.body
        assert commits == 0
        assert _state(issuer) == before
    answer, commits = _counted(issuer, lambda: client.credential(other, forged))
    assert answer.status == 400 and answer.json()["error"] == "invalid_proof", answer.body
    assert commits == 0
    assert _state(issuer) == before
