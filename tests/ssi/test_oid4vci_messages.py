"""OpenID4VCI 1.0 §6-§8: token, nonce and credential messages, one named test per refusal."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ssi.errors import (
    InvalidCredentialRequest,
    InvalidProof,
    InvalidRequest,
    MalformedInput,
    SSIError,
)
from ssi.oid4vci import (
    ERROR_CLASSES,
    CredentialRequest,
    CredentialResponse,
    InvalidEncryptionParameters,
    NonceResponse,
    PreAuthorizedCodeGrant,
    TokenRequest,
    TokenResponse,
    UnsupportedGrantType,
    error_from_response,
    spec,
)

ISSUER = "https://issuer.example"


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
