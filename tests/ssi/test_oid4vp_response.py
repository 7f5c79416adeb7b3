"""OpenID4VP 1.0 §8: vp_token, direct_post, direct_post.jwt (JWE), transaction data."""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import Path
from typing import Any

import pytest
from jwcrypto import jwe as jwcrypto_jwe
from jwcrypto import jwk as jwcrypto_jwk

from ssi.dcql import DcqlQuery
from ssi.encoding import b64url_decode, b64url_encode, json_dumps
from ssi.errors import ClaimMismatch, InvalidRequest, InvalidTransactionData, MalformedInput
from ssi.jose import Key
from ssi.oid4vp import (
    AddressProof,
    AuthorizationErrorResponse,
    AuthorizationResponse,
    ClientMetadata,
    DecryptionFailed,
    InvalidEncryptedResponse,
    check_transaction_data,
    check_transaction_data_hashes,
    check_vp_token_ids,
    decode_transaction_data,
    decrypt_response,
    encode_transaction_data,
    encrypt_response,
    ephemeral_encryption_key,
    kb_jwt_transaction_claims,
    parse_direct_post,
    parse_direct_post_jwt,
    transaction_data_hash,
)

VECTORS = Path(__file__).parents[1] / "vectors" / "oid4vp"
SD_JWT = (
    "eyJhbGciOiJFUzI1NiJ9.eyJ2Y3QiOiJ4In0.c2ln~WyJzIiwibiIsInYiXQ~eyJhbGciOiJFUzI1NiJ9.e30.c2ln"
)


def response(**over: Any) -> AuthorizationResponse:
    data: dict[str, Any] = {"vp_token": {"kyc": [SD_JWT]}, "state": "st-1"}
    data.update(over)
    return AuthorizationResponse(**data)


def verifier_keys(kid: str = "k1") -> tuple[Key, ClientMetadata]:
    key = Key.generate("ES256")
    jwk = key.public_jwk() | {"kid": kid, "use": "enc", "alg": "ECDH-ES"}
    metadata = ClientMetadata(
        jwks={"keys": [jwk]}, encrypted_response_enc_values_supported=("A128GCM", "A256GCM")
    )
    return key, metadata


# --- direct_post (§8.2) -------------------------------------------------------------


def test_direct_post_round_trip_with_address_proof() -> None:
    original = response(address_proof=AddressProof("msg", "0x" + "ab" * 65))
    form = original.to_form()
    assert json.loads(form["vp_token"]) == {"kyc": [SD_JWT]}
    assert parse_direct_post(form) == original


def test_direct_post_parses_url_encoded_body() -> None:
    body = "vp_token=%7B%22kyc%22%3A%5B%22abc%22%5D%7D&state=st-1&future=ignored"
    parsed = parse_direct_post(body)
    assert isinstance(parsed, AuthorizationResponse)
    assert parsed.vp_token == {"kyc": ["abc"]}


def test_direct_post_error_response() -> None:
    parsed = parse_direct_post("error=access_denied&error_description=no&state=st-1")
    assert parsed == AuthorizationErrorResponse("access_denied", "no", "st-1")


def test_direct_post_refuses_duplicate_vp_token() -> None:
    with pytest.raises(MalformedInput, match="twice"):
        parse_direct_post("vp_token=%7B%7D&vp_token=%7B%7D")


def test_direct_post_refuses_array_vp_token() -> None:
    """§8.1: vp_token is a JSON object keyed by credential query id."""
    with pytest.raises(MalformedInput, match="object"):
        parse_direct_post("vp_token=%5B%22abc%22%5D")


def test_direct_post_refuses_empty_presentation_array() -> None:
    with pytest.raises(InvalidRequest, match="non-empty array"):
        parse_direct_post({"vp_token": '{"kyc": []}'})


def test_direct_post_refuses_missing_vp_token() -> None:
    with pytest.raises(InvalidRequest, match="no vp_token"):
        parse_direct_post("state=st-1")


def test_direct_post_refuses_encrypted_response() -> None:
    with pytest.raises(InvalidRequest, match="encrypted"):
        parse_direct_post("response=abc")


def test_direct_post_refuses_malformed_address_proof() -> None:
    with pytest.raises(InvalidRequest, match="address_proof"):
        parse_direct_post({"vp_token": '{"kyc": ["x"]}', "address_proof": '{"message": 1}'})


