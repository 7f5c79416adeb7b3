"""OpenID4VCI 1.0 §4.1: the Credential Offer and its link, one named test per refusal."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from ssi.errors import (
    DuplicateMember,
    MalformedInput,
)
from ssi.oid4vci import (
    CredentialOffer,
    PreAuthorizedCodeGrant,
    TxCode,
    build_offer_link,
    parse_offer_link,
    spec,
)

ISSUER = "https://issuer.example"


def offer_dict(**changes: Any) -> dict[str, Any]:
    offer: dict[str, Any] = {
        "credential_issuer": ISSUER,
        "credential_configuration_ids": ["kyc"],
        "grants": {
            spec.GRANT_PRE_AUTHORIZED_CODE: {
                "pre-authorized_code": "code-1",
                "tx_code": {"input_mode": "numeric", "length": 6},
            }
        },
    }
    return offer | changes


# --- Credential Offer (§4.1) --------------------------------------------------


def test_offer_round_trip_keeps_unknown_members() -> None:
    """§4.1.1: the wallet ignores unknown parameters; we keep them as received."""
    data = offer_dict(future_param={"x": 1})
    data["grants"]["urn:example:grant"] = {"a": "b"}
    offer = CredentialOffer.from_dict(data)
    assert offer.to_dict() == data
    assert CredentialOffer.from_json(offer.to_json()) == offer


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"credential_issuer": None}, "'credential_issuer' must be a non-empty string"),
        ({"credential_configuration_ids": []}, "non-empty array of strings"),
        ({"credential_configuration_ids": ["a", 3]}, "non-empty array of strings"),
        ({"credential_configuration_ids": "kyc"}, "non-empty array of strings"),
        ({"credential_configuration_ids": ["a", "a"]}, "must not repeat"),
        ({"grants": []}, "'grants' must be a JSON object"),
        ({"grants": {"urn:example:grant": "x"}}, "must be a JSON object"),
    ],
)
def test_offer_malformed_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedInput, match=message):
        CredentialOffer.from_dict(offer_dict(**changes))


def test_offer_missing_issuer_refused() -> None:
    data = offer_dict()
    del data["credential_issuer"]
    with pytest.raises(MalformedInput, match="'credential_issuer' is required"):
        CredentialOffer.from_dict(data)


def test_pre_authorized_grant_without_code_refused() -> None:
    with pytest.raises(MalformedInput, match="'pre-authorized_code' is required"):
        PreAuthorizedCodeGrant.from_dict({"tx_code": {}})


@pytest.mark.parametrize(
    ("tx_code", "message"),
    [
        ({"input_mode": "alphanumeric"}, "'numeric' or 'text'"),
        ({"length": 0}, "'length' must be an integer"),
        ({"length": "6"}, "'length' must be an integer"),
        ({"length": True}, "'length' must be an integer"),
        ({"description": "x" * 301}, "exceeds 300"),
        ("123456", "must be a JSON object"),
    ],
)
def test_tx_code_malformed_refused(tx_code: object, message: str) -> None:
    """§4.1.1: ``input_mode`` numeric|text, ``length`` an integer, ``description`` ≤ 300."""
    with pytest.raises(MalformedInput, match=message):
        TxCode.from_dict(tx_code)


def test_tx_code_description_of_300_accepted() -> None:
    assert TxCode.from_dict({"description": "x" * 300}).description == "x" * 300


def test_offer_link_with_both_parameters_refused() -> None:
    """§4.1: ``credential_offer`` MUST NOT be present with ``credential_offer_uri``."""
    by_value = build_offer_link(CredentialOffer.from_dict(offer_dict()))
    both = by_value + "&credential_offer_uri=https%3A%2F%2Fissuer.example%2Fo%2F1"
    with pytest.raises(MalformedInput, match="exactly one"):
        parse_offer_link(both)


def test_offer_link_with_neither_parameter_refused() -> None:
    with pytest.raises(MalformedInput, match="exactly one"):
        parse_offer_link("openid-credential-offer://?foo=bar")


def test_offer_link_with_a_repeated_parameter_refused() -> None:
    uri = "https%3A%2F%2Fissuer.example%2Fo%2F1"
    with pytest.raises(MalformedInput, match="exactly one"):
        parse_offer_link(
            f"openid-credential-offer://?credential_offer_uri={uri}&credential_offer_uri={uri}"
        )


@pytest.mark.parametrize("uri", ["ftp://issuer.example/o", "javascript:alert(1)", "/o/1"])
def test_offer_uri_not_https_refused(uri: str) -> None:
    """§4.1: ``credential_offer_uri`` is a URL using the ``https`` scheme."""
    with pytest.raises(MalformedInput, match="https URL"):
        parse_offer_link("openid-credential-offer://?credential_offer_uri=" + quote(uri, safe=""))


def test_offer_by_value_not_json_refused() -> None:
    with pytest.raises(MalformedInput, match="not valid JSON"):
        parse_offer_link("openid-credential-offer://?credential_offer=%7Bnot-json")


def test_offer_by_value_with_duplicate_members_refused() -> None:
    body = '{"credential_issuer":"https://a.example","credential_issuer":"https://b.example"}'
    with pytest.raises(DuplicateMember):
        parse_offer_link("openid-credential-offer://?credential_offer=" + quote(body))


def test_build_offer_link_needs_exactly_one() -> None:
    with pytest.raises(MalformedInput, match="exactly one"):
        build_offer_link()
    with pytest.raises(MalformedInput, match="exactly one"):
        build_offer_link(CredentialOffer.from_dict(offer_dict()), "https://issuer.example/o/1")


def test_offer_link_on_a_wallet_base_url() -> None:
    """ARCHITECTURE.md: the same query on the wallet's ``/offer`` route."""
    link = build_offer_link(offer_uri=ISSUER + "/o/1", base="http://127.0.0.1:5002/offer")
    assert link.startswith("http://127.0.0.1:5002/offer?credential_offer_uri=")
    assert parse_offer_link(link).offer_uri == ISSUER + "/o/1"
