"""OpenID4VP 1.0 §5: the Authorization Request model, client ids, links, request_uri POST."""

from __future__ import annotations

from typing import Any

import pytest

from ssi.errors import (
    InvalidClientIdentifier,
    InvalidRequest,
    InvalidTransactionData,
    MalformedInput,
)
from ssi.oid4vp import (
    AuthorizationRequest,
    ClientIdentifier,
    InvalidRequestUri,
    InvalidRequestUriMethod,
    RequestReference,
    WalletPost,
    answer_wallet_post,
    build_request_link,
    check_response_uri,
    encode_transaction_data,
    new_nonce,
    new_state,
    parse_request_link,
    spec,
)

RESPONSE_URI = "https://verifier.example.org/response"
DCQL = {
    "credentials": [
        {
            "id": "kyc",
            "format": "dc+sd-jwt",
            "meta": {"vct_values": ["https://kyc.example/kyc"]},
            "claims": [{"path": ["kyc_level"]}],
        }
    ]
}
ENC_JWK = {
    "kty": "EC",
    "crv": "P-256",
    "kid": "k1",
    "use": "enc",
    "alg": "ECDH-ES",
    "x": "YO4epjifD-KWeq1sL2tNmm36BhXnkJ0He-WqMYrp9Fk",
    "y": "Hekpm0zfK7C-YccH5iBjcIXgf6YdUvNUac_0At55Okk",
}


def claims(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "client_id": "x509_san_dns:verifier.example.org",
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": RESPONSE_URI,
        "nonce": "n0S6WzA2Mj",
        "state": "st-1",
        "dcql_query": DCQL,
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not None}


# --- the request model ------------------------------------------------------------


def test_request_round_trip() -> None:
    data = claims(
        response_mode="direct_post.jwt",
        client_metadata={
            "jwks": {"keys": [ENC_JWK]},
            "encrypted_response_enc_values_supported": ["A128GCM", "A256GCM"],
            "vp_formats_supported": {"dc+sd-jwt": {"sd-jwt_alg_values": ["ES256"]}},
        },
        transaction_data=[encode_transaction_data({"type": "t", "credential_ids": ["kyc"]})],
        wallet_nonce="wn-1",
    )
    request = AuthorizationRequest.from_dict(data)
    assert request.to_dict() == data
    assert request.encrypted
    assert request.client_metadata is not None
    assert request.client_metadata.encryption_jwk()["kid"] == "k1"


def test_request_ignores_unknown_parameters_and_iss() -> None:
    """§5: "The Wallet MUST ignore any unrecognized parameters"; ``iss`` is ignored."""
    request = AuthorizationRequest.from_dict(claims(iss="someone", verifier_info=[{"x": 1}]))
    assert "iss" not in request.to_dict()


def test_request_refuses_redirect_uri_with_direct_post() -> None:
    """§8.2: redirect_uri present with direct_post is an invalid_request."""
    with pytest.raises(InvalidRequest, match="redirect_uri"):
        AuthorizationRequest.from_dict(claims(redirect_uri=RESPONSE_URI))


def test_request_refuses_missing_dcql_query() -> None:
    with pytest.raises(InvalidRequest, match="dcql_query"):
        AuthorizationRequest.from_dict(claims(dcql_query=None))


def test_request_refuses_scope() -> None:
    with pytest.raises(InvalidRequest, match="scope"):
        AuthorizationRequest.from_dict(claims(scope="com.example.kyc"))


def test_request_refuses_other_response_type() -> None:
    with pytest.raises(InvalidRequest, match="response_type"):
        AuthorizationRequest.from_dict(claims(response_type="code"))


def test_request_refuses_fragment_response_mode() -> None:
    with pytest.raises(InvalidRequest, match="response_mode"):
        AuthorizationRequest.from_dict(claims(response_mode="fragment"))


def test_request_refuses_missing_response_uri() -> None:
    with pytest.raises(InvalidRequest, match="response_uri"):
        AuthorizationRequest.from_dict(claims(response_uri=None))


@pytest.mark.parametrize("nonce", ["a b", "n+1", "ü", ""])
def test_request_refuses_non_url_safe_nonce(nonce: str) -> None:
    with pytest.raises(InvalidRequest, match="nonce"):
        AuthorizationRequest.from_dict(claims(nonce=nonce))


def test_request_refuses_non_url_safe_state() -> None:
    with pytest.raises(InvalidRequest, match="state"):
        AuthorizationRequest.from_dict(claims(state="a/b"))


def test_request_direct_post_jwt_needs_encryption_key() -> None:
    with pytest.raises(InvalidRequest, match="client_metadata"):
        AuthorizationRequest.from_dict(claims(response_mode="direct_post.jwt"))
    sig_only = {"jwks": {"keys": [ENC_JWK | {"use": "sig"}]}}
    with pytest.raises(InvalidRequest, match="encryption key"):
        AuthorizationRequest.from_dict(
            claims(response_mode="direct_post.jwt", client_metadata=sig_only)
        )


