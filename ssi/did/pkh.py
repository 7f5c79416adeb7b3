"""did:pkh for Ethereum accounts (w3c-ccg did-pkh, ``eip155`` namespace).

``did:pkh:eip155:<chain id>:<address>``: the method-specific id is a CAIP-10
account id. The chain reference is a decimal EIP-155 chain id (CAIP-3), and
the address must be in its EIP-55 mixed-case checksum form: SECURITY.md asks
us to refuse a bad checksum, and one spelling per account keeps DIDs
comparable as strings. The document has one method ``#blockchainAccountId``
of type ``EcdsaSecp256k1RecoveryMethod2020``: there is no public key to
return, only the account, whose control is proven by signature recovery
(EIP-191 / EIP-712), see ``ssi.siwe``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from eth_utils.address import to_checksum_address

from ..errors import ResolutionError
from .document import DIDDocument, VerificationMethod

__all__ = ["PkhAccount", "did_pkh_from_address", "parse_did_pkh", "resolve_did_pkh"]

PREFIX = "did:pkh:"
_CHAIN_ID = re.compile(r"[1-9][0-9]{0,31}")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")
_NAMESPACE = re.compile(r"[-a-z0-9]{3,8}")


@dataclass(frozen=True, slots=True)
class PkhAccount:
    """An EIP-155 account: ``chain_id`` (an int) and the EIP-55 ``address``."""

    chain_id: int
    address: str

    @property
    def caip10(self) -> str:
        """The CAIP-10 account id, e.g. ``eip155:1:0xAb…``."""
        return f"eip155:{self.chain_id}:{self.address}"

    @property
    def caip2(self) -> str:
        return f"eip155:{self.chain_id}"

    @property
    def did(self) -> str:
        return PREFIX + self.caip10


def did_pkh_from_address(address: str, chain_id: int = 1) -> str:
    """``did:pkh:eip155:<chain id>:<EIP-55 address>`` for any spelling of ``address``."""
    if _ADDRESS.fullmatch(address) is None or chain_id < 1:
        raise ResolutionError("an Ethereum address is 0x and 40 hex digits; chain ids start at 1")
    return PkhAccount(chain_id, to_checksum_address(address)).did


def parse_did_pkh(did: str) -> PkhAccount:
    """The account named by a did:pkh; refuses other namespaces and bad checksums."""
    parts = did.split(":")
    if len(parts) != 5 or f"{parts[0]}:{parts[1]}:" != PREFIX:
        raise ResolutionError("a did:pkh is did:pkh:<namespace>:<chain>:<address>")
    namespace, chain, address = parts[2:]
    if _NAMESPACE.fullmatch(namespace) is None:
        raise ResolutionError(f"did:pkh namespace {namespace!r} is malformed")
    if namespace != "eip155":
        raise ResolutionError(f"did:pkh namespace {namespace!r} is not supported (only eip155)")
    if _CHAIN_ID.fullmatch(chain) is None:
        raise ResolutionError(f"did:pkh chain id {chain!r} is not a decimal EIP-155 chain id")
    if _ADDRESS.fullmatch(address) is None:
        raise ResolutionError(f"did:pkh address {address!r} is not 0x and 40 hex digits")
    if to_checksum_address(address) != address:
        raise ResolutionError(f"did:pkh address {address} is not in EIP-55 checksum form")
    return PkhAccount(int(chain), address)


def resolve_did_pkh(did: str) -> DIDDocument:
    """The DID document of a did:pkh:eip155 account (no key: a blockchain account id)."""
    account = parse_did_pkh(did)
    method = VerificationMethod(
        f"{did}#blockchainAccountId",
        "EcdsaSecp256k1RecoveryMethod2020",
        did,
        blockchain_account_id=account.caip10,
        extra={"blockchainAccountId": account.caip10},
    )
    relationships = {"authentication": (method.id,), "assertionMethod": (method.id,)}
    return DIDDocument(did, (method,), relationships)
