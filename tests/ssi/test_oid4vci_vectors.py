"""OpenID4VCI 1.0: the spec's examples parse and re-serialize to what they were.

Each JSON example under ``tests/vectors/oid4vci/`` (README.md names its
section) is read by its message class, written back with ``to_dict`` and
compared with the original object.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from ssi.jose import jws
from ssi.oid4vci import (
    CredentialIssuerMetadata,
    CredentialOffer,
    CredentialRequest,
    CredentialResponse,
    NonceResponse,
    TokenRequest,
    TokenResponse,
    build_offer_link,
    error_from_response,
    parse_offer_link,
    spec,
    verify_proof,
)
from ssi.oid4vci.errors import ERROR_CLASSES

VECTORS = Path(__file__).parent.parent / "vectors" / "oid4vci"


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text())


def text(name: str) -> str:
    return (VECTORS / name).read_text().strip()


ROUND_TRIPS: dict[str, Callable[[Any], Any]] = {
    "credential_offer_multiple_credentials.json": CredentialOffer.from_dict,
    "credential_offer_authz_code.json": CredentialOffer.from_dict,
    "credential_issuer_metadata_sd_jwt_long.json": CredentialIssuerMetadata.from_dict,
    "token_response.json": TokenResponse.from_dict,
    "nonce_response.json": NonceResponse.from_dict,
    "credential_request_mdl.json": CredentialRequest.from_dict,
    "credential_request_sd_jwt_vc_batch.json": CredentialRequest.from_dict,
    "credential_request_di_vp.json": CredentialRequest.from_dict,
    "credential_response_immediate.json": CredentialResponse.from_dict,
    "credential_response_batch_notification.json": CredentialResponse.from_dict,
    "credential_response_deferred.json": CredentialResponse.from_dict,
}


@pytest.mark.parametrize("name", sorted(ROUND_TRIPS))
def test_example_round_trips(name: str) -> None:
    original = load(name)
    message = ROUND_TRIPS[name](original)
    assert message.to_dict() == original
    assert ROUND_TRIPS[name](message.to_dict()) == message


def test_4_1_1_offer_with_pre_authorized_code_and_tx_code() -> None:
    """§4.1.1: the grant carries ``pre-authorized_code`` and the ``tx_code`` description."""
    offer = CredentialOffer.from_dict(load("credential_offer_multiple_credentials.json"))
    assert offer.credential_issuer == "https://credential-issuer.example.com"
    assert offer.credential_configuration_ids == (
        "UniversityDegreeCredential",
        "org.iso.18013.5.1.mDL",
    )
    grant = offer.pre_authorized_code
    assert grant is not None and grant.pre_authorized_code == "oaKazRN8I0IbtZ0C7JuMn5"
    assert grant.tx_code is not None
    assert (grant.tx_code.length, grant.tx_code.input_mode) == (4, "numeric")


def test_4_1_2_offer_by_value_link() -> None:
    """§4.1.2: ``openid-credential-offer://?credential_offer=…`` decodes to the offer."""
    link = parse_offer_link(text("credential_offer_by_value_link.txt"))
    assert link.offer_uri is None and link.offer is not None
    grant = link.offer.pre_authorized_code
    assert grant is not None and grant.tx_code is not None
    assert grant.tx_code.input_mode == "text"
    assert grant.tx_code.description == (
        "Please enter the serial number of your physical drivers license"
    )
    rebuilt = parse_offer_link(build_offer_link(link.offer))
    assert rebuilt == link


def test_4_1_2_offer_by_value_on_an_endpoint() -> None:
    """§4.1.2: the same query on a wallet's Credential Offer Endpoint; an empty ``tx_code``."""
    link = parse_offer_link(text("credential_offer_by_value_get.txt"))
    assert link.offer is not None
    grant = link.offer.pre_authorized_code
    assert grant is not None and grant.tx_code is not None
    assert grant.tx_code.to_dict() == {}
    assert link.offer.to_dict()["grants"][spec.GRANT_PRE_AUTHORIZED_CODE]["tx_code"] == {}


def test_4_1_3_offer_by_reference_link() -> None:
    link = parse_offer_link(text("credential_offer_by_reference_link.txt"))
    assert link.offer is None
    assert link.offer_uri == (
        "https://server.example.com/credential-offer/GkurKxf5T0Y-mnPFCHqWOMiZi4VS138cQO_V7PZHAdM"
    )
    assert parse_offer_link(build_offer_link(offer_uri=link.offer_uri)) == link