def test_vp_token_ids_checked_against_query() -> None:
    query = DcqlQuery.from_dict(
        {"credentials": [{"id": "kyc", "format": "dc+sd-jwt", "meta": {"vct_values": ["v"]}}]}
    )
    check_vp_token_ids({"kyc": ["a"]}, query)
    with pytest.raises(InvalidRequest, match="not requested"):
        check_vp_token_ids({"other": ["a"]}, query)
    with pytest.raises(InvalidRequest, match="one presentation"):
        check_vp_token_ids({"kyc": ["a", "b"]}, query)


# --- direct_post.jwt (§8.3, HAIP 1.0 §5) ------------------------------------------------


def test_8_3_example_response_decrypts() -> None:
    """§8.3: the spec's encrypted response decrypts with the key it gives."""
    vector = json.loads((VECTORS / "encrypted_response_section_8_3.jwe.json").read_text())
    jwk = {k: v for k, v in vector["private_jwk"].items() if k not in ("kid", "use", "alg")}
    key = Key.from_jwk(jwk, private=True)
    decrypted = decrypt_response(
        vector["response"],
        key,
        kid=vector["private_jwk"]["kid"],
        enc_values=vector["encrypted_response_enc_values_supported"],
    )
    assert decrypted.to_payload() == vector["payload"]


def test_encrypted_round_trip() -> None:
    key, metadata = verifier_keys()
    original = response(address_proof=AddressProof("m", "s"))
    token = encrypt_response(original, metadata)
    parsed = parse_direct_post_jwt(
        {"response": token}, key, kid="k1", enc_values=metadata.enc_values
    )
    assert parsed == original


