"""Address control bound to the presentation: EIP-4361, erc3643_whitelist, cross-binding.

ARCHITECTURE.md "Binding the address to the presentation"; each SECURITY.md
"Addresses and whitelisting" refusal that needs no HTTP is a named test here.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from typing import Any

import pytest
from eth_account import Account

from ssi.address_binding import (
    ERC3643_WHITELIST,
    AddressMismatch,
    AudienceMismatch,
    BadChecksum,
    ChainMismatch,
    DomainMismatch,
    Erc3643Whitelist,
    IssuedInFuture,
    MalformedSiweMessage,
    MessageExpired,
    NonceMismatch,
    NotYetValid,
    RequestIdMismatch,
    ResourcesMismatch,
    SignerMismatch,
    SiweMessage,
    UriMismatch,
    build_address_proof,
    caip10,
    format_time,
    personal_sign,
    verify_address_binding,
)
from ssi.errors import ClaimMismatch, InvalidSignature, InvalidTransactionData, TimeInvalid
from ssi.oid4vp import (
    AddressProof,
    AuthorizationRequest,
    TransactionDataHashMismatch,
    check_transaction_data,
    encode_transaction_data,
    kb_jwt_transaction_claims,
)

NOW = 1_800_000_000
HOLDER = Account.from_key(bytes.fromhex("11" * 32))
OTHER = Account.from_key(bytes.fromhex("22" * 32))
REGISTRY = Account.from_key(bytes.fromhex("33" * 32)).address
TOKEN = Account.from_key(bytes.fromhex("44" * 32)).address
OTHER_REGISTRY = Account.from_key(bytes.fromhex("55" * 32)).address
RESPONSE_URI = "https://verifier.example.org:8443/response"
CLIENT_ID = "x509_san_dns:verifier.example.org"


def whitelist(**over: Any) -> Erc3643Whitelist:
    data: dict[str, Any] = {
        "credential_ids": ("kyc",),
        "chain_id": "eip155:1",
        "identity_registry": REGISTRY,
        "token": TOKEN,
        "token_name": "Solar Plant 7",
    }
    data.update(over)
    return Erc3643Whitelist(**data)


def make_request(nonce: str = "Nonce1234abcd", entry: Erc3643Whitelist | None = None) -> Any:
    return AuthorizationRequest.from_dict(
        {
            "client_id": CLIENT_ID,
            "response_type": "vp_token",
            "response_mode": "direct_post",
            "response_uri": RESPONSE_URI,
            "nonce": nonce,
            "state": "st-42",
            "dcql_query": {
                "credentials": [
                    {"id": "kyc", "format": "dc+sd-jwt", "meta": {"vct_values": ["urn:kyc"]}}
                ]
            },
            "transaction_data": [(entry or whitelist()).encode()],
        }
    )


REQUEST = make_request()


def kb_claims(request: Any = REQUEST, **over: Any) -> dict[str, Any]:
    claims = {
        "nonce": request.nonce,
        "aud": request.client_id,
        "iat": NOW,
        "sd_hash": "x",
        "whitelist_address": HOLDER.address,
        **kb_jwt_transaction_claims(request.transaction_data),
    }
    claims.update(over)
    return claims


def proof(key: bytes = HOLDER.key, address: str = HOLDER.address) -> AddressProof:
    return build_address_proof(REQUEST, address, key, now=NOW)


def resign(changes: dict[str, Any], key: bytes = HOLDER.key) -> AddressProof:
    """A message with some fields changed, correctly signed by ``key``."""
    message = replace(SiweMessage.parse(proof().message), **changes)
    text = message.to_text()
    return AddressProof(text, personal_sign(text, key))


def verify(p: AddressProof, claims: dict[str, Any] | None = None, now: float = NOW) -> Any:
    return verify_address_binding(REQUEST, claims or kb_claims(), p, now=now)


# --- the round trip -------------------------------------------------------------------


def test_round_trip_binds_address_to_the_transaction() -> None:
    verified = verify(proof())
    assert verified.address == HOLDER.address
    assert verified.whitelist == whitelist()
    message = verified.message
    assert message.domain == "verifier.example.org:8443"
    assert message.uri == RESPONSE_URI
    assert message.chain_id == 1
    assert message.nonce == hashlib.sha256(REQUEST.nonce.encode()).hexdigest()
    assert message.request_id == "st-42"
    assert message.resources == (f"eip155:1:{REGISTRY}",)


# --- SECURITY.md "Addresses and whitelisting" ------------------------------------------


def test_refuse_signature_by_key_b_for_address_a() -> None:
    with pytest.raises(SignerMismatch, match="not by") as err:
        verify(proof(key=OTHER.key, address=HOLDER.address))
    assert isinstance(err.value, InvalidSignature)


def test_refuse_bad_checksum_in_message() -> None:
    text = proof().message.replace(HOLDER.address, HOLDER.address.lower())
    with pytest.raises(BadChecksum, match="EIP-55"):
        verify(AddressProof(text, personal_sign(text, HOLDER.key)))


def test_refuse_bad_checksum_in_kb_jwt() -> None:
    with pytest.raises(BadChecksum, match="whitelist_address"):
        verify(proof(), kb_claims(whitelist_address=HOLDER.address.lower()))


def test_refuse_message_for_another_domain() -> None:
    with pytest.raises(DomainMismatch, match="domain"):
        verify(resign({"domain": "evil.example"}))


def test_refuse_message_for_another_uri() -> None:
    with pytest.raises(UriMismatch, match="uri"):
        verify(resign({"uri": "https://verifier.example.org:8443/other"}))


def test_refuse_message_for_another_chain() -> None:
    with pytest.raises(ChainMismatch, match="chain id 5"):
        verify(resign({"chain_id": 5}))


def test_refuse_message_for_another_registry() -> None:
    with pytest.raises(ResourcesMismatch, match="resources"):
        verify(resign({"resources": (caip10(1, OTHER_REGISTRY),)}))


def test_refuse_message_with_extra_resource() -> None:
    with pytest.raises(ResourcesMismatch):
        verify(resign({"resources": (caip10(1, REGISTRY), "https://evil.example/")}))


def test_refuse_expired_message() -> None:
    with pytest.raises(MessageExpired, match="expired") as err:
        verify(proof(), now=NOW + 3600)
    assert isinstance(err.value, TimeInvalid)


def test_refuse_message_without_expiration() -> None:
    with pytest.raises(MessageExpired, match="no expiration"):
        verify(resign({"expiration_time": None}))


def test_refuse_message_issued_in_the_future() -> None:
    with pytest.raises(IssuedInFuture):
        verify(proof(), now=NOW - 3600)


def test_refuse_message_not_yet_valid() -> None:
    with pytest.raises(NotYetValid):
        verify(resign({"not_before": format_time(NOW + 3600)}))


def test_refuse_wrong_nonce_in_message() -> None:
    with pytest.raises(NonceMismatch, match="nonce"):
        verify(resign({"nonce": "OtherNonce99"}))


def test_refuse_wrong_nonce_in_kb_jwt() -> None:
    with pytest.raises(NonceMismatch, match="KB-JWT"):
        verify(proof(), kb_claims(nonce="OtherNonce99"))


def test_refuse_kb_jwt_audience_other_than_full_client_id() -> None:
    """OpenID4VP §14.9: the full prefixed client id is the audience."""
    with pytest.raises(AudienceMismatch):
        verify(proof(), kb_claims(aud="verifier.example.org"))


def test_refuse_wrong_request_id() -> None:
    with pytest.raises(RequestIdMismatch, match="state"):
        verify(resign({"request_id": "st-other"}))


def test_refuse_kb_jwt_address_other_than_the_proven_one() -> None:
    """Nobody may attach their KYC to someone else's address."""
    with pytest.raises(AddressMismatch, match="names"):
        verify(proof(), kb_claims(whitelist_address=OTHER.address))


