"""Credential Issuer Metadata (OpenID4VCI 1.0 §12.2.4, Appendix A.3.2).

* ``credential_issuer`` MUST be identical (simple string comparison) to the
  identifier the metadata was fetched for, else the document MUST NOT be used;
* ``credential_endpoint`` and ``credential_configurations_supported`` are
  REQUIRED; ``batch_credential_issuance.batch_size`` is at least 2;
* ``proof_types_supported`` MUST be present exactly when
  ``cryptographic_binding_methods_supported`` is, each with a non-empty
  ``proof_signing_alg_values_supported``; ``dc+sd-jwt`` configurations carry
  ``vct`` (Appendix A.3.2).

Display objects and claims descriptions are kept as received after a shape
check; the wallet renders them escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..encoding import json_loads_object
from ..errors import MalformedInput, UnknownCredentialConfiguration
from . import spec
from ._fields import Reader, drop_none, to_list
from .discovery import MetadataIssuerMismatch
from .offer import CredentialOffer

__all__ = ["ProofTypeMetadata", "CredentialConfiguration", "CredentialIssuerMetadata"]


@dataclass(frozen=True, slots=True)
class ProofTypeMetadata:
    """§12.2.4: one entry of ``proof_types_supported``."""

    proof_signing_alg_values_supported: tuple[str | int, ...]
    key_attestations_required: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: object, what: str) -> ProofTypeMetadata:
        r = Reader(data, what)
        algs = r.alg_list("proof_signing_alg_values_supported")
        if algs is None:
            raise r.fail("'proof_signing_alg_values_supported' is required")
        return cls(
            algs,
            r.opt_object("key_attestations_required"),
            r.extra(("proof_signing_alg_values_supported", "key_attestations_required")),
        )

    def to_dict(self) -> dict[str, Any]:
        members = {
            "proof_signing_alg_values_supported": list(self.proof_signing_alg_values_supported),
            "key_attestations_required": self.key_attestations_required,
        }
        return drop_none(members) | self.extra


_CONFIGURATION_MEMBERS = (
    "format",
    "scope",
    "vct",
    "cryptographic_binding_methods_supported",
    "credential_signing_alg_values_supported",
    "proof_types_supported",
    "credential_metadata",
)


@dataclass(frozen=True, slots=True)
class CredentialConfiguration:
    """§12.2.4: one value of ``credential_configurations_supported``."""

    format: str
    scope: str | None = None
    vct: str | None = None
    cryptographic_binding_methods_supported: tuple[str, ...] | None = None
    credential_signing_alg_values_supported: tuple[str | int, ...] | None = None
    proof_types_supported: dict[str, ProofTypeMetadata] | None = None
    credential_metadata: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(
        cls, data: object, what: str = "credential configuration"
    ) -> CredentialConfiguration:
        r = Reader(data, what)
        fmt = r.req_str("format")
        vct = r.opt_str("vct")
        if fmt == spec.FORMAT_SD_JWT_VC and vct is None:
            raise r.fail("a 'dc+sd-jwt' configuration requires 'vct' (Appendix A.3.2)")
        binding = r.opt_str_list("cryptographic_binding_methods_supported", unique=True)
        raw_proof_types = r.opt_object("proof_types_supported")
        if (binding is None) != (raw_proof_types is None):
            raise r.fail(
                "'proof_types_supported' must be present exactly when "
                "'cryptographic_binding_methods_supported' is"
            )
        proof_types = None
        if raw_proof_types is not None:
            if not raw_proof_types:
                raise r.fail("'proof_types_supported' must not be empty")
            proof_types = {
                name: ProofTypeMetadata.from_dict(value, f"{what}: proof type {name!r}")
                for name, value in raw_proof_types.items()
            }
        credential_metadata = r.opt_object("credential_metadata")
        if credential_metadata is not None:
            inner = Reader(credential_metadata, f"{what}: credential_metadata")
            for display in inner.opt_object_list("display") or ():
                Reader(display, f"{what}: display").req_str("name")
            for claim in inner.opt_object_list("claims") or ():
                path = claim.get("path")
                if not isinstance(path, list) or not path:
                    raise inner.fail("each claims description needs a non-empty 'path' array")
        return cls(
            fmt,
            r.opt_str("scope"),
            vct,
            binding,
            r.alg_list("credential_signing_alg_values_supported"),
            proof_types,
            credential_metadata,
            r.extra(_CONFIGURATION_MEMBERS),
        )

    def to_dict(self) -> dict[str, Any]:
        members = {
            "format": self.format,
            "scope": self.scope,
            "vct": self.vct,
            "cryptographic_binding_methods_supported": to_list(
                self.cryptographic_binding_methods_supported
            ),
            "credential_signing_alg_values_supported": to_list(
                self.credential_signing_alg_values_supported
            ),
            "proof_types_supported": None
            if self.proof_types_supported is None
            else {k: v.to_dict() for k, v in self.proof_types_supported.items()},
            "credential_metadata": self.credential_metadata,
        }
        return drop_none(members) | self.extra


_ISSUER_MEMBERS = (
    "credential_issuer",
    "credential_endpoint",
    "nonce_endpoint",
    "deferred_credential_endpoint",
    "notification_endpoint",
    "authorization_servers",
    "batch_credential_issuance",
    "display",
    "credential_configurations_supported",
)


@dataclass(frozen=True, slots=True)
class CredentialIssuerMetadata:
    """§12.2.4: the Credential Issuer Metadata document."""

    credential_issuer: str
    credential_endpoint: str
    credential_configurations_supported: dict[str, CredentialConfiguration]
    nonce_endpoint: str | None = None
    deferred_credential_endpoint: str | None = None
    notification_endpoint: str | None = None
    authorization_servers: tuple[str, ...] | None = None
    batch_size: int | None = None
    display: tuple[dict[str, Any], ...] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: object, fetched_for: str | None = None) -> CredentialIssuerMetadata:
        """Read the document; with ``fetched_for``, refuse another ``credential_issuer``."""
        r = Reader(data, "Credential Issuer Metadata")
        issuer = r.req_str("credential_issuer")
        if fetched_for is not None and issuer != fetched_for:
            raise MetadataIssuerMismatch(
                f"the metadata names credential_issuer {issuer!r}, "
                f"but was fetched for {fetched_for!r} (§12.2.4)"
            )
        batch = r.opt_object("batch_credential_issuance")
        batch_size = None
        if batch is not None:
            batch_size = Reader(batch, "batch_credential_issuance").opt_int("batch_size", 2)
            if batch_size is None:
                raise r.fail("'batch_credential_issuance' requires 'batch_size'")
        configurations = r.object("credential_configurations_supported")
        return cls(
            credential_issuer=issuer,
            credential_endpoint=r.req_str("credential_endpoint"),
            credential_configurations_supported={
                name: CredentialConfiguration.from_dict(value, f"configuration {name!r}")
                for name, value in configurations.items()
            },
            nonce_endpoint=r.opt_str("nonce_endpoint"),
            deferred_credential_endpoint=r.opt_str("deferred_credential_endpoint"),
            notification_endpoint=r.opt_str("notification_endpoint"),
            authorization_servers=r.opt_str_list("authorization_servers", unique=True),
            batch_size=batch_size,
            display=r.opt_object_list("display"),
            extra=r.extra(_ISSUER_MEMBERS),
        )

    @classmethod
    def from_json(
        cls, text: str | bytes, fetched_for: str | None = None
    ) -> CredentialIssuerMetadata:
        return cls.from_dict(json_loads_object(text, "Credential Issuer Metadata"), fetched_for)

    def to_dict(self) -> dict[str, Any]:
        members = {
            "credential_issuer": self.credential_issuer,
            "authorization_servers": to_list(self.authorization_servers),
            "credential_endpoint": self.credential_endpoint,
            "nonce_endpoint": self.nonce_endpoint,
            "deferred_credential_endpoint": self.deferred_credential_endpoint,
            "notification_endpoint": self.notification_endpoint,
            "batch_credential_issuance": None
            if self.batch_size is None
            else {"batch_size": self.batch_size},
            "display": to_list(self.display),
            "credential_configurations_supported": {
                k: v.to_dict() for k, v in self.credential_configurations_supported.items()
            },
        }
        return drop_none(members) | self.extra

    def authorization_server(self, hint: str | None = None) -> str:
        """§12.2.4: the Authorization Server to use (the issuer itself when none is listed).

        A ``hint`` (an offer's ``authorization_server``) MUST match one of
        ``authorization_servers``, else the wallet MUST NOT proceed.
        """
        servers = self.authorization_servers or (self.credential_issuer,)
        if hint is None:
            return servers[0]
        if hint not in servers:
            raise MalformedInput(
                f"the offer's authorization_server {hint!r} is not one of the issuer's "
                "authorization_servers (§12.2.4)"
            )
        return hint

    def offered_configurations(self, offer: CredentialOffer) -> dict[str, CredentialConfiguration]:
        """The wallet's checks of an offer against this metadata (§4.1.1, §12.2.4).

        The offer names this issuer; each offered id is a known configuration;
        an ``authorization_server`` hint in a grant is one of ours.
        """
        if offer.credential_issuer != self.credential_issuer:
            raise MetadataIssuerMismatch(
                f"the offer names credential_issuer {offer.credential_issuer!r}, "
                f"the metadata {self.credential_issuer!r}"
            )
        for grant in (offer.pre_authorized_code, offer.authorization_code):
            if grant is not None and grant.authorization_server is not None:
                self.authorization_server(grant.authorization_server)
        return {cid: self.configuration(cid) for cid in offer.credential_configuration_ids}

    def configuration(self, configuration_id: str) -> CredentialConfiguration:
        """The configuration named in an offer or request; unknown ones are refused."""
        try:
            return self.credential_configurations_supported[configuration_id]
        except KeyError:
            raise UnknownCredentialConfiguration(
                f"unknown credential configuration {configuration_id!r}"
            ) from None
