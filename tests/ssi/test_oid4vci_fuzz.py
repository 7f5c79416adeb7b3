"""Property tests: OpenID4VCI parsers either accept or raise ``SSIError``, and round-trip.

``pytest --fuzz`` runs 10,000 examples per property (tests/conftest.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssi.errors import SSIError
from ssi.jose import Key
from ssi.oid4vci import (
    AuthorizationServerMetadata,
    CredentialIssuerMetadata,
    CredentialOffer,
    CredentialRequest,
    CredentialResponse,
    NonceResponse,
    TokenRequest,
    TokenResponse,
    TxCode,
    build_offer_link,
    build_proof,
    parse_offer_link,
    spec,
    verify_proof,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

MEMBER_NAMES = st.sampled_from(
    [
        "credential_issuer",
        "credential_configuration_ids",
        "grants",
        spec.GRANT_PRE_AUTHORIZED_CODE,
        "pre-authorized_code",
        "tx_code",
        "credential_endpoint",
        "credential_configurations_supported",
        "format",
        "vct",
        "proof_types_supported",
        "cryptographic_binding_methods_supported",
        "proofs",
        "proof",
        "jwt",
        "credential_identifier",
        "credential_configuration_id",
        "credentials",
        "credential",
        "transaction_id",
        "interval",
        "access_token",
        "token_type",
        "c_nonce",
        "issuer",
        "token_endpoint",
    ]
)
shaped_objects = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 12) | st.text(max_size=6) | st.just("dc+sd-jwt"),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(MEMBER_NAMES, children, max_size=6)
    ),
    max_leaves=25,
)

PARSERS: dict[str, Callable[[Any], Any]] = {
    "CredentialOffer": CredentialOffer.from_dict,
    "TxCode": TxCode.from_dict,
    "CredentialIssuerMetadata": CredentialIssuerMetadata.from_dict,
    "AuthorizationServerMetadata": AuthorizationServerMetadata.from_dict,
    "TokenResponse": TokenResponse.from_dict,
    "NonceResponse": NonceResponse.from_dict,
    "CredentialRequest": CredentialRequest.from_dict,
    "CredentialResponse": CredentialResponse.from_dict,
}


@pytest.mark.parametrize("name", sorted(PARSERS))
@given(value=json_values | shaped_objects)
def test_parser_accepts_or_raises_ssi_error(name: str, value: Any) -> None:
    try:
        message = PARSERS[name](value)
    except SSIError:
        return
    assert PARSERS[name](message.to_dict()) == message
    assert message.to_dict() == value


@given(form=st.dictionaries(st.text(max_size=20), st.text(max_size=20), max_size=5))
def test_token_request_form_accepts_or_raises_ssi_error(form: dict[str, str]) -> None:
    try:
        request = TokenRequest.from_form(form)
    except SSIError:
        return
    assert TokenRequest.from_form(request.to_form()) == request


@given(link=st.text(max_size=200))
def test_offer_link_accepts_or_raises_ssi_error(link: str) -> None:
    try:
        parse_offer_link(link)
    except SSIError:
        pass


identifiers = st.text(
    st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters="\\"), min_size=1
)


@given(
    ids=st.lists(identifiers, min_size=1, max_size=4, unique=True),
    code=identifiers,
    description=st.none() | st.text(min_size=1, max_size=300),
    length=st.none() | st.integers(1, 12),
    by_value=st.booleans(),
)
def test_offer_link_round_trip(
    ids: list[str], code: str, description: str | None, length: int | None, by_value: bool
) -> None:
    offer = CredentialOffer.from_dict(
        {
            "credential_issuer": "https://issuer.example",
            "credential_configuration_ids": ids,
            "grants": {
                spec.GRANT_PRE_AUTHORIZED_CODE: {
                    "pre-authorized_code": code,
                    "tx_code": TxCode(None, length, description).to_dict(),
                }
            },
        }
    )
    if by_value:
        assert parse_offer_link(build_offer_link(offer)).offer == offer
    else:
        uri = "https://issuer.example/offers/" + code
        assert parse_offer_link(build_offer_link(offer_uri=uri)).offer_uri == uri


HOLDER = Key.generate("ES256")
PROOF = build_proof(HOLDER, "https://issuer.example", "n", now=1_750_000_000)


@given(position=st.integers(0, len(PROOF) - 1), char=st.sampled_from("AQgw_-.x"))
def test_mutated_proof_refused(position: int, char: str) -> None:
    """Any one-character change to a valid proof is refused (or is the same token)."""
    mutated = PROOF[:position] + char + PROOF[position + 1 :]
    try:
        key = verify_proof(mutated, audience="https://issuer.example", now=1_750_000_000, nonce="n")
    except SSIError:
        return
    # base64url's last character can carry unused bits; a canonical decoder refuses those,
    # so only an identical token may verify
    assert mutated == PROOF and key == HOLDER