def test_refuse_proof_of_another_address_than_the_kb_jwt_names() -> None:
    other_proof = proof(key=OTHER.key, address=OTHER.address)
    with pytest.raises(AddressMismatch):
        verify(other_proof)


def test_refuse_transaction_data_hash_mismatch() -> None:
    other = make_request(entry=whitelist(token_name="Another Token"))
    with pytest.raises(TransactionDataHashMismatch, match="do not match") as err:
        verify(
            proof(), kb_claims(transaction_data_hashes=kb_claims(other)["transaction_data_hashes"])
        )
    assert isinstance(err.value, ClaimMismatch)


def test_refuse_consent_replayed_for_another_token() -> None:
    """A proof and KB-JWT made for one request do not pass for another (new nonce, token)."""
    second = make_request("SecondNonce77", whitelist(identity_registry=OTHER_REGISTRY))
    with pytest.raises(TransactionDataHashMismatch):
        verify_address_binding(second, kb_claims(), proof(), now=NOW)
    with pytest.raises(NonceMismatch):
        verify_address_binding(
            second,
            kb_claims(second) | {"nonce": second.nonce},
            proof(),
            now=NOW,
        )


def test_refuse_malformed_signature() -> None:
    with pytest.raises(SignerMismatch, match="130"):
        verify(AddressProof(proof().message, "0x1234"))


