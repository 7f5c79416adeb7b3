"""OpenID4VCI 1.0 messages: what each model refuses, one named test per rule."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from ssi.errors import (
    DuplicateMember,
    InvalidCredentialRequest,
    InvalidProof,
    InvalidRequest,
    MalformedInput,
    SSIError,
    UnknownCredentialConfiguration,
)
from ssi.oid4vci import (
    ERROR_CLASSES,
    AuthorizationServerMetadata,
    CredentialIssuerMetadata,
    CredentialOffer,
    CredentialRequest,
    CredentialResponse,
    InvalidEncryptionParameters,
    MetadataIssuerMismatch,
    NonceResponse,
    PreAuthorizedCodeGrant,
    TokenRequest,
    TokenResponse,
    TxCode,
    UnsupportedGrantType,
    authorization_server_metadata_url,
    build_offer_link,
    credential_issuer_metadata_url,
    error_from_response,
    parse_offer_link,
    spec,
)

ISSUER = "https://issuer.example"


def offer_dict(**changes: Any) -> dict[str, Any]:
    offer: dict[str, Any] = {
        "credential_issuer": ISSUER,
        "credential_configuration_ids": ["kyc"],
        "grants": {
            spec.GRANT_PRE_AUTHORIZED_CODE: {
                "pre-authorized_code": "code-1",
                "tx_code": {"input_mode": "numeric", "length": 6},
            }
        },
    }
    return offer | changes


def metadata_dict(**changes: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {
        "credential_issuer": ISSUER,
        "credential_endpoint": ISSUER + "/credential",
        "nonce_endpoint": ISSUER + "/nonce",
        "credential_configurations_supported": {"kyc": configuration_dict()},
    }
    return metadata | changes


def configuration_dict(**changes: Any) -> dict[str, Any]:
    configuration: dict[str, Any] = {
        "format": "dc+sd-jwt",
        "vct": "https://issuer.example/kyc",
        "cryptographic_binding_methods_supported": ["jwk"],
        "credential_signing_alg_values_supported": ["ES256"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": ["ES256"]}},
    }
    return {k: v for k, v in (configuration | changes).items() if v is not None}


# --- Credential Offer (§4.1) --------------------------------------------------


def test_offer_round_trip_keeps_unknown_members() -> None:
    """§4.1.1: the wallet ignores unknown parameters; we keep them as received."""
    data = offer_dict(future_param={"x": 1})
    data["grants"]["urn:example:grant"] = {"a": "b"}
    offer = CredentialOffer.from_dict(data)
    assert offer.to_dict() == data
    assert CredentialOffer.from_json(offer.to_json()) == offer


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"credential_issuer": None}, "'credential_issuer' must be a non-empty string"),
        ({"credential_configuration_ids": []}, "non-empty array of strings"),
        ({"credential_configuration_ids": ["a", 3]}, "non-empty array of strings"),
        ({"credential_configuration_ids": "kyc"}, "non-empty array of strings"),
        ({"credential_configuration_ids": ["a", "a"]}, "must not repeat"),
        ({"grants": []}, "'grants' must be a JSON object"),
        ({"grants": {"urn:example:grant": "x"}}, "must be a JSON object"),
    ],
)
def test_offer_malformed_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedInput, match=message):
        CredentialOffer.from_dict(offer_dict(**changes))


def test_offer_missing_issuer_refused() -> None:
    data = offer_dict()
    del data["credential_issuer"]
    with pytest.raises(MalformedInput, match="'credential_issuer' is required"):
        CredentialOffer.from_dict(data)


def test_pre_authorized_grant_without_code_refused() -> None:
    with pytest.raises(MalformedInput, match="'pre-authorized_code' is required"):
        PreAuthorizedCodeGrant.from_dict({"tx_code": {}})


@pytest.mark.parametrize(
    ("tx_code", "message"),
    [
        ({"input_mode": "alphanumeric"}, "'numeric' or 'text'"),
        ({"length": 0}, "'length' must be an integer"),
        ({"length": "6"}, "'length' must be an integer"),
        ({"length": True}, "'length' must be an integer"),
        ({"description": "x" * 301}, "exceeds 300"),
        ("123456", "must be a JSON object"),
    ],
)
def test_tx_code_malformed_refused(tx_code: object, message: str) -> None:
    """§4.1.1: ``input_mode`` numeric|text, ``length`` an integer, ``description`` ≤ 300."""
    with pytest.raises(MalformedInput, match=message):
        TxCode.from_dict(tx_code)


def test_tx_code_description_of_300_accepted() -> None:
    assert TxCode.from_dict({"description": "x" * 300}).description == "x" * 300


def test_offer_link_with_both_parameters_refused() -> None:
    """§4.1: ``credential_offer`` MUST NOT be present with ``credential_offer_uri``."""
    by_value = build_offer_link(CredentialOffer.from_dict(offer_dict()))
    both = by_value + "&credential_offer_uri=https%3A%2F%2Fissuer.example%2Fo%2F1"
    with pytest.raises(MalformedInput, match="exactly one"):
        parse_offer_link(both)


def test_offer_link_with_neither_parameter_refused() -> None:
    with pytest.raises(MalformedInput, match="exactly one"):
        parse_offer_link("openid-credential-offer://?foo=bar")


def test_offer_link_with_a_repeated_parameter_refused() -> None:
    uri = "https%3A%2F%2Fissuer.example%2Fo%2F1"
    with pytest.raises(MalformedInput, match="exactly one"):
        parse_offer_link(
            f"openid-credential-offer://?credential_offer_uri={uri}&credential_offer_uri={uri}"
        )


@pytest.mark.parametrize("uri", ["ftp://issuer.example/o", "javascript:alert(1)", "/o/1"])
def test_offer_uri_not_https_refused(uri: str) -> None:
    """§4.1: ``credential_offer_uri`` is a URL using the ``https`` scheme."""
    with pytest.raises(MalformedInput, match="https URL"):
        parse_offer_link("openid-credential-offer://?credential_offer_uri=" + quote(uri, safe=""))


def test_offer_by_value_not_json_refused() -> None:
    with pytest.raises(MalformedInput, match="not valid JSON"):
        parse_offer_link("openid-credential-offer://?credential_offer=%7Bnot-json")


def test_offer_by_value_with_duplicate_members_refused() -> None:
    body = '{"credential_issuer":"https://a.example","credential_issuer":"https://b.example"}'
    with pytest.raises(DuplicateMember):
        parse_offer_link("openid-credential-offer://?credential_offer=" + quote(body))


def test_build_offer_link_needs_exactly_one() -> None:
    with pytest.raises(MalformedInput, match="exactly one"):
        build_offer_link()
    with pytest.raises(MalformedInput, match="exactly one"):
        build_offer_link(CredentialOffer.from_dict(offer_dict()), "https://issuer.example/o/1")


def test_offer_link_on_a_wallet_base_url() -> None:
    """ARCHITECTURE.md: the same query on the wallet's ``/offer`` route."""
    link = build_offer_link(offer_uri=ISSUER + "/o/1", base="http://127.0.0.1:5002/offer")
    assert link.startswith("http://127.0.0.1:5002/offer?credential_offer_uri=")
    assert parse_offer_link(link).offer_uri == ISSUER + "/o/1"


