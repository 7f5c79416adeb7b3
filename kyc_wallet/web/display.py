"""How the pages name things a person knows: addresses, countries, chains.

The protocol's forms (a 42-character hex string, ISO 3166-1 numeric ``408``,
CAIP-2 ``eip155:1``) stay in the data and on the operators' detail pages;
investor pages show these instead (issue 20, items 2 and 4):

- :func:`short_address`: ``0x75C1…6506``, the first four and last four hex
  digits *with their EIP-55 case* (EIP-55 checksums through the letter case,
  so a shortened form that keeps it still matches what MetaMask and
  Etherscan show for the same address).
- :func:`country_name`: the short English name of a country from its alpha-2,
  alpha-3 or numeric ISO 3166-1 code, offline from ``pycountry``'s table
  (its ``common_name`` where ISO's name is a formal one: "Iran", not "Iran,
  Islamic Republic of"), in the page's language (``pycountry`` ships the
  names translated: Simplified and Traditional Chinese from its ``zh_CN``
  and ``zh_TW`` catalogues).
- :func:`chain_name`: the name of an EVM chain from its chain id (EIP-155) or
  CAIP-2 identifier; a chain not in the table is "chain <number>".

All three are Jinja filters of every app (:func:`install_display_filters`), with
``blockie`` (:func:`kyc_wallet.web.blockies.blockie_data_uri`): an address's
identicon as a ``data:`` URI for an ``<img>``.
"""

from __future__ import annotations

import functools
import gettext
import re

import pycountry
from flask import Flask

from kyc_wallet.locales import N_, current_locale
from kyc_wallet.locales import gettext as _

from .blockies import blockie_data_uri

_HEX_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_NUMERIC = re.compile(r"[0-9]{1,3}")
_PYCOUNTRY_LANGUAGES = {"zh_Hans": "zh_CN", "zh_Hant": "zh_TW"}
"""Page locale → the ``pycountry`` catalogue of its country names."""

CHAINS: dict[int, str] = {
    1: "Ethereum",
    10: "OP Mainnet",
    56: "BNB Smart Chain",
    100: "Gnosis",
    137: "Polygon",
    8453: "Base",
    42161: "Arbitrum One",
    43114: "Avalanche C-Chain",
    59144: "Linea",
    17000: N_("Holesky test network"),
    80002: N_("Polygon Amoy test network"),
    84532: N_("Base Sepolia test network"),
    11155111: N_("Sepolia test network"),
    1337: N_("local development chain"),
    31337: N_("local development chain (Hardhat)"),
    131277322940537: N_("local test chain"),
}
"""EIP-155 chain ids of the networks a token platform is likely to use
(chainlist.org's names); the development chains are named as such. A
network's own name is the same in every language; what describes one ("test
network") is translated where it is shown."""


def short_address(address: object) -> str:
    """``0x75C1…6506`` for an Ethereum address (case kept); anything else unchanged."""
    text = str(address)
    if not _HEX_ADDRESS.fullmatch(text):
        return text
    return f"{text[:6]}…{text[-4:]}"


def country_name(code: object, locale: str | None = None) -> str:
    """The country's short name for an ISO 3166-1 alpha-2, alpha-3 or numeric
    code (``"408"``, ``408``, ``"KP"``, ``"PRK"`` → "North Korea"), in the
    page's language (``locale``, default: the request's;
    :mod:`kyc_wallet.locales`): Chinese names come from ``pycountry``'s own catalogues,
    ``zh_CN`` for Simplified ("朝鲜") and ``zh_TW`` for Traditional ("北韓").
    An unassigned code is returned as given, so nothing is silently dropped."""
    text = str(code).strip()
    if _NUMERIC.fullmatch(text):
        country = pycountry.countries.get(numeric=text.zfill(3))
    elif len(text) == 2:
        country = pycountry.countries.get(alpha_2=text.upper())
    elif len(text) == 3:
        country = pycountry.countries.get(alpha_3=text.upper())
    else:
        country = None
    if country is None:
        return text
    name = str(getattr(country, "common_name", None) or country.name)
    return _country_names(locale or current_locale()).gettext(name)


@functools.cache
def _country_names(locale: str) -> gettext.NullTranslations:
    """``pycountry``'s ISO 3166-1 catalogue for a page locale (none for English)."""
    language = _PYCOUNTRY_LANGUAGES.get(locale)
    if language is None:
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language])


def chain_name(chain: object) -> str:
    """ "Ethereum" for ``1`` or ``"eip155:1"``; "chain 424242" for a chain the
    table does not know (never the CAIP-2 string)."""
    text = str(chain).strip()
    number = text.removeprefix("eip155:")
    if not number.isdigit():
        return text
    name = CHAINS.get(int(number))
    if name is None:
        return _("chain %(number)d", number=int(number))
    return _(name)


def install_display_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        short_address=short_address,
        country_name=country_name,
        chain_name=chain_name,
        blockie=blockie_data_uri,
    )