# --- issue 19 item 12: the EIP-4361 nonce is derived from the OpenID4VP nonce -------------

PUNCTUATED_NONCE = "n-0S6_WzA2Mj.q~Z"
"""OpenID4VP 1.0 §5.2 allows any string; an independent verifier draws ``-``, ``_``,
``.`` and ``~`` (base64url, RFC 3986 unreserved), which the EIP-4361 ABNF forbids."""


def test_siwe_nonce_is_the_sha256_hex_of_the_openid4vp_nonce() -> None:
    """docs/specs/address-binding.md: ``Nonce:`` = lowercase hex SHA-256 of the UTF-8
    bytes of the request's ``nonce`` (64 characters, alphanumeric as EIP-4361 asks)."""
    request = make_request(PUNCTUATED_NONCE)
    message = SiweMessage.parse(
        build_address_proof(request, HOLDER.address, HOLDER.key, now=NOW).message
    )
    assert message.nonce == hashlib.sha256(PUNCTUATED_NONCE.encode("utf-8")).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", message.nonce)


def test_siwe_nonce_with_punctuation_binds_wallet_to_verifier() -> None:
    """Both sides of ``ssi.address_binding``: a nonce with ``- _ . ~`` round-trips."""
    request = make_request(PUNCTUATED_NONCE)
    built = build_address_proof(request, HOLDER.address, HOLDER.key, now=NOW)
    verified = verify_address_binding(request, kb_claims(request), built, now=NOW)
    assert verified.address == HOLDER.address


def test_siwe_nonce_verifier_refuses_the_raw_openid4vp_nonce() -> None:
    """The verifier accepts only the derived nonce: an alphanumeric OpenID4VP nonce
    copied as is (the old wire format) is refused."""
    raw = resign({"nonce": REQUEST.nonce})
    with pytest.raises(NonceMismatch, match="nonce"):
        verify(raw)


# --- EIP-4361 messages --------------------------------------------------------------------

EIP_4361_EXAMPLE = """service.invalid wants you to sign in with your Ethereum account:
0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2

I accept the ServiceOrg Terms of Service: https://service.invalid/tos

URI: https://service.invalid/login
Version: 1
Chain ID: 1
Nonce: 32891756
Issued At: 2021-09-30T16:25:24Z
Resources:
- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/
- https://example.com/my-web2-claim.json"""


def test_eip_4361_example_message_parses_and_round_trips() -> None:
    """EIP-4361 "Example message": every field, and the text re-serialized byte for byte."""
    message = SiweMessage.parse(EIP_4361_EXAMPLE)
    assert message.domain == "service.invalid"
    assert (
        message.statement == "I accept the ServiceOrg Terms of Service: https://service.invalid/tos"
    )
    assert message.chain_id == 1
    assert message.nonce == "32891756"
    assert len(message.resources) == 2
    assert message.to_text() == EIP_4361_EXAMPLE


def test_message_without_statement_round_trips() -> None:
    message = replace(SiweMessage.parse(EIP_4361_EXAMPLE), statement=None, scheme="https")
    text = message.to_text()
    assert text.startswith("https://service.invalid wants you")
    assert "\n\n\nURI: " in text
    assert SiweMessage.parse(text) == message


@pytest.mark.parametrize(
    ("mutate", "fragment"),
    [
        (lambda t: t.replace("\n", "\r\n"), "LF-separated"),
        (lambda t: t + "\n", "unexpected line"),
        (lambda t: t.replace("Version: 1\nChain ID: 1", "Chain ID: 1\nVersion: 1"), "Version"),
        (lambda t: t.replace("Version: 1", "Version: 2"), "version"),
        (lambda t: t.replace("Nonce: 32891756", "Nonce: 1234567"), "nonce"),
        (lambda t: t.replace("Nonce: 32891756", "Nonce: 1234-5678"), "nonce"),
        (lambda t: t.replace("Chain ID: 1", "Chain ID: 01"), "chain id"),
        (lambda t: t.replace("Issued At: 2021-09-30T16:25:24Z", "Issued At: yesterday"), "date"),
        (lambda t: t.replace("Resources:", "Foo: bar\nResources:"), "unexpected line"),
        (lambda t: t.replace("service.invalid wants", "service.invalid wants\n"), "EIP-4361"),
        (lambda t: t.replace("Terms of Service", 'Terms of "Service"'), "statement"),
    ],
)
def test_eip_4361_parser_refuses_what_the_abnf_does_not_allow(mutate: Any, fragment: str) -> None:
    with pytest.raises(MalformedSiweMessage, match=fragment):
        SiweMessage.parse(mutate(EIP_4361_EXAMPLE))