# --- Credential Issuer Metadata (§12.2) ---------------------------------------


def test_metadata_round_trip() -> None:
    data = metadata_dict(batch_credential_issuance={"batch_size": 5}, unknown=[1])
    assert CredentialIssuerMetadata.from_dict(data).to_dict() == data


@pytest.mark.parametrize(
    "fetched_for", ["https://issuer.example/", "https://ISSUER.example", "https://evil.example"]
)
def test_metadata_for_another_issuer_refused(fetched_for: str) -> None:
    """§12.2.4: ``credential_issuer`` MUST be identical (no normalization) to the one asked."""
    with pytest.raises(MetadataIssuerMismatch, match="was fetched for"):
        CredentialIssuerMetadata.from_dict(metadata_dict(), fetched_for=fetched_for)


@pytest.mark.parametrize("member", ["credential_endpoint", "credential_configurations_supported"])
def test_metadata_missing_required_member_refused(member: str) -> None:
    data = metadata_dict()
    del data[member]
    with pytest.raises(MalformedInput, match=f"'{member}' is required"):
        CredentialIssuerMetadata.from_dict(data)


@pytest.mark.parametrize("batch", [{"batch_size": 1}, {"batch_size": "10"}, {}])
def test_batch_size_below_2_refused(batch: dict[str, Any]) -> None:
    """§12.2.4: ``batch_size`` is REQUIRED and MUST be 2 or greater."""
    with pytest.raises(MalformedInput, match="batch_size"):
        CredentialIssuerMetadata.from_dict(metadata_dict(batch_credential_issuance=batch))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"vct": None}, "requires 'vct'"),
        ({"proof_types_supported": None}, "present exactly when"),
        ({"cryptographic_binding_methods_supported": None}, "present exactly when"),
        ({"proof_types_supported": {}}, "must not be empty"),
        ({"proof_types_supported": {"jwt": {}}}, "'proof_signing_alg_values_supported' is"),
        (
            {"proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": []}}},
            "non-empty array of algorithm",
        ),
        ({"credential_signing_alg_values_supported": [True]}, "algorithm identifiers"),
        ({"credential_metadata": {"display": [{"locale": "en"}]}}, "'name' is required"),
        ({"credential_metadata": {"claims": [{"path": []}]}}, "non-empty 'path'"),
        ({"format": 7}, "'format' must be a non-empty string"),
    ],
)
def test_credential_configuration_malformed_refused(changes: dict[str, Any], message: str) -> None:
    data = metadata_dict(credential_configurations_supported={"kyc": configuration_dict(**changes)})
    with pytest.raises(MalformedInput, match=message):
        CredentialIssuerMetadata.from_dict(data)


