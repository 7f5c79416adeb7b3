"""Whitelisting through chain/ on real T-REX 4.1.6 contracts, on both backends.

Every test runs on the in-process py-evm chain and on a Hardhat node over
JSON-RPC (the ``env`` fixture), against one deployment per module.
"""

from __future__ import annotations

import hashlib

import pytest
from web3 import Web3

from chain.deploy import contract
from chain.deployment import TokenDeployment
from chain.devchain import DevChain
from chain.errors import TransactionReverted
from chain.outbox import DONE, MINED, Outbox
from chain.transactions import Sender
from chain.worker import WorkReport

GERMANY, FRANCE, USA = 276, 250, 840  # ISO 3166-1 numeric


def restricted(env: DevChain) -> TokenDeployment:
    """The token that only German and French investors may hold."""
    return env.deployment.token("SOLAR")


def open_token(env: DevChain) -> TokenDeployment:
    return env.deployment.token("CHARGE")


def record_hash(label: str) -> bytes:
    """A stand-in for the hash of a verification record (no personal data)."""
    return hashlib.sha256(label.encode()).digest()


def registrations(env: DevChain, registry: str, wallet: str) -> int:
    ir = contract(env.w3, "IdentityRegistry", registry)
    logs = ir.events.IdentityRegistered().get_logs(
        from_block=env.deployment.start_block, argument_filters={"investorAddress": wallet}
    )
    return len(logs)


def whitelist(
    env: DevChain,
    outbox: Outbox,
    wallet: str,
    country: int = GERMANY,
    token: TokenDeployment | None = None,
) -> WorkReport:
    """Commit the intent, then run the worker once."""
    registry = (token or restricted(env)).identity_registry
    outbox.whitelist(env.deployment.caip2, registry, wallet, country, record_hash(wallet))
    return env.worker(outbox).run_once()


def test_unregistered_address_cannot_receive_token(env: DevChain) -> None:
    """ERC-3643: `mint` requires `isVerified(to)`; an unknown address is refused."""
    investor = env.investor()
    assert not env.client.is_verified(restricted(env).identity_registry, investor.address)
    with pytest.raises(TransactionReverted, match="Identity is not verified") as info:
        env.client.mint(env.agent, restricted(env).token, investor.address, 10)
    assert info.value.reason == "Identity is not verified."
    assert env.client.balance_of(restricted(env).token, investor.address) == 0


def test_unregistered_address_cannot_receive_a_transfer(env: DevChain, outbox: Outbox) -> None:
    holder = env.investor(funded=True)
    whitelist(env, outbox, holder.address)
    env.client.mint(env.agent, restricted(env).token, holder.address, 100)
    stranger = env.investor()
    with pytest.raises(TransactionReverted, match="Transfer not possible"):
        env.client.transfer(Sender(env.w3, holder), restricted(env).token, stranger.address, 5)
    assert env.client.balance_of(restricted(env).token, stranger.address) == 0


def test_whitelisted_address_can_receive_and_transfer(env: DevChain, outbox: Outbox) -> None:
    alice, bob = env.investor(funded=True), env.investor()
    report = whitelist(env, outbox, alice.address)
    assert report.transactions == 3  # createIdentity, addClaim, registerIdentity
    whitelist(env, outbox, bob.address, FRANCE)
    registry = restricted(env).identity_registry
    assert env.client.is_verified(registry, alice.address)
    assert env.client.investor_country(registry, bob.address) == FRANCE
    assert outbox.intent(env.deployment.caip2, registry, alice.address).state == DONE
    env.client.mint(env.agent, restricted(env).token, alice.address, 100)
    env.client.transfer(Sender(env.w3, alice), restricted(env).token, bob.address, 40)
    assert env.client.balance_of(restricted(env).token, alice.address) == 60
    assert env.client.balance_of(restricted(env).token, bob.address) == 40


def test_identity_is_managed_by_the_platform_agent_not_the_investor(
    env: DevChain, outbox: Outbox
) -> None:
    investor = env.investor()
    whitelist(env, outbox, investor.address)
    identity = env.client.identity_of(investor.address)
    assert identity is not None
    oid = contract(env.w3, "Identity", identity)
    from chain.keys import key_hash

    assert oid.functions.keyHasPurpose(key_hash(env.deployment.agent), 1).call()
    assert not oid.functions.keyHasPurpose(key_hash(investor.address), 1).call()
    assert env.client.has_valid_claim(identity)


