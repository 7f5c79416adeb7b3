"""Ethereum identifiers: EIP-55 addresses, CAIP-2 chains, CAIP-10 accounts, EIP-191 signatures.

https://eips.ethereum.org/EIPS/eip-55, https://eips.ethereum.org/EIPS/eip-191,
CAIP-2 / CAIP-10 (https://chainagnostic.org). Addresses are accepted only
EIP-55 checksummed (an all-lowercase address carries no checksum and is
refused); EIP-191 ``personal_sign`` signatures are 65 bytes, hex with ``0x``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from coincurve import PublicKey
from Crypto.Hash import keccak as _keccak
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_utils.address import to_checksum_address

from ..errors import MalformedInput, SSIError, library_errors
from .errors import BadChecksum, SignerMismatch

__all__ = [
    "CAIP2_EIP155_PATTERN",
    "checksum_address",
    "parse_caip2_eip155",
    "caip2",
    "caip10",
    "personal_sign",
    "recover_signer",
    "check_signer",
]

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
CAIP2_EIP155_PATTERN = "eip155:([1-9][0-9]{0,31})"
"""CAIP-2 ``eip155:<decimal chain id>`` (the group is the chain id)."""
_CAIP2_EIP155 = re.compile(CAIP2_EIP155_PATTERN)
_SIGNATURE = re.compile(r"0x[0-9a-fA-F]{130}")


@lru_cache(maxsize=4096)
def _eip55(value: str) -> str:
    """The EIP-55 form of a well-formed address (cached: keccak in eth-utils is slow)."""
    checksummed: str = to_checksum_address(value)
    return checksummed


def checksum_address(value: object, what: str = "address") -> str:
    """``value`` if it is an EIP-55 checksummed address; else :class:`BadChecksum`."""
    if not isinstance(value, str) or _ADDRESS.fullmatch(value) is None:
        raise BadChecksum(f"{what} must be 0x followed by 40 hexadecimal digits")
    if value != _eip55(value):
        raise BadChecksum(f"{what} {value} fails its EIP-55 checksum")
    return value


def parse_caip2_eip155(value: object, error: type[SSIError] = MalformedInput) -> int:
    """``eip155:<chain id>`` (CAIP-2) to the chain id; else ``error``."""
    match = _CAIP2_EIP155.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise error("a chain id must be CAIP-2 'eip155:<decimal chain id>'")
    return int(match.group(1))


def caip2(chain_id: int) -> str:
    return f"eip155:{chain_id}"


def caip10(chain_id: int, address: str) -> str:
    """The CAIP-10 account id ``eip155:<chain id>:<address>``."""
    return f"{caip2(chain_id)}:{checksum_address(address)}"


def personal_sign(message: str, private_key: bytes | str) -> str:
    """EIP-191 version 0x45 signature of ``message``, as ``0x`` + 130 hex digits."""
    with library_errors("EIP-191 signing", MalformedInput):
        signed = Account.sign_message(encode_defunct(text=message), private_key=private_key)
    return "0x" + bytes(signed.signature).hex()


def keccak(data: bytes) -> bytes:
    """Keccak-256 (pycryptodome, the backend eth-hash picks, called without its wrapper)."""
    digest: bytes = _keccak.new(digest_bits=256, data=data).digest()
    return digest


_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def recover_signer(message: str, signature: str) -> str:
    """The EIP-55 address whose key made ``signature`` over ``message`` (EIP-191
    version 0x45: keccak256 of ``"\x19Ethereum Signed Message:\n" + len + message``).

    Recovered with libsecp256k1 (coincurve) directly; ``r`` and ``s`` must lie in
    [1, n-1] with ``s`` in the lower half (EIP-2: no malleable twin), ``v`` 27 or 28.
    """
    if not isinstance(signature, str) or _SIGNATURE.fullmatch(signature) is None:
        raise SignerMismatch("an EIP-191 signature is 0x followed by 130 hexadecimal digits")
    raw = bytes.fromhex(signature[2:])
    r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
    if not (0 < r < _N and 0 < s <= _N // 2) or v not in (27, 28):
        raise SignerMismatch("the signature's r, s or v is out of range (EIP-2, EIP-191)")
    body = message.encode("utf-8")
    digest = keccak(b"\x19Ethereum Signed Message:\n" + str(len(body)).encode() + body)
    try:  # coincurve raises ValueError when no key recovers (library_errors' translation)
        public = PublicKey.from_signature_and_message(
            raw[:64] + bytes([v - 27]), digest, hasher=None
        )
    except (ValueError, TypeError) as exc:
        raise SignerMismatch(f"EIP-191 signature: {exc}") from exc
    address = "0x" + keccak(public.format(compressed=False)[1:])[-20:].hex()
    return _eip55(address)


def check_signer(message: str, signature: str, address: str) -> None:
    """The signature recovers exactly ``address``; else :class:`SignerMismatch`."""
    signer = recover_signer(message, signature)
    if signer != address:
        raise SignerMismatch(f"the signature is by {signer}, not by {address}")