def test_unknown_configuration_refused() -> None:
    metadata = CredentialIssuerMetadata.from_dict(metadata_dict())
    with pytest.raises(UnknownCredentialConfiguration, match="'other'") as excinfo:
        metadata.configuration("other")
    assert excinfo.value.error == spec.ERROR_UNKNOWN_CREDENTIAL_CONFIGURATION


@pytest.mark.parametrize(
    ("identifier", "url"),
    [
        (
            "https://issuer.example.com/tenant",
            "https://issuer.example.com/.well-known/openid-credential-issuer/tenant",
        ),
        (
            "https://tenant.issuer.example.com",
            "https://tenant.issuer.example.com/.well-known/openid-credential-issuer",
        ),
        ("http://127.0.0.1:5001", "http://127.0.0.1:5001/.well-known/openid-credential-issuer"),
    ],
)
def test_12_2_2_well_known_url(identifier: str, url: str) -> None:
    """§12.2.2: the well-known string goes between the host and the path."""
    assert credential_issuer_metadata_url(identifier) == url


def test_as_well_known_url() -> None:
    assert (
        authorization_server_metadata_url("https://as.example/t1")
        == "https://as.example/.well-known/oauth-authorization-server/t1"
    )


def test_well_known_url_of_an_identifier_with_query_refused() -> None:
    with pytest.raises(MalformedInput, match="not an issuer identifier"):
        credential_issuer_metadata_url("https://issuer.example?x=1")


# --- Authorization Server Metadata (§12.3) --------------------------------------


def test_as_metadata_round_trip_and_anonymous_access() -> None:
    data = {
        "issuer": ISSUER,
        "token_endpoint": ISSUER + "/token",
        "grant_types_supported": [spec.GRANT_PRE_AUTHORIZED_CODE],
        spec.PRE_AUTHORIZED_GRANT_ANONYMOUS_ACCESS_SUPPORTED: True,
    }
    metadata = AuthorizationServerMetadata.from_dict(data, fetched_for=ISSUER)
    assert metadata.to_dict() == data
    assert metadata.anonymous_pre_authorized_access is True
    del data[spec.PRE_AUTHORIZED_GRANT_ANONYMOUS_ACCESS_SUPPORTED]
    assert AuthorizationServerMetadata.from_dict(data).anonymous_pre_authorized_access is False


def test_as_metadata_for_another_issuer_refused() -> None:
    with pytest.raises(MetadataIssuerMismatch, match="RFC 8414"):
        AuthorizationServerMetadata.from_dict(
            {"issuer": "https://evil.example", "token_endpoint": "https://evil.example/t"},
            fetched_for=ISSUER,
        )


def test_as_metadata_anonymous_flag_not_boolean_refused() -> None:
    with pytest.raises(MalformedInput, match="must be a boolean"):
        AuthorizationServerMetadata.from_dict(
            {
                "issuer": ISSUER,
                "token_endpoint": ISSUER + "/t",
                spec.PRE_AUTHORIZED_GRANT_ANONYMOUS_ACCESS_SUPPORTED: "true",
            }
        )


