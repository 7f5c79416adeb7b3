"""Two platforms on one verifier (issue 19 items 3, 4, 13, 14): their API keys,
a second managed token, base policies, and calls made with a given key."""

from __future__ import annotations

from typing import Any

from eth_account import Account

from ssi.fetch import FetchResponse
from tests.verifier.conftest import POLICIES, RULES, TOKEN_TARGET, VCT, RunningVerifier

KEY_A = "platform-a-api-key-0123456789"
KEY_B = "platform-b-api-key-0123456789"
KEY_C = "platform-c-api-key-0123456789"
WIND_TARGET = {
    "chain_id": "eip155:31337",
    "identity_registry": Account.from_key(bytes.fromhex("aa" * 32)).address,
    "token": Account.from_key(bytes.fromhex("bb" * 32)).address,
    "name": "Wind Farm 3",
}
BASE_POLICIES: dict[str, dict[str, Any]] = {
    "SP7": {"token": TOKEN_TARGET, "vct": VCT, "rules": RULES, "max_credential_age_days": 365},
    "WF3": {"token": WIND_TARGET, "vct": VCT, "rules": RULES},
}
PLATFORM_POLICIES: dict[str, Any] = {
    "policies": {
        **POLICIES["policies"],
        "wind3": {"vct": VCT, "rules": RULES, "address_proof": True, "token": WIND_TARGET},
        # weaker than SP7's base policy: no rule, credentials ten years old
        "weak": {
            "vct": VCT,
            "rules": [],
            "max_credential_age_days": 3650,
            "address_proof": True,
            "token": TOKEN_TARGET,
        },
    },
    "base_policies": BASE_POLICIES,
}
KEYS: list[Any] = [
    {"name": "a", "key": KEY_A, "tokens": ["SP7"], "policies": ["kyc", "solar7", "weak"]},
    {"name": "b", "key": KEY_B, "tokens": ["SP7"], "policies": ["kyc", "solar7"]},
    {"name": "c", "key": KEY_C, "tokens": ["WF3"], "policies": ["kyc", "wind3"]},
]


def call(
    verifier: RunningVerifier, key: str, method: str, path: str, body: Any = None
) -> FetchResponse:
    """One API call with ``key`` (``Authorization: Bearer``)."""
    headers = {"Authorization": f"Bearer {key}"}
    url = verifier.url + path
    if method == "GET":
        return verifier.fetch.get(url, headers=headers, raise_for_status=False)
    return verifier.fetch.post(url, json=body, headers=headers, raise_for_status=False)


def create(verifier: RunningVerifier, key: str, **body: Any) -> dict[str, Any]:
    response = call(verifier, key, "POST", "/api/v1/verifications", body)
    assert response.status == 201, response.text()
    created: dict[str, Any] = response.json()
    return created


def result(verifier: RunningVerifier, key: str, tx_id: str) -> dict[str, Any]:
    response = call(verifier, key, "GET", f"/api/v1/verifications/{tx_id}")
    assert response.status == 200, response.text()
    out: dict[str, Any] = response.json()
    return out
