"""How pages name addresses, countries and chains (kyc_wallet.web.display; issue 20)."""

from __future__ import annotations

import pytest

from kyc_wallet.web.display import chain_name, country_name, short_address


def test_short_address_keeps_the_eip55_case_of_both_ends() -> None:
    # EIP-55's own example address, mixed case by its checksum
    address = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    assert short_address(address) == "0x5aAe…eAed"
    assert short_address(address.lower()) == "0x5aae…eaed"


def test_short_address_leaves_anything_that_is_not_an_address_alone() -> None:
    assert short_address("not an address") == "not an address"
    assert short_address("0x1234") == "0x1234"


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("408", "North Korea"),
        (408, "North Korea"),
        ("KP", "North Korea"),
        ("PRK", "North Korea"),
        ("364", "Iran"),
        ("ir", "Iran"),
        ("528", "Netherlands"),
        ("36", "Australia"),  # numeric codes without their leading zero
        ("840", "United States"),
    ],
)
def test_country_name_from_alpha2_alpha3_and_numeric_codes(code: object, name: str) -> None:
    assert country_name(code) == name


def test_country_name_returns_an_unassigned_code_as_given() -> None:
    assert country_name("999") == "999"
    assert country_name("XX") == "XX"


def test_chain_name_names_known_chains_and_numbers_the_others() -> None:
    assert chain_name(1) == "Ethereum"
    assert chain_name("eip155:1") == "Ethereum"
    assert chain_name("eip155:11155111") == "Sepolia test network"
    assert chain_name("eip155:424242") == "chain 424242"
    assert "eip155" not in chain_name("eip155:31337")