# --- Token Request / Response, Nonce Response (§6, §7) ----------------------------


def pre_auth_form(**changes: str | None) -> dict[str, str]:
    form = {
        "grant_type": spec.GRANT_PRE_AUTHORIZED_CODE,
        "pre-authorized_code": "c1",
        "tx_code": "1234",
    }
    return {k: v for k, v in (form | changes).items() if v is not None}


def test_token_request_round_trip() -> None:
    request = TokenRequest.from_form(pre_auth_form())
    assert request.to_form() == pre_auth_form()
    assert TokenRequest.from_form_body(request.to_form_body()) == request


def test_token_request_without_grant_type_refused() -> None:
    with pytest.raises(InvalidRequest, match="'grant_type' is required"):
        TokenRequest.from_form(pre_auth_form(grant_type=None))


def test_token_request_with_another_grant_refused() -> None:
    with pytest.raises(UnsupportedGrantType, match="authorization_code") as excinfo:
        TokenRequest.from_form(pre_auth_form(grant_type="authorization_code"))
    assert excinfo.value.error == "unsupported_grant_type"


def test_token_request_without_pre_authorized_code_refused() -> None:
    """§6.1: ``pre-authorized_code`` MUST be present with this grant type."""
    with pytest.raises(InvalidRequest, match="'pre-authorized_code' is required"):
        TokenRequest.from_form(pre_auth_form(**{"pre-authorized_code": None}))


def test_token_request_with_a_repeated_parameter_refused() -> None:
    """RFC 6749 §3.2: parameters MUST NOT be included more than once."""
    body = TokenRequest.from_form(pre_auth_form()).to_form_body() + "&tx_code=9999"
    with pytest.raises(InvalidRequest, match="'tx_code' must appear exactly once"):
        TokenRequest.from_form_body(body)


def test_token_request_with_empty_tx_code_refused() -> None:
    with pytest.raises(InvalidRequest, match="'tx_code' must be a non-empty string"):
        TokenRequest.from_form(pre_auth_form(tx_code=""))


@pytest.mark.parametrize("details", ["not json", "{}", "[]", '[{"x": 1}]'])
def test_token_request_bad_authorization_details_refused(details: str) -> None:
    with pytest.raises(InvalidRequest):
        TokenRequest.from_form(pre_auth_form(authorization_details=details))


def test_token_request_body_not_utf8_refused() -> None:
    with pytest.raises(InvalidRequest, match="not form-encoded"):
        TokenRequest.from_form_body(b"grant_type=\xff\xfe")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"access_token": None}, "'access_token' is required"),
        ({"token_type": 3}, "'token_type' must be a non-empty string"),
        ({"expires_in": 0}, "'expires_in' must be an integer"),
        ({"authorization_details": [{"type": "openid_credential"}]}, "'credential_identifiers'"),
    ],
)
def test_token_response_malformed_refused(changes: dict[str, Any], message: str) -> None:
    data = {"access_token": "at", "token_type": "Bearer", "expires_in": 60} | changes
    data = {k: v for k, v in data.items() if v is not None}
    with pytest.raises(MalformedInput, match=message):
        TokenResponse.from_dict(data)


@pytest.mark.parametrize("body", [{}, {"c_nonce": 5}, {"c_nonce": ""}, ["c_nonce"]])
def test_nonce_response_malformed_refused(body: object) -> None:
    """§7.2: ``c_nonce`` is REQUIRED (a string)."""
    with pytest.raises(MalformedInput):
        NonceResponse.from_dict(body)


# --- Credential Request (§8.2) --------------------------------------------------


def request_dict(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"credential_configuration_id": "kyc", "proofs": {"jwt": ["a.b.c"]}}
    return {k: v for k, v in (data | changes).items() if v is not None}


def test_credential_request_with_both_identifiers_refused() -> None:
    """§8.2: ``credential_identifier`` and ``credential_configuration_id`` are exclusive."""
    with pytest.raises(InvalidCredentialRequest, match="exactly one") as excinfo:
        CredentialRequest.from_dict(request_dict(credential_identifier="x"))
    assert excinfo.value.error == "invalid_credential_request"