def test_request_refuses_private_key_in_jwks() -> None:
    leaked = {"jwks": {"keys": [ENC_JWK | {"d": "Et-3ce0omz8_TuZ96Df9lp0GAaaDoUnDe6X-CRO7Aww"}]}}
    with pytest.raises(InvalidRequest, match="public keys only"):
        AuthorizationRequest.from_dict(claims(client_metadata=leaked))


def test_request_refuses_jwks_key_without_kid() -> None:
    no_kid = {k: v for k, v in ENC_JWK.items() if k != "kid"}
    with pytest.raises(InvalidRequest, match="kid"):
        AuthorizationRequest.from_dict(claims(client_metadata={"jwks": {"keys": [no_kid]}}))


def test_request_refuses_transaction_data_for_unknown_query() -> None:
    entry = encode_transaction_data({"type": "t", "credential_ids": ["nope"]})
    with pytest.raises(InvalidTransactionData, match="unknown queries"):
        AuthorizationRequest.from_dict(claims(transaction_data=[entry]))


def test_request_refuses_empty_transaction_data() -> None:
    with pytest.raises(InvalidTransactionData, match="non-empty"):
        AuthorizationRequest.from_dict(claims(transaction_data=[]))


def test_request_needs_state_without_holder_binding() -> None:
    """§5.3: state is REQUIRED when a presentation without holder binding is requested."""
    nkb = {
        "credentials": [DCQL["credentials"][0] | {"require_cryptographic_holder_binding": False}]
    }
    with pytest.raises(InvalidRequest, match="state is required"):
        AuthorizationRequest.from_dict(claims(state=None, dcql_query=nkb))


# --- client identifiers (§5.9) --------------------------------------------------------


def test_client_id_prefixes_parse() -> None:
    assert ClientIdentifier.parse("x509_san_dns:a.example").value == "a.example"
    assert ClientIdentifier.parse("redirect_uri:https://a.example/cb").prefix == "redirect_uri"
    did = ClientIdentifier.parse("decentralized_identifier:did:web:a.example")
    assert did.value == "did:web:a.example"
    assert did.raw == "decentralized_identifier:did:web:a.example"


def test_client_id_refuses_pre_registered() -> None:
    """§5.9.2: no colon means pre-registered; ``ssi`` wallets have no registry."""
    with pytest.raises(InvalidClientIdentifier, match="pre-registered"):
        ClientIdentifier.parse("example-client")


@pytest.mark.parametrize("prefix", ["openid_federation", "verifier_attestation", "origin"])
def test_client_id_refuses_unsupported_prefixes(prefix: str) -> None:
    with pytest.raises(InvalidClientIdentifier, match="not supported"):
        ClientIdentifier.parse(f"{prefix}:https://a.example")


def test_client_id_refuses_bad_x509_hash() -> None:
    with pytest.raises(InvalidClientIdentifier, match="32 bytes"):
        ClientIdentifier.parse("x509_hash:AAAA")


def test_client_id_refuses_bad_dns_name() -> None:
    with pytest.raises(InvalidClientIdentifier, match="DNS name"):
        ClientIdentifier.parse("x509_san_dns:https://a.example")


def test_response_uri_must_match_x509_san_dns() -> None:
    client = ClientIdentifier.parse("x509_san_dns:verifier.example.org")
    check_response_uri(client, RESPONSE_URI)
    with pytest.raises(InvalidClientIdentifier, match="not the client's DNS name"):
        check_response_uri(client, "https://attacker.example/response")


def test_response_uri_must_equal_redirect_uri_client_id() -> None:
    client = ClientIdentifier.parse("redirect_uri:" + RESPONSE_URI)
    check_response_uri(client, RESPONSE_URI)
    with pytest.raises(InvalidClientIdentifier, match="must equal"):
        check_response_uri(client, RESPONSE_URI + "/other")


def test_response_uri_must_be_in_x509_hash_leaf_sans() -> None:
    client = ClientIdentifier.parse("x509_hash:" + "A" * 42 + "E")
    check_response_uri(client, RESPONSE_URI, ("verifier.example.org",))
    with pytest.raises(InvalidClientIdentifier, match="certificate"):
        check_response_uri(client, RESPONSE_URI, ("other.example",))


def test_response_uri_must_be_did_web_host() -> None:
    client = ClientIdentifier.parse("decentralized_identifier:did:web:127.0.0.1%3A5003")
    check_response_uri(client, "http://127.0.0.1:5003/response")
    with pytest.raises(InvalidClientIdentifier, match="host"):
        check_response_uri(client, "http://127.0.0.1:6666/response")


# --- links and request_uri (§5.10, §13.1.2) ------------------------------------------------


def test_link_round_trip_openid4vp_scheme() -> None:
    ref = RequestReference("x509_hash:" + "A" * 42 + "E", "https://v.example/r/1", "post")
    link = build_request_link(ref)
    assert link.startswith("openid4vp://?client_id=x509_hash%3A")
    assert parse_request_link(link) == ref


