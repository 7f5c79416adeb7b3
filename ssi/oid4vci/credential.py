"""Credential Request (OpenID4VCI 1.0 §8.2) and Credential Response (§8.3).

* §8.2: exactly one of ``credential_identifier`` and
  ``credential_configuration_id``; ``proofs`` holds exactly one proof type
  whose value is a non-empty array (``jwt``: compact JWTs). 1.0 has no singular
  ``proof`` (it was the drafts'): a request carrying it is refused rather than
  silently read one way or the other. ``credential_response_encryption`` needs
  ``jwk`` and ``enc``.
* §8.3: ``credentials`` (a non-empty array of ``{"credential": …}``) or, for
  deferred issuance, ``transaction_id`` with a positive ``interval``; never
  both; ``notification_id`` only with ``credentials``.
* §8.3.1.2: the error codes (``invalid_credential_request``, ``invalid_proof``,
  ``invalid_encryption_parameters``, …) are carried by the exceptions raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..encoding import json_loads_object
from ..errors import InvalidCredentialRequest, InvalidProof, MalformedInput
from . import spec
from ._fields import Reader, drop_none
from .errors import InvalidEncryptionParameters

__all__ = ["CredentialRequest", "CredentialResponse"]

_REQUEST_MEMBERS = (
    "credential_identifier",
    "credential_configuration_id",
    "proofs",
    "credential_response_encryption",
)


@dataclass(frozen=True, slots=True)
class CredentialRequest:
    """§8.2: what the wallet POSTs to the Credential Endpoint."""

    credential_configuration_id: str | None = None
    credential_identifier: str | None = None
    proofs: dict[str, tuple[Any, ...]] | None = None
    credential_response_encryption: dict[str, Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.credential_configuration_id is None) == (self.credential_identifier is None):
            raise InvalidCredentialRequest(
                "exactly one of 'credential_identifier' and 'credential_configuration_id' "
                "is required (§8.2)"
            )

    @classmethod
    def from_dict(cls, data: object) -> CredentialRequest:
        r = Reader(data, "Credential Request", InvalidCredentialRequest)
        if r.has("proof"):
            raise InvalidCredentialRequest(
                "'proof' (singular) is not OpenID4VCI 1.0"
                + (" and is refused next to 'proofs'" if r.has("proofs") else "")
                + ": send the proofs in 'proofs' (§8.2)"
            )
        proofs = None
        if r.has("proofs"):
            proofs = _read_proofs(r.data["proofs"])
        encryption = None
        if r.has("credential_response_encryption"):
            enc = Reader(
                r.data["credential_response_encryption"],
                "credential_response_encryption",
                InvalidEncryptionParameters,
            )
            enc.object("jwk")
            enc.req_str("enc")
            enc.opt_str("zip")
            encryption = enc.data
        return cls(
            r.opt_str("credential_configuration_id"),
            r.opt_str("credential_identifier"),
            proofs,
            encryption,
            r.extra(_REQUEST_MEMBERS),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> CredentialRequest:
        return cls.from_dict(json_loads_object(text, "Credential Request"))

    def to_dict(self) -> dict[str, Any]:
        members = {
            "credential_configuration_id": self.credential_configuration_id,
            "credential_identifier": self.credential_identifier,
            "proofs": None
            if self.proofs is None
            else {name: list(values) for name, values in self.proofs.items()},
            "credential_response_encryption": self.credential_response_encryption,
        }
        return drop_none(members) | self.extra

    @property
    def proof_type(self) -> str | None:
        return None if self.proofs is None else next(iter(self.proofs))

    def jwt_proofs(self, batch_size: int | None = None) -> tuple[str, ...]:
        """The ``jwt`` proofs; at most ``batch_size`` of them (1 without batch issuance).

        §8.2: ``proofs`` MUST be present when the configuration has
        ``proof_types_supported``; a missing field is ``invalid_proof`` (§8.3.1.2).
        """
        if self.proofs is None:
            raise InvalidProof("the Credential Request has no 'proofs'")
        if spec.PROOF_TYPE_JWT not in self.proofs:
            raise InvalidProof(f"proof type {self.proof_type!r} is not supported; use 'jwt'")
        jwts: tuple[str, ...] = self.proofs[spec.PROOF_TYPE_JWT]
        limit = batch_size or 1
        if len(jwts) > limit:
            raise InvalidCredentialRequest(
                f"{len(jwts)} proofs exceed the batch size of {limit} (§12.2.4)"
            )
        return jwts


def _read_proofs(value: object) -> dict[str, tuple[Any, ...]]:
    """§8.2: exactly one proof type, its value a non-empty array."""
    if not isinstance(value, dict):
        raise InvalidProof("'proofs' must be a JSON object")
    if len(value) != 1:
        raise InvalidProof("'proofs' must contain exactly one proof type")
    ((name, items),) = value.items()
    if not isinstance(items, list) or not items:
        raise InvalidProof(f"'proofs.{name}' must be a non-empty array")
    if name in (spec.PROOF_TYPE_JWT, spec.PROOF_TYPE_ATTESTATION) and not all(
        isinstance(item, str) and item for item in items
    ):
        raise InvalidProof(f"'proofs.{name}' must be an array of compact JWTs")
    if name == spec.PROOF_TYPE_ATTESTATION and len(items) != 1:
        raise InvalidProof("'proofs.attestation' must contain exactly one JWT (Appendix F)")
    if name == spec.PROOF_TYPE_DI_VP and not all(isinstance(item, dict) for item in items):
        raise InvalidProof("'proofs.di_vp' must be an array of objects")
    return {name: tuple(items)}


_RESPONSE_MEMBERS = ("credentials", "transaction_id", "interval", "notification_id")


@dataclass(frozen=True, slots=True)
class CredentialResponse:
    """§8.3: issued credentials, or a deferred-issuance ``transaction_id``."""

    credentials: tuple[dict[str, Any], ...] | None = None
    notification_id: str | None = None
    transaction_id: str | None = None
    interval: int | float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if (self.credentials is None) == (self.transaction_id is None):
            raise MalformedInput(
                "a Credential Response carries exactly one of 'credentials' and "
                "'transaction_id' (§8.3)"
            )
        if self.transaction_id is not None and self.interval is None:
            raise MalformedInput("'interval' is required with 'transaction_id' (§8.3)")
        if self.transaction_id is not None and self.notification_id is not None:
            raise MalformedInput("'notification_id' is only used with 'credentials' (§8.3)")
        if self.credentials is not None and self.interval is not None:
            raise MalformedInput("'interval' is not used with 'credentials' (§8.3)")

    @classmethod
    def issued(
        cls, credentials: list[str | dict[str, Any]], notification_id: str | None = None
    ) -> CredentialResponse:
        """The immediate response for ``credentials`` (one per holder key)."""
        if not credentials:
            raise MalformedInput("a Credential Response needs at least one credential")
        return cls(tuple({"credential": c} for c in credentials), notification_id)

    @classmethod
    def from_dict(cls, data: object) -> CredentialResponse:
        r = Reader(data, "Credential Response")
        credentials = r.opt_object_list("credentials")
        for item in credentials or ():
            credential = item.get("credential")
            if not (isinstance(credential, str) and credential) and not isinstance(
                credential, dict
            ):
                raise r.fail("each entry of 'credentials' needs a 'credential' string or object")
        return cls(
            credentials,
            r.opt_str("notification_id"),
            r.opt_str("transaction_id"),
            r.opt_positive_number("interval"),
            r.extra(_RESPONSE_MEMBERS),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> CredentialResponse:
        return cls.from_dict(json_loads_object(text, "Credential Response"))

    def to_dict(self) -> dict[str, Any]:
        members = {
            "credentials": None if self.credentials is None else list(self.credentials),
            "notification_id": self.notification_id,
            "transaction_id": self.transaction_id,
            "interval": self.interval,
        }
        return drop_none(members) | self.extra

    @property
    def credential_values(self) -> tuple[str | dict[str, Any], ...]:
        """The issued credentials themselves (empty for a deferred response)."""
        return tuple(item["credential"] for item in self.credentials or ())
