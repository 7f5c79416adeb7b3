"""OpenID4VCI 1.0 §12.2 / §12.3: issuer and authorization server metadata refusals."""

from __future__ import annotations

from typing import Any

import pytest

from ssi.errors import (
    MalformedInput,
    UnknownCredentialConfiguration,
)
from ssi.oid4vci import (
    AuthorizationServerMetadata,
    CredentialIssuerMetadata,
    CredentialOffer,
    MetadataIssuerMismatch,
    authorization_server_metadata_url,
    credential_issuer_metadata_url,
    spec,
)

ISSUER = "https://issuer.example"


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


# --- an offer checked against the metadata (§4.1.1, §12.2.4) ---------------------------------


def offer(**changes: Any) -> CredentialOffer:
    data: dict[str, Any] = {
        "credential_issuer": ISSUER,
        "credential_configuration_ids": ["kyc"],
        "grants": {spec.GRANT_PRE_AUTHORIZED_CODE: {"pre-authorized_code": "c1"} | changes},
    }
    return CredentialOffer.from_dict(data)


def test_offered_configurations_resolved() -> None:
    metadata = CredentialIssuerMetadata.from_dict(metadata_dict())
    configurations = metadata.offered_configurations(offer())
    assert configurations == {"kyc": metadata.configuration("kyc")}
    assert metadata.authorization_server() == ISSUER


def test_offer_for_another_issuer_refused() -> None:
    """§4.1.1: the wallet fetches the metadata of the offer's ``credential_issuer``."""
    metadata = CredentialIssuerMetadata.from_dict(metadata_dict())
    other = CredentialOffer.from_dict(
        {"credential_issuer": "https://evil.example", "credential_configuration_ids": ["kyc"]}
    )
    with pytest.raises(MetadataIssuerMismatch, match="evil.example"):
        metadata.offered_configurations(other)


def test_offer_of_an_unknown_configuration_refused() -> None:
    metadata = CredentialIssuerMetadata.from_dict(metadata_dict())
    other = CredentialOffer.from_dict(
        {"credential_issuer": ISSUER, "credential_configuration_ids": ["kyc", "passport"]}
    )
    with pytest.raises(UnknownCredentialConfiguration, match="'passport'"):
        metadata.offered_configurations(other)


def test_authorization_server_hint_not_listed_refused() -> None:
    """§12.2.4: the wallet MUST NOT proceed if the hint matches no ``authorization_servers``."""
    servers = ["https://as1.example", "https://as2.example"]
    metadata = CredentialIssuerMetadata.from_dict(metadata_dict(authorization_servers=servers))
    assert metadata.offered_configurations(offer(authorization_server="https://as2.example"))
    assert metadata.authorization_server("https://as2.example") == "https://as2.example"
    with pytest.raises(MalformedInput, match="not one of the issuer's authorization_servers"):
        metadata.offered_configurations(offer(authorization_server="https://as3.example"))
