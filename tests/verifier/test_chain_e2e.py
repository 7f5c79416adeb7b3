"""Issue 9, end to end over HTTP: issuer -> wallet -> verifier -> the address is
verified on the in-process chain (real T-REX) and can receive the token;
revoke at the issuer -> after the monitor runs, the address is removed and a
transfer to it fails; a new credential re-whitelists it; an expired
credential is removed too. The worker and the monitor are ticked by hand."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from flask.testing import FlaskClient

from chain.errors import TransactionReverted
from chain.platform import PlatformChain
from tests.support import RunningIssuer
from tests.verifier.conftest import RULES, VCT, RunningVerifier, StartVerifier
from tests.verifier.sql import sql_of
from tests.verifier.test_with_our_wallet import IMPORTED_KEY, present
from tests.wallet.test_receive_e2e import create_wallet, make_wallet, receive

ADDRESS = "0xAe72A48c1a36bd18Af168541c53037965d26e4A8"  # of IMPORTED_KEY
CHAIN_CONFIG: dict[str, Any] = {
    "CHAIN": "dev",
    "DEV_TOKENS": [
        {"name": "Solar Plant 7 Revenue Token", "symbol": "SP7", "allowed_countries": ["DE", "FR"]}
    ],
    "POLICIES": {
        "policies": {
            "sp7": {
                "vct": VCT,
                "rules": RULES,
                "claims": [["address", "country"]],
                "address_proof": True,
                "token": "SP7",
            }
        }
    },
}


@pytest.fixture
def platform_verifier(start_verifier: StartVerifier) -> RunningVerifier:
    return start_verifier(**CHAIN_CONFIG)


def _chain(verifier: RunningVerifier) -> PlatformChain:
    platform: PlatformChain = verifier.app.extensions["chain"]
    return platform


def _wallet(
    tmp_path: Path, issuer: RunningIssuer, verifier: RunningVerifier
) -> tuple[FlaskClient, str]:
    roots = tmp_path / "roots.pem"
    roots.write_bytes(verifier.ca.public_bytes(Encoding.PEM))
    client = make_wallet(
        tmp_path / "wallet", issuer.clock, TRUSTED_X509_ROOTS=str(roots)
    ).test_client()
    token = create_wallet(client)
    client.post(
        "/accounts", data={"action": "import", "private_key": IMPORTED_KEY, "csrf_token": token}
    )
    return client, token


def _receive(client: FlaskClient, token: str, issuer: RunningIssuer, **changes: Any) -> None:
    offer = issuer.create_offer(**changes)
    assert receive(client, token, offer["link"], offer["tx_code"]).status_code == 302


def _verify(verifier: RunningVerifier, client: FlaskClient, token: str) -> dict[str, Any]:
    created = verifier.create("sp7")
    present(client, token, created["link"])
    verifier.worker.tick_chain()
    return verifier.result(created["id"])


def test_whitelist_receive_revoke_remove_rewhitelist(
    tmp_path: Path, issuer: RunningIssuer, platform_verifier: RunningVerifier
) -> None:
    verifier = platform_verifier
    platform = _chain(verifier)
    sp7 = platform.token("SP7")
    platform.mint_to_treasury(sp7, 1_000)
    with pytest.raises(TransactionReverted):
        platform.transfer_from_treasury(sp7, ADDRESS, 10)  # not whitelisted: refused

    client, token = _wallet(tmp_path, issuer, verifier)
    _receive(client, token, issuer)
    result = _verify(verifier, client, token)
    assert result["status"] == "verified" and result["address"] == ADDRESS
    whitelisting = result["whitelisting"]
    assert whitelisting["state"] == "done" and whitelisting["desired"] == "registered"
    assert [t["kind"] for t in whitelisting["transactions"]] == [
        "create_identity",
        "add_claim",
        "register",
    ]
    assert all(
        t["state"] == "mined" and t["hash"].startswith("0x") for t in whitelisting["transactions"]
    )
    assert platform.is_verified(ADDRESS, sp7)
    assert platform.dev.client.investor_country(sp7.identity_registry, ADDRESS) == 276  # DE
    platform.transfer_from_treasury(sp7, ADDRESS, 10)  # now accepted
    assert platform.holders(sp7, [ADDRESS])[0].balance == 10

    # the KYC provider revokes; the monitor (forced refresh) removes the address
    credential = issuer.api("GET", "/api/v1/credentials").json()["credentials"]
    for entry in credential:
        issuer.api("POST", f"/api/v1/credentials/{entry['id']}/revoke")
    report = verifier.api("POST", "/api/v1/monitor").json()
    assert report["removed"] == [ADDRESS] and report["failed"] == []
    verifier.worker.tick_chain()
    assert not platform.is_verified(ADDRESS, sp7)
    with pytest.raises(TransactionReverted):
        platform.transfer_from_treasury(sp7, ADDRESS, 10)
    store = sql_of(verifier.app)
    (line,) = store.all("SELECT * FROM audit_log WHERE action = 'intent.removed'")
    assert json.loads(line["detail"])["reason"] == "CredentialRevoked"
    assert line["subject"] == ADDRESS

    # a new credential, presented again, re-whitelists the address
    _receive(client, token, issuer)
    again = _verify(verifier, client, token)
    assert again["status"] == "verified" and again["whitelisting"]["desired"] == "registered"
    assert platform.is_verified(ADDRESS, sp7)
    platform.transfer_from_treasury(sp7, ADDRESS, 5)


def test_the_claim_on_chain_reveals_no_claim_by_dictionary(
    platform_verifier: RunningVerifier, issuer: RunningIssuer, tmp_path: Path
) -> None:
    """The ONCHAINID claim's data is public. It was SHA-256 of SHA-256 of the claims
    the policy read, which take few values (a level, a country, true/false): anyone
    could try them all and read an investor's claims back from the chain. It is now
    bound to the verification (its random id, which only the platform holds), so it
    still names the platform's record and reveals nothing."""
    verifier = platform_verifier
    client, token = _wallet(tmp_path, issuer, verifier)
    _receive(client, token, issuer)
    result = _verify(verifier, client, token)
    assert result["status"] == "verified"
    chain = _chain(verifier).dev.client
    identity = chain.identity_of(ADDRESS)
    assert identity is not None
    data = chain.claim_data(identity)
    claims = json.dumps(result["claims"], sort_keys=True)
    guessed = hashlib.sha256(hashlib.sha256(claims.encode()).hexdigest().encode()).digest()
    assert data != guessed  # the dictionary attack of the old derivation
    record = hashlib.sha256(claims.encode()).hexdigest()
    bound = hashlib.sha256(f"{result['id']}:{record}".encode()).digest()
    assert data == bound  # what the platform recomputes from its record