def _protected(token: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(b64url_decode(token.split(".")[0]))
    return header


def test_encryption_uses_offered_enc_and_kid() -> None:
    _key, metadata = verifier_keys("enc-key-7")
    header = _protected(encrypt_response(response(), metadata))
    assert header["alg"] == "ECDH-ES"
    assert header["enc"] == "A256GCM"
    assert header["kid"] == "enc-key-7"
    only128 = ClientMetadata(jwks=metadata.jwks, encrypted_response_enc_values_supported=None)
    assert _protected(encrypt_response(response(), only128))["enc"] == "A128GCM"


def test_encryption_refuses_when_no_offered_enc_is_supported() -> None:
    _key, metadata = verifier_keys()
    cbc = ClientMetadata(
        jwks=metadata.jwks, encrypted_response_enc_values_supported=("A128CBC-HS256",)
    )
    with pytest.raises(InvalidRequest, match="enc"):
        encrypt_response(response(), cbc)


def _jwe(header: dict[str, Any], recipient: jwcrypto_jwk.JWK, payload: bytes = b"{}") -> str:
    token = jwcrypto_jwe.JWE(payload, protected=json_dumps(header))
    token.add_recipient(recipient)
    return str(token.serialize(compact=True))


def _pub(key: Key) -> jwcrypto_jwk.JWK:
    return jwcrypto_jwk.JWK(**key.public_jwk())


def test_decrypt_refuses_pbes2() -> None:
    """jwcrypto CVE-2024-28102 class: PBES2 (a huge p2c) is never processed."""
    key, _ = verifier_keys()
    password = jwcrypto_jwk.JWK(kty="oct", k=b64url_encode(b"password"))
    token = _jwe(
        {"alg": "PBES2-HS256+A128KW", "enc": "A128GCM", "kid": "k1", "p2c": 1000}, password
    )
    with pytest.raises(InvalidEncryptedResponse, match="PBES2"):
        decrypt_response(token, key, kid="k1", enc_values=["A128GCM"])


def test_decrypt_refuses_zip() -> None:
    """CVE-2024-28102: a ``zip: DEF`` payload could be a decompression bomb."""
    key, _ = verifier_keys()
    header = {"alg": "ECDH-ES", "enc": "A128GCM", "kid": "k1", "zip": "DEF"}
    token = _jwe(header, _pub(key), zlib.compress(b"{}"))
    with pytest.raises(InvalidEncryptedResponse, match="'zip'"):
        decrypt_response(token, key, kid="k1", enc_values=["A128GCM"])


def test_decrypt_refuses_rsa() -> None:
    key, _ = verifier_keys()
    rsa = jwcrypto_jwk.JWK.generate(kty="RSA", size=2048)
    token = _jwe({"alg": "RSA-OAEP-256", "enc": "A128GCM", "kid": "k1"}, rsa)
    with pytest.raises(InvalidEncryptedResponse, match="RSA-OAEP-256"):
        decrypt_response(token, key, kid="k1", enc_values=["A128GCM"])


def test_decrypt_refuses_dir() -> None:
    key, _ = verifier_keys()
    secret = jwcrypto_jwk.JWK(kty="oct", k=b64url_encode(bytes(16)))
    token = _jwe({"alg": "dir", "enc": "A128GCM", "kid": "k1"}, secret)
    with pytest.raises(InvalidEncryptedResponse, match="'dir'"):
        decrypt_response(token, key, kid="k1", enc_values=["A128GCM"])


def test_decrypt_refuses_ecdh_es_key_wrap() -> None:
    key, _ = verifier_keys()
    token = _jwe({"alg": "ECDH-ES+A128KW", "enc": "A128GCM", "kid": "k1"}, _pub(key))
    with pytest.raises(InvalidEncryptedResponse, match="ECDH-ES\\+A128KW"):
        decrypt_response(token, key, kid="k1", enc_values=["A128GCM"])


def test_decrypt_refuses_enc_not_offered() -> None:
    key, _ = verifier_keys()
    token = _jwe({"alg": "ECDH-ES", "enc": "A128CBC-HS256", "kid": "k1"}, _pub(key))
    with pytest.raises(InvalidEncryptedResponse, match="not offered"):
        decrypt_response(token, key, kid="k1", enc_values=["A128GCM", "A256GCM"])
    token = _jwe({"alg": "ECDH-ES", "enc": "A256GCM", "kid": "k1"}, _pub(key))
    with pytest.raises(InvalidEncryptedResponse, match="not offered"):
        decrypt_response(token, key, kid="k1", enc_values=["A128GCM"])


def test_decrypt_refuses_other_kid() -> None:
    key, _ = verifier_keys()
    token = _jwe({"alg": "ECDH-ES", "enc": "A128GCM", "kid": "other"}, _pub(key))
    with pytest.raises(InvalidEncryptedResponse, match="kid"):
        decrypt_response(token, key, kid="k1", enc_values=["A128GCM"])


def test_decrypt_refuses_oversize_before_parsing() -> None:
    key, _ = verifier_keys()
    with pytest.raises(InvalidEncryptedResponse, match="larger"):
        decrypt_response("a" * 1_000_001, key, kid="k1", enc_values=["A128GCM"])


def test_decrypt_refuses_a_jws() -> None:
    key, _ = verifier_keys()
    with pytest.raises(InvalidEncryptedResponse, match="five parts"):
        decrypt_response("eyJhbGciOiJFUzI1NiJ9.e30.c2ln", key, kid="k1", enc_values=["A128GCM"])


def test_decrypt_refuses_duplicate_header_member() -> None:
    key, _ = verifier_keys()
    header = b64url_encode(b'{"alg":"ECDH-ES","alg":"none","enc":"A128GCM","kid":"k1"}')
    with pytest.raises(InvalidEncryptedResponse, match="duplicate"):
        decrypt_response(f"{header}..AAAA.AAAA.AAAA", key, kid="k1", enc_values=["A128GCM"])


def test_decrypt_with_another_key_fails() -> None:
    key, metadata = verifier_keys()
    other, _ = verifier_keys()
    token = encrypt_response(response(), metadata)
    with pytest.raises(DecryptionFailed):
        decrypt_response(token, other, kid="k1", enc_values=metadata.enc_values)


def test_decrypt_refuses_tampered_ciphertext() -> None:
    key, metadata = verifier_keys()
    parts = encrypt_response(response(), metadata).split(".")
    parts[3] = ("B" if parts[3][0] == "A" else "A") + parts[3][1:]
    with pytest.raises(DecryptionFailed):
        decrypt_response(".".join(parts), key, kid="k1", enc_values=metadata.enc_values)


def test_direct_post_jwt_refuses_plain_vp_token() -> None:
    key, metadata = verifier_keys()
    with pytest.raises(InvalidRequest, match="no 'response'"):
        parse_direct_post_jwt({"vp_token": "{}"}, key, kid="k1", enc_values=metadata.enc_values)


def test_direct_post_jwt_accepts_unencrypted_error() -> None:
    """§8.3.1: a wallet unable to encrypt MAY send an unencrypted error response."""
    key, metadata = verifier_keys()
    parsed = parse_direct_post_jwt(
        "error=access_denied&state=s", key, kid="k1", enc_values=metadata.enc_values
    )
    assert parsed == AuthorizationErrorResponse("access_denied", None, "s")


# --- transaction data (§8.4, B.3.3) ------------------------------------------------------


def test_transaction_data_round_trip_and_hash_of_string_as_received() -> None:
    """B.3.3.1: the hash is over the base64url string, not the decoded JSON."""
    raw = encode_transaction_data({"type": "t", "credential_ids": ["kyc"], "x": 1})
    entry = decode_transaction_data(raw)
    assert (entry.type, entry.credential_ids, entry.data["x"]) == ("t", ("kyc",), 1)
    assert transaction_data_hash(raw) == b64url_encode(hashlib.sha256(raw.encode()).digest())
    claims = kb_jwt_transaction_claims([raw])
    assert claims == {
        "transaction_data_hashes": [transaction_data_hash(raw)],
        "transaction_data_hashes_alg": "sha-256",
    }
    check_transaction_data_hashes(claims, [raw])


def test_wallet_refuses_unknown_transaction_data_type() -> None:
    """§5.1: the wallet MUST refuse a request with an unrecognized type."""
    raw = encode_transaction_data({"type": "payment", "credential_ids": ["kyc"]})
    with pytest.raises(InvalidTransactionData) as err:
        check_transaction_data([raw], {"erc3643_whitelist": lambda e: e}, {"kyc": True})
    assert err.value.error == "invalid_transaction_data"


def test_wallet_refuses_transaction_data_without_holder_binding() -> None:
    """B.3.3: transaction data needs a credential query with holder binding."""
    raw = encode_transaction_data({"type": "t", "credential_ids": ["kyc"]})
    with pytest.raises(InvalidTransactionData, match="holder binding"):
        check_transaction_data([raw], {"t": lambda e: e}, {"kyc": False})


def test_wallet_refuses_transaction_data_unknown_credential_id() -> None:
    raw = encode_transaction_data({"type": "t", "credential_ids": ["other"]})
    with pytest.raises(InvalidTransactionData, match="unknown query"):
        check_transaction_data([raw], {"t": lambda e: e}, {"kyc": True})


def test_wallet_refuses_unsupported_hash_alg() -> None:
    raw = encode_transaction_data(
        {"type": "t", "credential_ids": ["kyc"], "transaction_data_hashes_alg": ["sha-512"]}
    )
    with pytest.raises(InvalidTransactionData, match="sha-256"):
        check_transaction_data([raw], {"t": lambda e: e}, {"kyc": True})


@pytest.mark.parametrize(
    "raw",
    [
        b64url_encode(b"[1]"),
        b64url_encode(b'{"credential_ids":["a"]}'),
        b64url_encode(b'{"type":"t","credential_ids":[]}'),
        b64url_encode(b'{"type":"t","credential_ids":["a"],"type":"u"}'),
        "not base64!",
    ],
)
def test_transaction_data_malformed_entries_refused(raw: str) -> None:
    with pytest.raises(InvalidTransactionData):
        decode_transaction_data(raw)


def test_verifier_refuses_transaction_data_hash_mismatch() -> None:
    raw = encode_transaction_data({"type": "t", "credential_ids": ["kyc"]})
    other = encode_transaction_data({"type": "t", "credential_ids": ["kyc"], "x": 2})
    with pytest.raises(ClaimMismatch, match="do not match"):
        check_transaction_data_hashes(kb_jwt_transaction_claims([other]), [raw])
    with pytest.raises(ClaimMismatch, match="no 'transaction_data_hashes'"):
        check_transaction_data_hashes({}, [raw])


def test_vp_token_sd_jwt_presentation_must_be_a_string() -> None:
    """B.3.5: a dc+sd-jwt presentation is a string, not an object."""
    query = DcqlQuery.from_dict(
        {"credentials": [{"id": "kyc", "format": "dc+sd-jwt", "meta": {"vct_values": ["v"]}}]}
    )
    with pytest.raises(InvalidRequest, match="string"):
        check_vp_token_ids({"kyc": [{"proof": "x"}]}, query)


def test_ephemeral_key_metadata_offers_both_gcm_values() -> None:
    """HAIP 1.0 §5: ephemeral per-request keys; verifiers list A128GCM and A256GCM."""
    key, jwk = ephemeral_encryption_key("req-1")
    metadata = ClientMetadata.for_encrypted_response(jwk, {"dc+sd-jwt": {}})
    assert metadata.enc_values == ("A128GCM", "A256GCM")
    assert metadata.encryption_jwk() == jwk
    assert "d" not in jwk
    token = encrypt_response(response(), metadata)
    assert decrypt_response(token, key, kid="req-1", enc_values=metadata.enc_values) == response()