# --- the erc3643_whitelist transaction data type ----------------------------------------------


def test_whitelist_entry_round_trip() -> None:
    entry = whitelist()
    assert Erc3643Whitelist.parse(entry.encode()) == entry
    assert entry.to_dict()["type"] == ERC3643_WHITELIST
    assert entry.registry_account == f"eip155:1:{REGISTRY}"


def test_wallet_accepts_whitelist_entry_with_its_validator() -> None:
    (checked,) = check_transaction_data(
        [whitelist().encode()], {ERC3643_WHITELIST: Erc3643Whitelist.parse}, {"kyc": True}
    )
    assert checked.type == ERC3643_WHITELIST


def _raw(**over: Any) -> str:
    data = whitelist().to_dict() | over
    return encode_transaction_data({k: v for k, v in data.items() if v is not None})


@pytest.mark.parametrize(
    ("over", "fragment"),
    [
        ({"identity_registry": REGISTRY.lower()}, "checksum"),
        ({"token": TOKEN.upper().replace("0X", "0x")}, "checksum"),
        ({"token": "0x1234"}, "40 hexadecimal"),
        ({"chain_id": "1"}, "CAIP-2"),
        ({"chain_id": "eip155:01"}, "CAIP-2"),
        ({"chain_id": "cosmos:cosmoshub-4"}, "CAIP-2"),
        ({"chain_id": 1}, "must be a string"),
        ({"token_name": "Bad\u0000Name"}, "control"),
        ({"token_name": ""}, "token_name"),
        ({"token_name": None}, "must be a string"),
        ({"amount": 5}, "unknown"),
    ],
)
def test_whitelist_entry_strict_parse_refuses(over: dict[str, Any], fragment: str) -> None:
    with pytest.raises(InvalidTransactionData, match=fragment):
        Erc3643Whitelist.parse(_raw(**over))


def test_whitelist_parse_refuses_other_type() -> None:
    raw = encode_transaction_data({"type": "payment", "credential_ids": ["kyc"]})
    with pytest.raises(InvalidTransactionData, match="is not 'erc3643_whitelist'"):
        Erc3643Whitelist.parse(raw)


def test_malleable_high_s_twin_of_a_valid_signature_refused() -> None:
    """EIP-2: the (r, n - s) twin recovers the same key; we accept only low s."""
    from eth_account import Account as _Account

    from ssi.address_binding import SignerMismatch
    from ssi.address_binding.eth import personal_sign, recover_signer

    account = _Account.from_key(bytes.fromhex("55" * 32))
    signature = bytes.fromhex(personal_sign("hello", account.key)[2:])
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    s = int.from_bytes(signature[32:64], "big")
    twin = signature[:32] + (n - s).to_bytes(32, "big") + bytes([55 - signature[64]])
    assert recover_signer("hello", "0x" + signature.hex()) == account.address
    with pytest.raises(SignerMismatch, match="out of range"):
        recover_signer("hello", "0x" + twin.hex())


def test_signature_with_v_other_than_27_or_28_refused() -> None:
    from eth_account import Account as _Account

    from ssi.address_binding import SignerMismatch
    from ssi.address_binding.eth import personal_sign, recover_signer

    account = _Account.from_key(bytes.fromhex("56" * 32))
    signature = bytes.fromhex(personal_sign("hello", account.key)[2:])
    with pytest.raises(SignerMismatch, match="out of range"):
        recover_signer("hello", "0x" + (signature[:64] + bytes([signature[64] - 27])).hex())


def test_no_white_space_above_the_last_space() -> None:
    """The token name schema's blank class walks only up to LAST_SPACE (issue 22)."""
    import sys

    from ssi.address_binding.whitelist import LAST_SPACE

    assert chr(LAST_SPACE).isspace()
    assert not any(chr(cp).isspace() for cp in range(LAST_SPACE + 1, sys.maxunicode + 1))
