"""Races on single-use values (SECURITY.md "OpenID4VCI 1.0"; issue 13
"Concurrency"): 100 concurrent uses of one pre-authorized code, one
``c_nonce`` and one access token against the real server. Exactly one wins;
every other one gets the spec's replay error (OpenID4VCI 1.0 §6.3
``invalid_grant``, §8.3.1.2 ``invalid_nonce``, RFC 6750 §3.1
``invalid_token``), never a 500 and never a rate-limit refusal (the limits
are raised in ``conftest.py``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from ssi.jose import Key
from tests.hardening.client import Answer, IssuerClient
from tests.support import RunningIssuer, issuer_rows

RACERS = 100


def _race(attempts: list[Callable[[], Answer]]) -> list[Answer]:
    """Run every attempt at once: all threads start together at a barrier."""
    barrier = threading.Barrier(len(attempts))

    def run(attempt: Callable[[], Answer]) -> Answer:
        barrier.wait(timeout=60)
        return attempt()

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(run, attempts))


def _outcomes(answers: list[Answer]) -> Counter[tuple[int, str | None]]:
    return Counter((a.status, a.error) for a in answers)


def test_one_pre_authorized_code_used_by_100_at_once_yields_one_token(
    client: IssuerClient,
) -> None:
    offer = client.create_offer()
    answers = _race([partial(client.token, offer.code, offer.tx_code)] * RACERS)
    assert _outcomes(answers) == {(200, None): 1, (400, "invalid_grant"): RACERS - 1}
    (winner,) = [a for a in answers if a.status == 200]
    assert winner.json()["token_type"] == "Bearer"


def test_one_c_nonce_in_100_concurrent_credential_requests_issues_once(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    tokens = [client.access_token(client.create_offer()) for _ in range(RACERS)]
    c_nonce = client.nonce()
    now = int(issuer.clock.now)
    bodies = [client.credential_body([Key.generate("ES256")], c_nonce, now) for _ in tokens]
    answers = _race([partial(client.credential, t, b) for t, b in zip(tokens, bodies, strict=True)])
    assert _outcomes(answers) == {(200, None): 1, (400, "invalid_nonce"): RACERS - 1}
    issued = issuer_rows(issuer.app, "SELECT COUNT(*) AS n FROM credentials")[0]
    assert issued is not None and issued["n"] == 1


def test_one_access_token_in_100_concurrent_credential_requests_issues_once(
    issuer: RunningIssuer, client: IssuerClient
) -> None:
    token = client.access_token(client.create_offer())
    now = int(issuer.clock.now)
    bodies = [
        client.credential_body([Key.generate("ES256"), Key.generate("ES256")], client.nonce(), now)
        for _ in range(RACERS)
    ]
    answers = _race([partial(client.credential, token, b) for b in bodies])
    assert _outcomes(answers) == {(200, None): 1, (401, "invalid_token"): RACERS - 1}
    issued = issuer_rows(issuer.app, "SELECT COUNT(*) AS n FROM credentials")[0]
    assert issued is not None and issued["n"] == 2
