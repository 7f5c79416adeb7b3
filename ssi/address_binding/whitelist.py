"""The ``erc3643_whitelist`` transaction data type (ARCHITECTURE.md, "Binding the address").

An OpenID4VP 1.0 ``transaction_data`` entry (§5.1, §8.4) asking the holder to
consent to one whitelisting::

    {"type": "erc3643_whitelist", "credential_ids": ["kyc"],
     "chain_id": "eip155:1", "identity_registry": "0x…", "token": "0x…",
     "token_name": "Solar Plant 7", "transaction_data_hashes_alg": ["sha-256"]}

Parsing is strict, as §8.5 ``invalid_transaction_data`` asks: unknown members,
wrong types, a chain id that is not CAIP-2 ``eip155:<n>``, and addresses that
are not EIP-55 checksummed are refused. The KB-JWT answers with
``transaction_data_hashes`` and ``whitelist_address`` (the address chosen).
"""

from __future__ import annotations

import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from ..errors import InvalidTransactionData
from ..oid4vp import spec as vp
from ..oid4vp.transaction_data import (
    TransactionData,
    decode_transaction_data,
    encode_transaction_data,
)
from .errors import BadChecksum
from .eth import caip10, checksum_address, parse_caip2_eip155

__all__ = [
    "ERC3643_WHITELIST",
    "WHITELIST_ADDRESS_CLAIM",
    "Erc3643Whitelist",
    "token_name_schema",
]

ERC3643_WHITELIST = "erc3643_whitelist"
WHITELIST_ADDRESS_CLAIM = "whitelist_address"
"""The KB-JWT claim naming the EIP-55 address the holder chose."""

_MEMBERS = frozenset(
    {
        "type",
        "credential_ids",
        "chain_id",
        "identity_registry",
        "token",
        "token_name",
        vp.TRANSACTION_DATA_HASHES_ALG,
    }
)
MAX_TOKEN_NAME = 100


def _is_control(c: str) -> bool:
    """Unicode category C: controls, format characters such as the bidi
    overrides that would disguise a name, surrogates, private use, unassigned."""
    return unicodedata.category(c).startswith("C")


def _token_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TOKEN_NAME:
        raise InvalidTransactionData(f"token_name must be 1-{MAX_TOKEN_NAME} characters")
    if any(_is_control(c) for c in value):
        raise InvalidTransactionData("token_name must not contain control characters")
    return value


LAST_SPACE = 0x3000
"""No code point above U+3000 (IDEOGRAPHIC SPACE) is white space (``str.isspace``):
the blank class walks only up to it (tests/ssi/test_address_binding.py checks it)."""


def _char_class(keep: Callable[[str], bool], last: int = sys.maxunicode) -> str:
    """A regular-expression class of the characters ``keep`` accepts up to ``last``,
    as ranges of literal characters (the same in Python and ECMA-262 regular
    expressions)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(last + 1):
        if not keep(chr(cp)):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))

    def literal(cp: int) -> str:
        return ("\\" + chr(cp)) if chr(cp) in "\\]^-[" else chr(cp)

    return (
        "["
        + "".join(literal(a) if a == b else f"{literal(a)}-{literal(b)}" for a, b in ranges)
        + "]"
    )


@cache
def token_name_schema() -> dict[str, Any]:
    """The JSON Schema of a token name: exactly what ``token_name`` accepts
    (1-100 characters, none of category C, not only white space)."""
    blank = _char_class(lambda c: c.isspace() and not _is_control(c), LAST_SPACE)
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_TOKEN_NAME,
        "pattern": f"^{_char_class(lambda c: not _is_control(c))}*$",
        "not": {"pattern": f"^{blank}*$"},
    }


def _address(value: object, what: str) -> str:
    try:
        return checksum_address(value, what)
    except BadChecksum as exc:
        raise InvalidTransactionData(str(exc)) from exc


@dataclass(frozen=True, slots=True)
class Erc3643Whitelist:
    """Consent to whitelist one address on one token's identity registry."""

    TYPE: ClassVar[str] = ERC3643_WHITELIST

    credential_ids: tuple[str, ...]
    chain_id: str
    identity_registry: str
    token: str
    token_name: str
    transaction_data_hashes_alg: tuple[str, ...] | None = (vp.HASH_ALG_SHA256,)

    def __post_init__(self) -> None:
        parse_caip2_eip155(self.chain_id, InvalidTransactionData)
        _address(self.identity_registry, "identity_registry")
        _address(self.token, "token")
        _token_name(self.token_name)
        if not self.credential_ids:
            raise InvalidTransactionData("credential_ids must not be empty")

    @property
    def chain_number(self) -> int:
        """The EIP-155 chain id as a number (the EIP-4361 ``Chain ID``)."""
        return parse_caip2_eip155(self.chain_id)

    @property
    def registry_account(self) -> str:
        """CAIP-10 account of the registry: the EIP-4361 ``resources`` entry."""
        return caip10(self.chain_number, self.identity_registry)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": self.TYPE,
            "credential_ids": list(self.credential_ids),
            "chain_id": self.chain_id,
            "identity_registry": self.identity_registry,
            "token": self.token,
            "token_name": self.token_name,
        }
        if self.transaction_data_hashes_alg is not None:
            out[vp.TRANSACTION_DATA_HASHES_ALG] = list(self.transaction_data_hashes_alg)
        return out

    def encode(self) -> str:
        """The base64url string for the request's ``transaction_data`` array."""
        return encode_transaction_data(self.to_dict())

    @classmethod
    def parse(cls, entry: TransactionData | str) -> Erc3643Whitelist:
        """Strictly read one entry; also usable as a ``check_transaction_data`` validator."""
        if isinstance(entry, str):
            entry = decode_transaction_data(entry)
        if entry.type != ERC3643_WHITELIST:
            raise InvalidTransactionData(f"type {entry.type!r} is not {ERC3643_WHITELIST!r}")
        unknown = set(entry.data) - _MEMBERS
        if unknown:
            raise InvalidTransactionData(f"unknown erc3643_whitelist members {sorted(unknown)}")
        for name in ("chain_id", "identity_registry", "token", "token_name"):
            if not isinstance(entry.data.get(name), str):
                raise InvalidTransactionData(f"erc3643_whitelist {name!r} must be a string")
        return cls(
            credential_ids=entry.credential_ids,
            chain_id=entry.data["chain_id"],
            identity_registry=entry.data["identity_registry"],
            token=entry.data["token"],
            token_name=entry.data["token_name"],
            transaction_data_hashes_alg=entry.hashes_alg,
        )