def test_expired_credential_is_removed_by_the_monitor(
    tmp_path: Path, issuer: RunningIssuer, platform_verifier: RunningVerifier
) -> None:
    verifier = platform_verifier
    client, token = _wallet(tmp_path, issuer, verifier)
    _receive(client, token, issuer)
    assert _verify(verifier, client, token)["status"] == "verified"
    sp7 = _chain(verifier).token("SP7")
    assert _chain(verifier).is_verified(ADDRESS, sp7)
    issuer.clock.now += 366 * 86400  # past the credential's exp (365 days)
    report = verifier.worker.tick_monitor()
    assert report.removed == [ADDRESS]
    verifier.worker.tick_chain()
    assert not _chain(verifier).is_verified(ADDRESS, sp7)
    reasons = [
        json.loads(r["detail"])["reason"]
        for r in sql_of(verifier.app).all(
            "SELECT detail FROM audit_log WHERE action = 'intent.removed'"
        )
    ]
    assert reasons == ["CredentialExpired"]


def test_a_disallowed_country_is_refused_by_the_token(
    tmp_path: Path, issuer: RunningIssuer, platform_verifier: RunningVerifier
) -> None:
    """The token allows DE and FR only: a US resident passes KYC, the policy
    (no block list for US) accepts, and the token's compliance refuses the
    transfer; the registry holds the investor's real country."""
    verifier = platform_verifier
    client, token = _wallet(tmp_path, issuer, verifier)
    _receive(client, token, issuer, country="US")
    result = _verify(verifier, client, token)
    assert result["status"] == "verified"
    platform = _chain(verifier)
    sp7 = platform.token("SP7")
    assert platform.dev.client.investor_country(sp7.identity_registry, ADDRESS) == 840
    platform.mint_to_treasury(sp7, 100)
    with pytest.raises(TransactionReverted):
        platform.transfer_from_treasury(sp7, ADDRESS, 10)


def test_a_token_with_country_rules_needs_the_country_in_its_policy(
    start_verifier: StartVerifier,
) -> None:
    config = json.loads(json.dumps(CHAIN_CONFIG))
    policy = config["POLICIES"]["policies"]["sp7"]
    del policy["claims"]
    policy["rules"] = [r for r in RULES if "address.country" not in r]
    with pytest.raises(Exception, match="must ask for address.country"):
        start_verifier(**config)


def test_restart_redeploys_and_replays_the_whitelist(
    tmp_path: Path, issuer: RunningIssuer, platform_verifier: RunningVerifier
) -> None:
    from verifier.app import create_app
    from verifier.dev_chain import start_dev_chain

    verifier = platform_verifier
    client, token = _wallet(tmp_path, issuer, verifier)
    _receive(client, token, issuer)
    assert _verify(verifier, client, token)["status"] == "verified"
    config = dict(verifier.app.config)
    restarted = create_app(config, clock=issuer.clock, chain=start_dev_chain(config))
    platform: PlatformChain = restarted.extensions["chain"]
    assert platform.redeployed
    assert platform.is_verified(ADDRESS, platform.token("SP7"))