def test_removed_address_cannot_receive_token_again(env: DevChain, outbox: Outbox) -> None:
    investor = env.investor()
    whitelist(env, outbox, investor.address)
    env.client.mint(env.agent, restricted(env).token, investor.address, 10)
    registry = restricted(env).identity_registry
    outbox.remove(env.deployment.caip2, registry, investor.address)
    report = env.worker(outbox).run_once()
    assert report.transactions == 1  # deleteIdentity
    assert not env.client.contains(registry, investor.address)
    assert not env.client.is_verified(registry, investor.address)
    with pytest.raises(TransactionReverted, match="Identity is not verified"):
        env.client.mint(env.agent, restricted(env).token, investor.address, 10)


def test_same_intent_processed_twice_sends_one_registration(env: DevChain, outbox: Outbox) -> None:
    investor = env.investor()
    registry = restricted(env).identity_registry
    nonce_before = env.agent.next_nonce()
    first = whitelist(env, outbox, investor.address)
    second = whitelist(env, outbox, investor.address)  # the same intent again, processed again
    third = env.worker(outbox).run_once()
    assert (first.transactions, second.transactions, third.transactions) == (3, 0, 0)
    assert env.agent.next_nonce() == nonce_before + 3
    assert registrations(env, registry, investor.address) == 1
    sent = outbox.transactions(env.deployment.caip2)
    assert [t.kind for t in sent] == ["create_identity", "add_claim", "register"]
    assert {t.state for t in sent} == {MINED}


def test_country_rule_refuses_a_disallowed_country(env: DevChain, outbox: Outbox) -> None:
    """CountryAllowModule (DE, FR): a verified US investor still cannot receive the token."""
    investor = env.investor()
    whitelist(env, outbox, investor.address, USA)
    assert env.client.is_verified(restricted(env).identity_registry, investor.address)
    with pytest.raises(TransactionReverted, match="Compliance not followed"):
        env.client.mint(env.agent, restricted(env).token, investor.address, 10)
    env_open = open_token(env)  # the token without country rules accepts the same investor
    whitelist(env, outbox, investor.address, USA, token=env_open)
    env.client.mint(env.agent, env_open.token, investor.address, 10)
    assert env.client.balance_of(env_open.token, investor.address) == 10


def test_identity_is_reused_across_tokens(env: DevChain, outbox: Outbox) -> None:
    investor = env.investor()
    whitelist(env, outbox, investor.address)
    identity = env.client.identity_of(investor.address)
    report = whitelist(env, outbox, investor.address, token=open_token(env))
    assert report.transactions == 1  # registerIdentity only: identity and claim reused
    assert env.client.identity_of(investor.address) == identity
    assert env.client.is_verified(open_token(env).identity_registry, investor.address)


def test_batch_registration_is_one_transaction(env: DevChain, outbox: Outbox) -> None:
    investors = [env.investor() for _ in range(4)]
    for investor in investors:
        outbox.whitelist(
            env.deployment.caip2,
            open_token(env).identity_registry,
            investor.address,
            GERMANY,
            record_hash(investor.address),
        )
    report = env.worker(outbox).run_once()
    assert report.transactions == 4 + 4 + 1
    kinds = [t.kind for t in outbox.transactions(env.deployment.caip2)]
    assert kinds.count("batch_register") == 1 and "register" not in kinds
    assert all(
        env.client.is_verified(open_token(env).identity_registry, i.address) for i in investors
    )


def test_country_change_updates_the_registry(env: DevChain, outbox: Outbox) -> None:
    investor = env.investor()
    whitelist(env, outbox, investor.address, GERMANY)
    report = whitelist(env, outbox, investor.address, FRANCE)
    assert report.transactions == 1
    assert (
        env.client.investor_country(restricted(env).identity_registry, investor.address) == FRANCE
    )


def test_revert_reason_from_a_key_without_the_agent_role(env: DevChain) -> None:
    intruder = env.investor(funded=True)
    call = env.client.delete_call(restricted(env).identity_registry, env.deployment.agent)
    with pytest.raises(TransactionReverted, match="does not have the Agent role"):
        Sender(env.w3, intruder).transact(call.function, call.gas, call.what)


def test_deployment_is_the_t_rex_suite(env: DevChain) -> None:
    token = contract(env.w3, "Token", restricted(env).token)
    assert token.functions.name().call() == "Solar Plant"
    assert not token.functions.paused().call()
    assert Web3.to_checksum_address(
        token.functions.identityRegistry().call()
    ) == Web3.to_checksum_address(restricted(env).identity_registry)
    assert token.functions.isAgent(env.deployment.agent).call()
    assert token.functions.onchainID().call() != "0x" + "0" * 40
    module = contract(env.w3, "CountryAllowModule", env.deployment.suite.country_allow_module)
    compliance = restricted(env).modular_compliance
    assert module.functions.isCountryAllowed(compliance, GERMANY).call()
    assert not module.functions.isCountryAllowed(compliance, USA).call()
