"""The whole presentation exchange of ARCHITECTURE.md, message by message, without HTTP.

Verifier: request with DCQL, an ``erc3643_whitelist`` transaction data entry,
``direct_post.jwt`` with an ephemeral key, signed with an ``x509_hash`` client
id. Wallet: parses the link, verifies the request object, checks the
transaction data, matches DCQL, presents an SD-JWT VC with a KB-JWT naming the
address, signs the EIP-4361 proof, encrypts. Verifier: decrypts, verifies the
SD-JWT+KB (``ssi.sdjwt``), checks the query and the address binding.
"""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from eth_account import Account

from ssi.address_binding import (
    ERC3643_WHITELIST,
    WHITELIST_ADDRESS_CLAIM,
    AddressMismatch,
    Erc3643Whitelist,
    build_address_proof,
    verify_address_binding,
)
from ssi.dcql import CandidateCredential, DcqlQuery, check_response, match
from ssi.jose import Key
from ssi.oid4vp import (
    AuthorizationRequest,
    AuthorizationResponse,
    RequestReference,
    WalletPost,
    WalletTrust,
    build_request_link,
    check_transaction_data,
    encrypt_response,
    kb_jwt_transaction_claims,
    parse_direct_post_jwt,
    parse_request_link,
    sign_request_object,
    verify_request_object,
)
from ssi.sdjwt import SD, HeldSDJWT, KeyBinding, issue
from ssi.sdjwt import verify as verify_sd_jwt
from ssi.x509 import issue_leaf, make_ca, to_x5c, x509_hash

NOW = 1_800_000_000
VCT = "https://kyc.example/credentials/kyc"
CA_KEY, CA = make_ca("Demo Root", now=NOW)
VERIFIER_KEY = Key.generate("ES256")
VERIFIER_CERT = issue_leaf(CA_KEY, CA, VERIFIER_KEY, ["verifier.example.org"], now=NOW)
CLIENT_ID = "x509_hash:" + x509_hash(VERIFIER_CERT.public_bytes(Encoding.DER))
ISSUER_KEY = Key.generate("ES256")
HOLDER_KEY = Key.generate("ES256")
INVESTOR = Account.from_key(bytes.fromhex("77" * 32))
REGISTRY = Account.from_key(bytes.fromhex("88" * 32)).address
TOKEN = Account.from_key(bytes.fromhex("99" * 32)).address


def issued_credential() -> str:
    claims = {
        "iss": "https://issuer.example",
        "vct": VCT,
        SD("kyc_level"): 2,
        SD("age_over_18"): True,
        SD("family_name"): "Doe",
        SD("country_of_residence"): "DE",
    }
    issued = issue(claims, ISSUER_KEY, typ="dc+sd-jwt", cnf={"jwk": HOLDER_KEY.public_jwk()})
    return issued.compact()


def verifier_request(enc_key: Key) -> AuthorizationRequest:
    whitelist = Erc3643Whitelist(("kyc",), "eip155:1", REGISTRY, TOKEN, "Solar Plant 7")
    return AuthorizationRequest.from_dict(
        {
            "client_id": CLIENT_ID,
            "response_type": "vp_token",
            "response_mode": "direct_post.jwt",
            "response_uri": "https://verifier.example.org/response/abc",
            "nonce": "Q7vX2mB9kL4pR8sT",
            "state": "S3ss10n-1",
            "wallet_nonce": "wAlLeT-n0nce",
            "dcql_query": {
                "credentials": [
                    {
                        "id": "kyc",
                        "format": "dc+sd-jwt",
                        "meta": {"vct_values": [VCT]},
                        "claims": [
                            {"path": ["kyc_level"], "values": [2, 3]},
                            {"path": ["age_over_18"], "values": [True]},
                        ],
                    }
                ]
            },
            "client_metadata": {
                "jwks": {
                    "keys": [
                        enc_key.public_jwk() | {"kid": "eph-1", "use": "enc", "alg": "ECDH-ES"}
                    ]
                },
                "encrypted_response_enc_values_supported": ["A128GCM", "A256GCM"],
                "vp_formats_supported": {"dc+sd-jwt": {"kb-jwt_alg_values": ["ES256"]}},
            },
            "transaction_data": [whitelist.encode()],
        }
    )


