"""Binding a blockchain address to one OpenID4VP transaction (ARCHITECTURE.md,
"Binding the address to the presentation"; SECURITY.md "Addresses and whitelisting").

The wallet answers a request carrying an ``erc3643_whitelist`` transaction
data entry with (1) a KB-JWT whose ``transaction_data_hashes`` hash the entry
and whose ``whitelist_address`` names the chosen address, and (2) an
``address_proof``: an EIP-4361 message signed by that address, naming the
``response_uri``'s host and the URI itself, the chain, a nonce derived from the
request ``nonce`` (:func:`siwe_nonce`), the ``state`` as request-id, and the
registry as CAIP-10 resource.

:func:`build_address_proof` is the wallet's; :func:`verify_address_binding` the
verifier's, given the KB-JWT claims that ``ssi.sdjwt`` already verified. It
refuses any mismatch, so no one can attach their KYC to someone else's address
or replay a consent for another token, chain, verifier or transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from ..errors import InvalidRequest, InvalidTransactionData
from ..oid4vp.request import AuthorizationRequest
from ..oid4vp.response import AddressProof
from ..oid4vp.transaction_data import check_transaction_data_hashes, decode_transaction_data
from .errors import AddressMismatch, AudienceMismatch, NonceMismatch
from .eth import checksum_address, personal_sign
from .siwe import ExpectedSiwe, SiweMessage, format_time, verify_siwe
from .whitelist import ERC3643_WHITELIST, WHITELIST_ADDRESS_CLAIM, Erc3643Whitelist

__all__ = [
    "VerifiedWhitelisting",
    "whitelist_entry",
    "expected_siwe",
    "siwe_nonce",
    "build_address_proof",
    "verify_address_binding",
]

DEFAULT_PROOF_LIFETIME = 300


@dataclass(frozen=True, slots=True)
class VerifiedWhitelisting:
    """What the verifier may whitelist once :func:`verify_address_binding` returned."""

    address: str
    whitelist: Erc3643Whitelist
    message: SiweMessage


def whitelist_entry(request: AuthorizationRequest) -> Erc3643Whitelist:
    """The request's one ``erc3643_whitelist`` entry."""
    raws = request.transaction_data or ()
    entries = [entry for entry in map(_typed_entry, raws) if entry is not None]
    if len(entries) != 1:
        raise InvalidTransactionData("the request must carry exactly one erc3643_whitelist entry")
    return entries[0]


def _typed_entry(raw: object) -> Erc3643Whitelist | None:
    """One ``transaction_data`` entry: the whitelist it asks for, or ``None`` for an
    entry of another (well-formed) type; a malformed entry raises."""
    if not isinstance(raw, str):
        decode_transaction_data(raw)  # raises: entries are strings
    return _parsed_entry(raw)


@lru_cache(maxsize=256)
def _parsed_entry(raw: str) -> Erc3643Whitelist | None:
    """Cached by the entry's exact text: every verification for the same token carries
    the same entry, parsed and checked (EIP-55, CAIP-2, token name) once. The result
    is immutable; a refusal raises and is never cached."""
    entry = decode_transaction_data(raw)
    return Erc3643Whitelist.parse(entry) if entry.type == ERC3643_WHITELIST else None


def siwe_nonce(openid4vp_nonce: str) -> str:
    """The EIP-4361 ``Nonce:`` of a request: the lowercase hex SHA-256 of the UTF-8
    bytes of its OpenID4VP ``nonce`` (64 characters).

    OpenID4VP 1.0 §5.2 lets a verifier draw any string (base64url nonces hold ``-``
    and ``_``, others ``.`` and ``~``), while the EIP-4361 ABNF allows only letters
    and digits; the digest fits EIP-4361 and stays bound to exactly this request
    (docs/specs/address-binding.md, issue 19 item 12).
    """
    return hashlib.sha256(openid4vp_nonce.encode("utf-8")).hexdigest()


def expected_siwe(request: AuthorizationRequest, whitelist: Erc3643Whitelist) -> ExpectedSiwe:
    """The EIP-4361 fields this request fixes (ARCHITECTURE.md "Binding the address")."""
    if request.state is None:
        raise InvalidRequest("an address proof needs the request's state as request-id")
    return ExpectedSiwe(
        domain=urlsplit(request.response_uri).netloc,
        uri=request.response_uri,
        chain_id=whitelist.chain_number,
        nonce=siwe_nonce(request.nonce),
        request_id=request.state,
        resources=(whitelist.registry_account,),
    )


def build_address_proof(
    request: AuthorizationRequest,
    address: str,
    private_key: bytes | str,
    *,
    now: float,
    lifetime: int = DEFAULT_PROOF_LIFETIME,
) -> AddressProof:
    """The wallet's EIP-4361 message for this request, signed with the address's key."""
    whitelist = whitelist_entry(request)
    expected = expected_siwe(request, whitelist)
    message = SiweMessage(
        domain=expected.domain,
        address=checksum_address(address),
        statement=(
            f"Whitelist this address for token {whitelist.token} "
            f"on identity registry {whitelist.identity_registry}."
        ),
        uri=expected.uri,
        chain_id=expected.chain_id,
        nonce=expected.nonce,
        issued_at=format_time(now),
        expiration_time=format_time(now + lifetime),
        request_id=expected.request_id,
        resources=expected.resources,
    )
    text = message.to_text()
    return AddressProof(text, personal_sign(text, private_key))


def verify_address_binding(
    request: AuthorizationRequest,
    kb_claims: Mapping[str, Any],
    proof: AddressProof,
    *,
    now: float,
) -> VerifiedWhitelisting:
    """Every check binding KB-JWT, transaction data and address proof together.

    ``kb_claims`` are the claims of a KB-JWT already verified (signature,
    ``sd_hash``, ``aud``, ``nonce``, ``iat``) by :mod:`ssi.sdjwt`; they are
    compared again here because this function must not trust its caller to
    have passed the right request.
    """
    whitelist = whitelist_entry(request)
    assert request.transaction_data is not None
    check_transaction_data_hashes(kb_claims, request.transaction_data)
    if kb_claims.get("nonce") != request.nonce:
        raise NonceMismatch("the KB-JWT nonce is not this request's nonce")
    if kb_claims.get("aud") != request.client_id:
        raise AudienceMismatch("the KB-JWT aud is not this request's full client_id")
    named = checksum_address(kb_claims.get(WHITELIST_ADDRESS_CLAIM), "KB-JWT whitelist_address")
    expected = expected_siwe(request, whitelist)
    message = verify_siwe(proof.message, proof.signature, expected, now=now)
    if message.address != named:
        raise AddressMismatch(
            f"the KB-JWT names {named} but the address proof is signed for {message.address}"
        )
    return VerifiedWhitelisting(named, whitelist, message)