def test_credential_request_with_neither_identifier_refused() -> None:
    with pytest.raises(InvalidCredentialRequest, match="exactly one"):
        CredentialRequest.from_dict(request_dict(credential_configuration_id=None))


def test_draft_singular_proof_refused() -> None:
    """1.0 uses ``proofs``; the drafts' ``proof`` is refused, not read."""
    data = request_dict(proofs=None, proof={"proof_type": "jwt", "jwt": "a.b.c"})
    with pytest.raises(InvalidCredentialRequest, match="'proof' \\(singular\\) is not"):
        CredentialRequest.from_dict(data)


def test_singular_proof_next_to_proofs_refused() -> None:
    data = request_dict(proof={"proof_type": "jwt", "jwt": "x.y.z"})
    with pytest.raises(InvalidCredentialRequest, match="refused next to 'proofs'"):
        CredentialRequest.from_dict(data)


@pytest.mark.parametrize(
    ("proofs", "message"),
    [
        ({"jwt": ["a.b.c"], "di_vp": [{}]}, "exactly one proof type"),
        ({}, "exactly one proof type"),
        ({"jwt": []}, "non-empty array"),
        ({"jwt": "a.b.c"}, "non-empty array"),
        ({"jwt": [{"a": 1}]}, "array of compact JWTs"),
        ({"attestation": ["a.b.c", "d.e.f"]}, "exactly one JWT"),
        ({"di_vp": ["a.b.c"]}, "array of objects"),
        (["a.b.c"], "must be a JSON object"),
    ],
)
def test_malformed_proofs_refused(proofs: object, message: str) -> None:
    """§8.2 / §8.3.1.2: a malformed ``proofs`` is ``invalid_proof``."""
    with pytest.raises(InvalidProof, match=message) as excinfo:
        CredentialRequest.from_dict(request_dict(proofs=proofs))
    assert excinfo.value.error == "invalid_proof"


def test_missing_proofs_is_invalid_proof() -> None:
    """§8.3.1.2 (1): the ``proofs`` field is missing."""
    request = CredentialRequest.from_dict(request_dict(proofs=None))
    with pytest.raises(InvalidProof, match="no 'proofs'"):
        request.jwt_proofs()


def test_more_proofs_than_the_batch_size_refused() -> None:
    request = CredentialRequest.from_dict(request_dict(proofs={"jwt": ["a.b.c"] * 3}))
    assert len(request.jwt_proofs(batch_size=3)) == 3
    with pytest.raises(InvalidCredentialRequest, match="exceed the batch size of 2"):
        request.jwt_proofs(batch_size=2)
    with pytest.raises(InvalidCredentialRequest, match="batch size of 1"):
        request.jwt_proofs()


def test_other_proof_type_than_jwt_refused_when_reading_jwts() -> None:
    request = CredentialRequest.from_dict(request_dict(proofs={"di_vp": [{}]}))
    with pytest.raises(InvalidProof, match="'di_vp' is not supported"):
        request.jwt_proofs()


@pytest.mark.parametrize(
    "encryption", [{"jwk": {}}, {"enc": "A128GCM"}, "x", {"jwk": 1, "enc": "A"}]
)
def test_bad_encryption_parameters_refused(encryption: object) -> None:
    with pytest.raises(InvalidEncryptionParameters) as excinfo:
        CredentialRequest.from_dict(request_dict(credential_response_encryption=encryption))
    assert excinfo.value.error == "invalid_encryption_parameters"


def test_credential_request_round_trip() -> None:
    data = request_dict(
        credential_response_encryption={"jwk": {"kty": "EC"}, "enc": "A128GCM"}, other=1
    )
    request = CredentialRequest.from_dict(data)
    assert request.to_dict() == data
    assert CredentialRequest.from_json(json.dumps(data)) == request


# --- Credential Response (§8.3) ---------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"credentials": [{"credential": "x"}], "transaction_id": "t"}, "exactly one"),
        ({}, "exactly one"),
        ({"transaction_id": "t"}, "'interval' is required"),
        ({"transaction_id": "t", "interval": 0}, "positive number"),
        ({"transaction_id": "t", "interval": 5, "notification_id": "n"}, "only used with"),
        ({"credentials": [{"credential": "x"}], "interval": 5}, "not used with"),
        ({"credentials": []}, "non-empty array"),
        ({"credentials": [{"format": "x"}]}, "needs a 'credential'"),
        ({"credentials": [{"credential": 7}]}, "needs a 'credential'"),
    ],
)
def test_credential_response_malformed_refused(data: dict[str, Any], message: str) -> None:
    with pytest.raises(MalformedInput, match=message):
        CredentialResponse.from_dict(data)