def wallet_answers(link: str, request_object: str, credential: str, address_key: bytes) -> Any:
    reference = parse_request_link(link)
    assert isinstance(reference, RequestReference) and reference.uses_post
    verified = verify_request_object(
        request_object,
        client_id=reference.client_id,
        trust=WalletTrust(x509_roots=[CA]),
        now=NOW,
        wallet_nonce="wAlLeT-n0nce",
    )
    request = verified.request
    assert request.transaction_data is not None
    check_transaction_data(
        request.transaction_data,
        {ERC3643_WHITELIST: Erc3643Whitelist.parse},
        {q.id: q.requires_holder_binding for q in request.dcql_query.credentials},
    )
    held = HeldSDJWT.receive(credential, lambda header, payload: ISSUER_KEY, typ="dc+sd-jwt")
    candidate = CandidateCredential(
        "dc+sd-jwt", held.claims["vct"], held.claims, holder_binding="cnf" in held.claims, ref=held
    )
    (chosen,) = match(request.dcql_query, [candidate]).selection()["kyc"]
    assert chosen.disclose == (("kyc_level",), ("age_over_18",))
    presentation = held.present(
        chosen.disclose,
        holder_key=HOLDER_KEY,
        audience=verified.client.raw,
        nonce=request.nonce,
        iat=NOW,
        extra_claims=kb_jwt_transaction_claims(request.transaction_data)
        | {WHITELIST_ADDRESS_CLAIM: INVESTOR.address},
    )
    proof = build_address_proof(request, INVESTOR.address, address_key, now=NOW)
    response = AuthorizationResponse({"kyc": [presentation]}, request.state, proof)
    assert request.client_metadata is not None
    return {"response": encrypt_response(response, request.client_metadata)}


def test_presentation_with_address_binding_end_to_end() -> None:
    enc_key = Key.generate("ES256")
    request = verifier_request(enc_key)
    link = build_request_link(
        RequestReference(CLIENT_ID, "https://verifier.example.org/request/abc", "post")
    )
    assert WalletPost.from_form(WalletPost(None, "wAlLeT-n0nce").to_form()).wallet_nonce
    request_object = sign_request_object(
        request, VERIFIER_KEY, now=NOW, x5c=to_x5c([VERIFIER_CERT])
    )
    form = wallet_answers(link, request_object, issued_credential(), INVESTOR.key)

    # the verifier
    response = parse_direct_post_jwt(form, enc_key, kid="eph-1", enc_values=["A128GCM", "A256GCM"])
    assert isinstance(response, AuthorizationResponse)
    assert response.state == request.state and response.address_proof is not None
    (presentation,) = response.vp_token["kyc"]
    verified = verify_sd_jwt(
        presentation,
        lambda header, payload: ISSUER_KEY,
        typ="dc+sd-jwt",
        now=NOW,
        key_binding=KeyBinding(audience=CLIENT_ID, nonce=request.nonce),
    )
    assert "family_name" not in verified.claims
    check_response(
        DcqlQuery.from_dict(request.dcql_query.to_dict()),
        {
            "kyc": [
                CandidateCredential(
                    "dc+sd-jwt",
                    verified.claims["vct"],
                    verified.claims,
                    holder_binding=verified.kb_claims is not None,
                )
            ]
        },
    )
    assert verified.kb_claims is not None
    bound = verify_address_binding(request, verified.kb_claims, response.address_proof, now=NOW)
    assert bound.address == INVESTOR.address
    assert bound.whitelist.identity_registry == REGISTRY


def test_someone_elses_address_proof_is_refused_end_to_end() -> None:
    """The KB-JWT names the investor's address, the proof is signed by another address."""
    enc_key = Key.generate("ES256")
    request = verifier_request(enc_key)
    link = build_request_link(
        RequestReference(CLIENT_ID, "https://verifier.example.org/request/abc", "post")
    )
    request_object = sign_request_object(
        request, VERIFIER_KEY, now=NOW, x5c=to_x5c([VERIFIER_CERT])
    )
    form = wallet_answers(link, request_object, issued_credential(), INVESTOR.key)
    response = parse_direct_post_jwt(form, enc_key, kid="eph-1", enc_values=["A128GCM", "A256GCM"])
    assert isinstance(response, AuthorizationResponse)
    stranger = Account.from_key(bytes.fromhex("66" * 32))
    foreign = build_address_proof(request, stranger.address, stranger.key, now=NOW)
    verified = verify_sd_jwt(
        response.vp_token["kyc"][0],
        lambda header, payload: ISSUER_KEY,
        typ="dc+sd-jwt",
        now=NOW,
        key_binding=KeyBinding(audience=CLIENT_ID, nonce=request.nonce),
    )
    assert verified.kb_claims is not None
    with pytest.raises(AddressMismatch):
        verify_address_binding(request, verified.kb_claims, foreign, now=NOW)