def test_link_round_trip_https_wallet_base() -> None:
    ref = RequestReference("x509_san_dns:v.example", "https://v.example/r/1")
    link = build_request_link(ref, "http://127.0.0.1:5002/authorize")
    assert link.startswith("http://127.0.0.1:5002/authorize?client_id=")
    assert parse_request_link(link) == ref


def test_link_with_unsigned_request_by_value() -> None:
    request = AuthorizationRequest.from_dict(claims(client_id="redirect_uri:" + RESPONSE_URI))
    parsed = parse_request_link(build_request_link(request))
    assert parsed == request


def test_link_refuses_duplicate_parameter() -> None:
    with pytest.raises(MalformedInput, match="twice"):
        parse_request_link(
            "openid4vp://?client_id=x509_san_dns%3Aa.example&request_uri=https%3A%2F%2Fa.example"
            "&request_uri=https%3A%2F%2Fevil.example"
        )


def test_link_refuses_bad_request_uri_method() -> None:
    """§8.5: a method other than get/post is ``invalid_request_uri_method``."""
    with pytest.raises(InvalidRequestUriMethod) as err:
        parse_request_link(
            "openid4vp://?client_id=x509_san_dns%3Aa.example&request_uri=https%3A%2F%2Fa.example"
            "&request_uri_method=POST"
        )
    assert err.value.error == spec.ERROR_INVALID_REQUEST_URI_METHOD


def test_link_refuses_request_uri_method_without_request_uri() -> None:
    with pytest.raises(InvalidRequestUriMethod, match="without request_uri"):
        parse_request_link("openid4vp://?client_id=x509_san_dns%3Aa.example&request_uri_method=get")


def test_link_refuses_non_http_request_uri() -> None:
    with pytest.raises(InvalidRequestUri) as err:
        parse_request_link(
            "openid4vp://?client_id=x509_san_dns%3Aa.example&request_uri=file%3A%2F%2Fx"
        )
    assert err.value.error == "invalid_request_uri"


def test_link_refuses_request_by_value_jwt() -> None:
    with pytest.raises(InvalidRequest, match="by value"):
        parse_request_link("openid4vp://?client_id=x509_san_dns%3Aa.example&request=eyJ")


def test_wallet_post_body_round_trip() -> None:
    """§5.10: ``wallet_metadata`` (JSON string) and ``wallet_nonce``."""
    body = WalletPost({"vp_formats_supported": {"dc+sd-jwt": {}}}, "qPmxiNFCR3QTm19POc8u")
    form = body.to_form()
    assert form["wallet_nonce"] == "qPmxiNFCR3QTm19POc8u"
    assert WalletPost.from_form(form) == body
    assert WalletPost.from_form("wallet_nonce=abc&future=1") == WalletPost(None, "abc")


def test_wallet_post_refuses_duplicate_wallet_nonce() -> None:
    with pytest.raises(MalformedInput, match="twice"):
        WalletPost.from_form("wallet_nonce=a&wallet_nonce=b")


def test_wallet_post_refuses_non_object_metadata() -> None:
    with pytest.raises(MalformedInput, match="object"):
        WalletPost.from_form("wallet_metadata=%5B1%5D")


class MultiDict(dict[str, str]):
    """The shape of a web framework's multi-valued form (``getlist``)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        super().__init__(pairs)
        self._pairs = pairs

    def getlist(self, name: str) -> list[str]:
        return [v for k, v in self._pairs if k == name]


def test_wallet_post_refuses_duplicate_in_multi_valued_form() -> None:
    """A framework's form object keeps both values: the duplicate is still seen."""
    with pytest.raises(MalformedInput, match="twice"):
        WalletPost.from_form(MultiDict([("wallet_nonce", "a"), ("wallet_nonce", "b")]))


def test_verifier_echoes_wallet_nonce_into_the_request() -> None:
    """§5.10: the verifier MUST use the POSTed wallet_nonce in the Request Object."""
    answered = answer_wallet_post(AuthorizationRequest.from_dict(claims()), WalletPost(None, "w1"))
    assert answered.to_dict()["wallet_nonce"] == "w1"


def test_redirect_uri_prefix_may_omit_response_uri() -> None:
    """§5.9.3: with ``redirect_uri:`` the verifier MAY omit the response URI."""
    request = AuthorizationRequest.from_dict(
        claims(client_id="redirect_uri:" + RESPONSE_URI, response_uri=None)
    )
    assert request.response_uri == RESPONSE_URI


def test_new_nonce_suits_openid4vp_and_eip_4361() -> None:
    """128 bits, base62: URL-safe (§5.2) and alphanumeric >= 8 (EIP-4361)."""
    nonce = new_nonce()
    assert len(nonce) == 22 and nonce.isalnum() and nonce.isascii()
    assert new_nonce() != nonce
    assert new_state(random_bytes=lambda n: bytes(n)) == "0" * 22
    # 2**128 - 1 in GMP's base62
    assert new_nonce(random_bytes=lambda n: b"\xff" * n) == "7n42DGM5Tflk9n8mt7Fhc7"


def test_new_nonce_refuses_less_than_128_bits() -> None:
    with pytest.raises(ValueError, match="128 bits"):
        new_nonce(64)
