"""ONCHAINID keys and claims: key hashes and the claim signature.

ONCHAINID 2.2.1 (ERC-734 / ERC-735) names a key by ``keccak256(abi.encode(address))``
and a claim by ``keccak256(abi.encode(issuer, topic))``. A claim is valid when
its signature over ``keccak256(abi.encode(identity, topic, data))``, with the
EIP-191 prefix (``"\\x19Ethereum Signed Message:\\n32"``), recovers to a key of
the issuer's ``ClaimIssuer`` with purpose 3 (CLAIM) (``ClaimIssuer.isClaimValid``).
"""

from __future__ import annotations

from eth_abi.abi import encode
from eth_account import Account
from eth_account.messages import encode_defunct
from eth_account.signers.local import LocalAccount
from web3 import Web3

__all__ = ["key_hash", "claim_id", "claim_digest", "sign_claim"]


def key_hash(address: str) -> bytes:
    """ERC-734 key of ``address``: ``keccak256(abi.encode(address))``."""
    return Web3.keccak(encode(["address"], [Web3.to_checksum_address(address)]))


def claim_id(issuer: str, topic: int) -> bytes:
    """ERC-735 claim id: ``keccak256(abi.encode(issuer, topic))``."""
    return Web3.keccak(encode(["address", "uint256"], [Web3.to_checksum_address(issuer), topic]))


def claim_digest(identity: str, topic: int, data: bytes) -> bytes:
    """``keccak256(abi.encode(identity, topic, data))``, what the claim signer signs."""
    return Web3.keccak(
        encode(["address", "uint256", "bytes"], [Web3.to_checksum_address(identity), topic, data])
    )


def sign_claim(signer: LocalAccount, identity: str, topic: int, data: bytes) -> bytes:
    """The 65-byte EIP-191 signature of the claim (``ClaimIssuer.isClaimValid``)."""
    message = encode_defunct(primitive=claim_digest(identity, topic, data))
    return bytes(Account.sign_message(message, signer.key).signature)