def test_credential_response_issued() -> None:
    response = CredentialResponse.issued(["sd-jwt-1~", "sd-jwt-2~"], notification_id="n1")
    assert response.to_dict() == {
        "credentials": [{"credential": "sd-jwt-1~"}, {"credential": "sd-jwt-2~"}],
        "notification_id": "n1",
    }
    assert CredentialResponse.from_dict(response.to_dict()) == response


# --- error codes (§6.3, §8.3.1.2) ------------------------------------


@pytest.mark.parametrize("code", sorted(ERROR_CLASSES))
def test_each_error_class_carries_its_code(code: str) -> None:
    assert ERROR_CLASSES[code].error == code
    assert error_from_response({"error": code, "error_description": "why"}).to_dict() == {
        "error": code,
        "error_description": f"{code}: why",
    }


def test_spec_error_codes_all_have_a_class() -> None:
    codes = {v for k, v in vars(spec).items() if k.startswith("ERROR_")}
    assert codes <= set(ERROR_CLASSES)


def test_unknown_error_code_kept() -> None:
    error = error_from_response({"error": "teapot"})
    assert type(error) is SSIError and "teapot" in str(error)


def test_error_body_without_code_refused() -> None:
    assert isinstance(error_from_response({"error_description": "x"}), MalformedInput)


# --- Transaction Code rules (§4.1.1, §6.1, §6.3) --------------------------------------------------


def grant(tx_code: dict[str, Any] | None) -> PreAuthorizedCodeGrant:
    data: dict[str, Any] = {"pre-authorized_code": "c1"}
    if tx_code is not None:
        data["tx_code"] = tx_code
    return PreAuthorizedCodeGrant.from_dict(data)


def test_wallet_request_for_an_offer_with_tx_code() -> None:
    request = TokenRequest.for_offer(grant({"length": 6}), "493536")
    assert request.to_form() == pre_auth_form(**{"pre-authorized_code": "c1", "tx_code": "493536"})


def test_wallet_request_without_the_required_tx_code_refused() -> None:
    """§6.1: ``tx_code`` MUST be present if the offer had a ``tx_code`` object, even empty."""
    with pytest.raises(InvalidRequest, match="requires a Transaction Code"):
        TokenRequest.for_offer(grant({}))


def test_wallet_request_with_an_unexpected_tx_code_refused() -> None:
    with pytest.raises(InvalidRequest, match="asks for no Transaction Code"):
        TokenRequest.for_offer(grant(None), "1234")


@pytest.mark.parametrize(
    ("tx_code", "value", "message"),
    [
        ({"length": 4}, "12a4", "digits only"),
        ({"length": 4}, "١٢٣٤", "digits only"),
        ({"length": 4}, "12345", "4 characters long"),
        ({"input_mode": "text", "length": 3}, "abcd", "3 characters long"),
    ],
)
def test_wallet_tx_code_not_fitting_the_offer_refused(
    tx_code: dict[str, Any], value: str, message: str
) -> None:
    with pytest.raises(InvalidRequest, match=message):
        TokenRequest.for_offer(grant(tx_code), value)


def test_text_tx_code_accepted() -> None:
    assert TokenRequest.for_offer(grant({"input_mode": "text"}), "ab-12").tx_code == "ab-12"


def test_server_refuses_a_missing_tx_code() -> None:
    """§6.3: expected but not provided is ``invalid_request``."""
    request = TokenRequest.from_form(pre_auth_form(tx_code=None))
    with pytest.raises(InvalidRequest, match="is required") as excinfo:
        request.check_tx_code_presence(required=True)
    assert excinfo.value.error == "invalid_request"


def test_server_refuses_an_unexpected_tx_code() -> None:
    """§6.3: not expected but provided is ``invalid_request``."""
    with pytest.raises(InvalidRequest, match="no Transaction Code is expected"):
        TokenRequest.from_form(pre_auth_form()).check_tx_code_presence(required=False)
