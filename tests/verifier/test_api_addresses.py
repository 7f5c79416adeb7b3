"""Issue 19 item 13: ``GET /api/v1/addresses/<address>`` tells a platform on
which of its tokens an address is whitelisted, since when, and once removed,
when and why; the tokens of other keys stay out of the answer."""

from __future__ import annotations

from typing import Any

import pytest

from ssi.jose import Key
from tests.support import RunningIssuer
from tests.verifier.conftest import TOKEN_TARGET, RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import INVESTOR, STRANGER, ForeignWallet, issue_credential
from tests.verifier.platform_keys import KEY_A, KEY_B, KEY_C, KEYS, PLATFORM_POLICIES, call, create
from tests.verifier.test_refusals_oid4vp import submit


@pytest.fixture
def platforms(start_verifier: StartVerifier) -> RunningVerifier:
    return start_verifier(API_KEYS=KEYS, POLICIES=PLATFORM_POLICIES)


def _address(verifier: RunningVerifier, key: str, address: str) -> dict[str, Any]:
    answer = call(verifier, key, "GET", f"/api/v1/addresses/{address}")
    assert answer.status == 200, answer.text()
    out: dict[str, Any] = answer.json()
    return out


def test_an_address_whitelisted_then_removed_on_the_keys_token(
    platforms: RunningVerifier, issuer: RunningIssuer
) -> None:
    verifier = platforms
    assert _address(verifier, KEY_A, INVESTOR.address) == {
        "address": INVESTOR.address,
        "tokens": [],
    }
    holder = Key.generate("ES256")
    wallet = ForeignWallet(
        verifier.fetch, issuer.clock, issue_credential(issuer, holder), holder, [verifier.ca]
    )
    registered_at = int(verifier.clock.now)
    assert submit(wallet, create(verifier, KEY_A, policy="solar7")["link"]).status == 200

    entry = {
        "id": "SP7",
        **TOKEN_TARGET,
        "whitelisted": True,
        "since": registered_at,
        "removed_at": None,
        "removal_reason": None,
        "state": "recorded",
    }
    expected = {"address": INVESTOR.address, "tokens": [entry]}
    assert _address(verifier, KEY_A, INVESTOR.address) == expected
    assert _address(verifier, KEY_B, INVESTOR.address) == expected  # B may use SP7 too
    assert _address(verifier, KEY_C, INVESTOR.address)["tokens"] == []  # C: only WF3
    assert _address(verifier, KEY_A, STRANGER.address)["tokens"] == []

    verifier.clock.now += 100
    for credential in issuer.api("GET", "/api/v1/credentials").json()["credentials"]:
        issuer.api("POST", f"/api/v1/credentials/{credential['id']}/revoke")
    assert call(verifier, KEY_A, "POST", "/api/v1/monitor").json()["removed"] == [INVESTOR.address]
    assert _address(verifier, KEY_A, INVESTOR.address)["tokens"] == [
        {
            **entry,
            "whitelisted": False,
            "since": None,
            "removed_at": registered_at + 100,
            "removal_reason": "CredentialRevoked",
        }
    ]

    # a new credential whitelists the address again: since then, no removal any more
    verifier.clock.now += 100
    holder = Key.generate("ES256")
    wallet = ForeignWallet(
        verifier.fetch, issuer.clock, issue_credential(issuer, holder), holder, [verifier.ca]
    )
    assert submit(wallet, create(verifier, KEY_B, policy="solar7")["link"]).status == 200
    assert _address(verifier, KEY_A, INVESTOR.address)["tokens"] == [
        {**entry, "since": registered_at + 200}
    ]


@pytest.mark.parametrize(
    "address",
    [
        INVESTOR.address.lower(),  # not EIP-55 checksummed
        INVESTOR.address[:-1],
        "0x" + "g" * 40,
        "nothing",
    ],
)
def test_an_address_that_is_not_eip55_is_refused(platforms: RunningVerifier, address: str) -> None:
    answer = call(platforms, KEY_A, "GET", f"/api/v1/addresses/{address}")
    assert answer.status == 400, answer.text()
    assert answer.json()["error"] == "invalid_request"
    assert "EIP-55" in answer.json()["error_description"]