def test_6_1_token_request_pre_authorized() -> None:
    """§6.1: ``pre-authorized_code``, ``tx_code`` and ``authorization_details`` are read."""
    body = text("token_request_pre_authorized.txt")
    request = TokenRequest.from_form_body(body)
    assert request.grant_type == spec.GRANT_PRE_AUTHORIZED_CODE
    assert request.pre_authorized_code == "SplxlOBeZQQYbYS6WxSbIA"
    assert request.tx_code == "493536"
    assert request.authorization_details == (
        {"type": "openid_credential", "credential_configuration_id": "UniversityDegreeCredential"},
    )
    assert TokenRequest.from_form_body(request.to_form_body()) == request
    original = dict(parse_qsl(body))
    form = request.to_form()
    assert json.loads(form.pop("authorization_details")) == json.loads(
        original.pop("authorization_details")
    )
    assert form == original


@pytest.mark.parametrize("name", ["token_error_response.json", "credential_error_response.json"])
def test_error_responses_map_to_their_classes(name: str) -> None:
    """§6.3 / §8.3.1.2: each error code is an exception carrying that code."""
    body = load(name)
    error = error_from_response(body)
    assert type(error) is ERROR_CLASSES[body["error"]]
    assert error.to_dict()["error"] == body["error"]


def test_8_2_requests_name_one_credential() -> None:
    mdl = CredentialRequest.from_dict(load("credential_request_mdl.json"))
    assert mdl.credential_configuration_id == "org.iso.18013.5.1.mDL"
    assert mdl.proof_type == "jwt" and len(mdl.jwt_proofs()) == 1
    batch = CredentialRequest.from_dict(load("credential_request_sd_jwt_vc_batch.json"))
    assert batch.credential_identifier == "CivilEngineeringDegree-2023"
    assert len(batch.jwt_proofs(batch_size=10)) == 2


def test_8_3_responses() -> None:
    batch = CredentialResponse.from_dict(load("credential_response_batch_notification.json"))
    assert len(batch.credential_values) == 2 and batch.notification_id == "3fwe98js"
    deferred = CredentialResponse.from_dict(load("credential_response_deferred.json"))
    assert deferred.transaction_id == "8xLOxBtZp8" and deferred.interval == 3600
    assert deferred.credential_values == ()


def test_12_2_metadata_example() -> None:
    """§12.2.4: the long SD-JWT VC metadata example, fetched for its own identifier."""
    metadata = CredentialIssuerMetadata.from_dict(
        load("credential_issuer_metadata_sd_jwt_long.json"),
        fetched_for="https://credential-issuer.example.com",
    )
    assert metadata.nonce_endpoint == "https://credential-issuer.example.com/nonce"
    assert metadata.batch_size == 10
    configuration = metadata.configuration("SD_JWT_VC_example_in_OpenID4VCI")
    assert configuration.format == spec.FORMAT_SD_JWT_VC
    assert configuration.vct == "SD_JWT_VC_example_in_OpenID4VCI"
    assert configuration.proof_types_supported is not None
    jwt_proof = configuration.proof_types_supported[spec.PROOF_TYPE_JWT]
    assert jwt_proof.proof_signing_alg_values_supported == ("ES256",)


def test_f_1_proof_example_verifies() -> None:
    """Appendix F.1: the example proof verifies with its header ``jwk`` and decodes as shown."""
    token = load("proofs_jwt.json")["jwt"][0]
    decoded = load("proof_jwt_decoded.json")
    parsed = jws.parse(token)
    assert parsed.header == decoded["header"]
    assert parsed.claims() == decoded["payload"]
    key = verify_proof(
        token,
        audience=decoded["payload"]["aud"],
        now=decoded["payload"]["iat"],
        nonce=decoded["payload"]["nonce"],
    )
    assert key.public_jwk() == decoded["header"]["jwk"]


def test_offer_link_query_is_the_only_parameter() -> None:
    link = build_offer_link(offer_uri="https://issuer.example/offers/1")
    assert link.startswith(spec.CREDENTIAL_OFFER_SCHEME + "?")
    assert [name for name, _ in parse_qsl(urlsplit(link).query)] == [spec.CREDENTIAL_OFFER_URI]
