"""Verifier metadata passed in ``client_metadata`` (OpenID4VP 1.0 §5.1, §11, §8.3).

``jwks`` holds the verifier's (ephemeral, HAIP 1.0 §5) response-encryption keys:
each has a unique ``kid`` and an ``alg``; a key with a private member is
refused. ``encrypted_response_enc_values_supported`` lists the ``enc`` values
the wallet may use (default ``A128GCM`` alone). ``client_name`` and
``logo_uri`` (RFC 7591 §2, which §11.1 lets a verifier send) are what the
verifier says about itself: kept as given, a string or nothing, for a wallet
to show as such, never as verified. Other unknown members are ignored (§11.1)
and not re-emitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidRequest
from ..jose import Key
from . import spec

__all__ = ["ClientMetadata", "ephemeral_encryption_key"]

_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def _jwks(value: object) -> dict[str, Any]:
    if not isinstance(value, dict) or not isinstance(value.get("keys"), list) or not value["keys"]:
        raise InvalidRequest("client_metadata.jwks must be a JWK Set with a non-empty 'keys'")
    kids = []
    for jwk in value["keys"]:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kty"), str):
            raise InvalidRequest("client_metadata.jwks holds a key that is not a JWK")
        if _PRIVATE_MEMBERS & jwk.keys():
            raise InvalidRequest("client_metadata.jwks must hold public keys only")
        if not isinstance(jwk.get("kid"), str) or not jwk["kid"]:
            raise InvalidRequest("every key in client_metadata.jwks needs a 'kid' (§5.1)")
        kids.append(jwk["kid"])
    if len(kids) != len(set(kids)):
        raise InvalidRequest("the kids in client_metadata.jwks must be unique")
    return value


@dataclass(frozen=True, slots=True)
class ClientMetadata:
    """The members of ``client_metadata`` that ``ssi`` reads."""

    jwks: dict[str, Any] | None = None
    encrypted_response_enc_values_supported: tuple[str, ...] | None = None
    vp_formats_supported: dict[str, Any] | None = None
    client_name: str | None = None
    """RFC 7591 §2: the name the verifier gives itself (unverified)."""
    logo_uri: str | None = None
    """RFC 7591 §2: the logo the verifier gives itself (unverified, any URI)."""

    @property
    def enc_values(self) -> tuple[str, ...]:
        """§5.1: the offered ``enc`` values, ``("A128GCM",)`` when absent."""
        return self.encrypted_response_enc_values_supported or (spec.DEFAULT_ENC,)

    def encryption_jwk(self) -> dict[str, Any]:
        """§8.3: the first key for encryption (``use`` absent or ``enc``) we can use:
        ``alg`` ECDH-ES on P-256 (HAIP 1.0 §5)."""
        for jwk in (self.jwks or {}).get("keys", []):
            if jwk.get("use", "enc") != "enc":
                continue
            if (
                jwk.get("alg") == spec.JWE_ALG_ECDH_ES
                and jwk.get("kty") == "EC"
                and jwk.get("crv") == "P-256"
            ):
                return dict(jwk)
        raise InvalidRequest("client_metadata.jwks has no ECDH-ES P-256 encryption key")

    @classmethod
    def for_encrypted_response(
        cls, jwk: dict[str, Any], vp_formats_supported: dict[str, Any] | None = None
    ) -> ClientMetadata:
        """HAIP 1.0 §5: one ephemeral key, and both ``A128GCM`` and ``A256GCM`` offered."""
        data: dict[str, Any] = {
            "jwks": {"keys": [jwk]},
            "encrypted_response_enc_values_supported": [spec.ENC_A128GCM, spec.ENC_A256GCM],
        }
        if vp_formats_supported is not None:
            data["vp_formats_supported"] = vp_formats_supported
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: object) -> ClientMetadata:
        if not isinstance(data, dict):
            raise InvalidRequest("client_metadata must be a JSON object")
        jwks = _jwks(data["jwks"]) if "jwks" in data else None
        enc = data.get("encrypted_response_enc_values_supported")
        if enc is not None and (
            not isinstance(enc, list) or not enc or not all(isinstance(e, str) for e in enc)
        ):
            raise InvalidRequest(
                "encrypted_response_enc_values_supported must be a non-empty array of strings"
            )
        formats = data.get("vp_formats_supported")
        if formats is not None and not isinstance(formats, dict):
            raise InvalidRequest("vp_formats_supported must be a JSON object")
        name, logo = data.get("client_name"), data.get("logo_uri")
        return cls(
            jwks,
            tuple(enc) if enc else None,
            formats,
            name if isinstance(name, str) else None,
            logo if isinstance(logo, str) else None,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.jwks is not None:
            out["jwks"] = self.jwks
        if self.encrypted_response_enc_values_supported is not None:
            out["encrypted_response_enc_values_supported"] = list(
                self.encrypted_response_enc_values_supported
            )
        if self.vp_formats_supported is not None:
            out["vp_formats_supported"] = self.vp_formats_supported
        if self.client_name is not None:
            out["client_name"] = self.client_name
        if self.logo_uri is not None:
            out["logo_uri"] = self.logo_uri
        return out


def ephemeral_encryption_key(kid: str) -> tuple[Key, dict[str, Any]]:
    """A fresh P-256 key for one request's encrypted response (HAIP 1.0 §5), and its
    public JWK for ``client_metadata.jwks`` (``kid``, ``use: enc``, ``alg: ECDH-ES``)."""
    key = Key.generate("ES256")
    jwk = key.public_jwk() | {"kid": kid, "use": "enc", "alg": spec.JWE_ALG_ECDH_ES}
    return key, jwk
