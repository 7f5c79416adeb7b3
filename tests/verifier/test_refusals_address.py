"""SECURITY.md "Addresses and whitelisting", verifier side, over real HTTP: the
KB-JWT, the ``erc3643_whitelist`` transaction data and the EIP-4361 proof must
all name the same address, nonce, state, chain and registry; each mismatch is
refused with its reason, and nothing is queued for whitelisting."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from ssi.address_binding import (
    SiweMessage,
    caip10,
    expected_siwe,
    format_time,
    personal_sign,
    whitelist_entry,
)
from ssi.fetch import FetchResponse
from ssi.oid4vp import AddressProof, AuthorizationRequest, kb_jwt_transaction_claims
from tests.verifier.conftest import TOKEN_TARGET, RunningVerifier
from tests.verifier.foreign_wallet import INVESTOR, STRANGER, ForeignWallet
from tests.verifier.sql import sql_of
from tests.verifier.test_refusals_oid4vp import assert_refused
from verifier.policies import TokenTarget


def _message(request: AuthorizationRequest, now: float, **changes: Any) -> SiweMessage:
    expected = expected_siwe(request, whitelist_entry(request))
    message = SiweMessage(
        domain=expected.domain,
        address=INVESTOR.address,
        uri=expected.uri,
        chain_id=expected.chain_id,
        nonce=expected.nonce,
        issued_at=format_time(now),
        expiration_time=format_time(now + 300),
        request_id=expected.request_id,
        resources=expected.resources,
    )
    return dataclasses.replace(message, **changes)


def _submit_proof(
    verifier: RunningVerifier,
    wallet: ForeignWallet,
    proof_for: Any,
    *,
    address: str | None = None,
    kb_extra: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], FetchResponse]:
    """Answer a ``solar7`` request with ``proof_for(request)``; expect no intent."""
    created = verifier.create("solar7")
    request = wallet.fetch_request(created["link"]).request
    presentation = wallet.present(request, address=address, kb_extra=kb_extra)
    response = wallet.response(request, presentation, proof_for(request))
    result = wallet.post(request, wallet.form(request, response))
    assert sql_of(verifier.app).all("SELECT * FROM intents") == []
    return created, result


def _signed(message: SiweMessage, key: bytes) -> AddressProof:
    text = message.to_text()
    return AddressProof(text, personal_sign(text, key))


def _refused(
    verifier: RunningVerifier, submitted: tuple[dict[str, Any], FetchResponse], code: str
) -> dict[str, Any]:
    return assert_refused(verifier, *submitted, code)


def test_signature_by_key_b_for_address_a(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    now = verifier.clock.now
    submitted = _submit_proof(verifier, wallet, lambda r: _signed(_message(r, now), STRANGER.key))
    _refused(verifier, submitted, "SignerMismatch")


def test_someone_elses_address_with_their_own_valid_proof(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """The KB-JWT names the investor; the proof is a valid one for another address."""
    now = verifier.clock.now
    proof = lambda r: _signed(_message(r, now, address=STRANGER.address), STRANGER.key)  # noqa: E731
    submitted = _submit_proof(verifier, wallet, proof)
    _refused(verifier, submitted, "AddressMismatch")


def test_bad_eip55_checksum_in_whitelist_address(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    bad = "0x" + INVESTOR.address[2:].swapcase()
    submitted = _submit_proof(verifier, wallet, wallet.proof, address=bad)
    _refused(verifier, submitted, "BadChecksum")


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"domain": "evil.example"}, "DomainMismatch"),
        ({"uri": "https://evil.example/oid4vp/response"}, "UriMismatch"),
        ({"chain_id": 1}, "ChainMismatch"),
        ({"nonce": "AnotherNonce1234"}, "NonceMismatch"),
        ({"request_id": "another-state"}, "RequestIdMismatch"),
        ({"resources": (caip10(31337, STRANGER.address),)}, "ResourcesMismatch"),
    ],
    ids=["domain", "uri", "chain", "nonce", "request-id", "registry"],
)
def test_message_for_another_domain_chain_registry_or_transaction(
    verifier: RunningVerifier, wallet: ForeignWallet, changes: dict[str, Any], code: str
) -> None:
    now = verifier.clock.now
    submitted = _submit_proof(
        verifier, wallet, lambda r: _signed(_message(r, now, **changes), INVESTOR.key)
    )
    _refused(verifier, submitted, code)


def test_expired_address_proof(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    now = verifier.clock.now
    old = {"issued_at": format_time(now - 900), "expiration_time": format_time(now - 600)}
    submitted = _submit_proof(
        verifier, wallet, lambda r: _signed(_message(r, now, **old), INVESTOR.key)
    )
    _refused(verifier, submitted, "MessageExpired")


def test_proof_of_an_earlier_transaction_is_refused(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    """A reused nonce: the consent given to one transaction cannot serve another."""
    earlier = wallet.fetch_request(verifier.create("solar7")["link"]).request
    old_proof = wallet.proof(earlier)
    submitted = _submit_proof(verifier, wallet, lambda r: old_proof)
    _refused(verifier, submitted, "NonceMismatch")


def test_missing_address_proof(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    created = verifier.create("solar7")
    request = wallet.fetch_request(created["link"]).request
    response = dataclasses.replace(wallet.response(request), address_proof=None)
    result = wallet.post(request, wallet.form(request, response))
    assert_refused(verifier, created, result, "AddressProofMissing")


def test_kb_jwt_consent_for_another_token(verifier: RunningVerifier, wallet: ForeignWallet) -> None:
    """The KB-JWT hashes other transaction data than this request's."""
    # the entry of a request for another token (which this verifier would refuse to
    # create: it manages one token, issue 19 item 4)
    other = TokenTarget.from_dict({**TOKEN_TARGET, "name": "Another Token"})
    foreign_hashes = kb_jwt_transaction_claims([other.whitelist().encode()])
    submitted = _submit_proof(verifier, wallet, wallet.proof, kb_extra=foreign_hashes)
    _refused(verifier, submitted, "TransactionDataHashMismatch")


def test_kb_jwt_without_transaction_data_hashes(
    verifier: RunningVerifier, wallet: ForeignWallet
) -> None:
    submitted = _submit_proof(
        verifier, wallet, wallet.proof, kb_extra={"transaction_data_hashes": None}
    )
    _refused(verifier, submitted, "TransactionDataHashMismatch")
