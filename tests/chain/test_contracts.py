"""Claims, keys, gas cap and the deployment file, on the in-process chain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from eth_account import Account

from chain.backend import in_process
from chain.deploy import check_deployment, contract
from chain.deployment import Deployment
from chain.devchain import DevChain
from chain.errors import ChainError, DeploymentMismatch, TransactionReverted
from chain.keys import claim_digest, sign_claim
from chain.transactions import MAX_GAS

DATA = bytes(range(32))


def new_identity(dev: DevChain) -> str:
    wallet = dev.investor().address
    call = dev.client.create_identity_call(wallet)
    dev.agent.transact(call.function, call.gas, call.what)
    identity = dev.client.identity_of(wallet)
    assert identity is not None
    return identity


def test_claim_signature_is_the_one_claimissuer_checks(inproc_env: DevChain) -> None:
    """ONCHAINID 2.2.1 ``ClaimIssuer.isClaimValid``: EIP-191 signature over
    ``keccak256(abi.encode(identity, topic, data))`` by a purpose-3 key."""
    dev = inproc_env
    identity = new_identity(dev)
    issuer = dev.client.claim_issuer
    topic = dev.deployment.claim_topic
    good = sign_claim(dev.claim_signer, identity, topic, DATA)
    assert issuer.functions.isClaimValid(identity, topic, good, DATA).call()
    assert not issuer.functions.isClaimValid(identity, topic + 1, good, DATA).call()
    assert not issuer.functions.isClaimValid(identity, topic, good, bytes(32)).call()
    assert len(claim_digest(identity, topic, DATA)) == 32


def test_claim_signed_by_a_key_the_issuer_does_not_hold_is_refused(inproc_env: DevChain) -> None:
    dev = inproc_env
    identity = new_identity(dev)
    forged = sign_claim(Account.create(), identity, dev.deployment.claim_topic, DATA)
    function = contract(dev.w3, "Identity", identity).functions.addClaim(
        dev.deployment.claim_topic, 1, dev.client.claim_issuer.address, forged, DATA, ""
    )
    with pytest.raises(TransactionReverted, match="invalid claim"):
        dev.agent.transact(function, 500_000, "addClaim with a forged signature")
    assert not dev.client.has_valid_claim(identity)


def test_gas_above_the_cap_is_refused_before_signing(inproc_env: DevChain) -> None:
    """EIP-7825 nodes refuse more than 2**24 gas per transaction; we stay under 16M."""
    dev = inproc_env
    call = dev.client.delete_call(
        dev.deployment.token("SOLAR").identity_registry, dev.owner.address
    )
    with pytest.raises(ChainError, match="gas limit"):
        dev.agent.sign(call.function, MAX_GAS + 1, dev.agent.next_nonce())


def test_deployment_file_round_trips(inproc_env: DevChain, tmp_path: Path) -> None:
    path = tmp_path / "deployment.json"
    inproc_env.deployment.save(path)
    assert Deployment.load(path) == inproc_env.deployment
    text = path.read_text()
    for secret in (inproc_env.owner.key, inproc_env.claim_signer.key):
        assert secret.hex().removeprefix("0x") not in text  # addresses only, no private key


def test_a_file_that_is_not_a_deployment_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deployment.json"
    path.write_text(json.dumps({"chain_id": 1}))
    with pytest.raises(DeploymentMismatch, match="not a deployment file"):
        Deployment.load(path)


def test_a_deployment_on_an_empty_chain_is_refused(inproc_env: DevChain) -> None:
    with pytest.raises(DeploymentMismatch, match="no contract at"):
        check_deployment(in_process(), inproc_env.deployment)


def test_an_unknown_token_is_refused(inproc_env: DevChain) -> None:
    with pytest.raises(DeploymentMismatch, match="no token"):
        inproc_env.deployment.token("NOPE")
