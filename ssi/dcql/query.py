"""The Digital Credentials Query Language model (OpenID4VP 1.0 §6.1-§6.3).

:meth:`DcqlQuery.from_dict` validates strictly and refuses what the
specification forbids (duplicate or malformed ids, empty arrays, ``claim_sets``
without ``claims`` or naming unknown claims, ``credential_sets`` naming unknown
credential queries, ill-typed members); unknown properties are ignored, as §6
requires. :meth:`DcqlQuery.to_dict` gives back the members that were sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..encoding import json_loads_object
from ..errors import MalformedInput
from . import spec
from ._checks import InvalidDcqlQuery, _array, _identifier, _object, _optional_bool, _strings
from .claims_path import ClaimsPath, validate_path

__all__ = [
    "ClaimValue",
    "ClaimsQuery",
    "TrustedAuthoritiesQuery",
    "CredentialQuery",
    "CredentialSetQuery",
    "DcqlQuery",
    "InvalidDcqlQuery",
]

ClaimValue = str | int | bool


@dataclass(frozen=True, slots=True)
class ClaimsQuery:
    """§6.3: one claim, by claims path pointer, optionally restricted to ``values``."""

    path: ClaimsPath
    id: str | None = None
    values: tuple[ClaimValue, ...] | None = None

    @classmethod
    def from_dict(cls, data: object, what: str = "claims query") -> ClaimsQuery:
        obj = _object(data, what)
        claim_id = None if "id" not in obj else _identifier(obj["id"], f"{what} id")
        with_path = f"{what} path"
        try:
            path = validate_path(obj.get("path"), with_path)
        except MalformedInput as exc:
            raise InvalidDcqlQuery(str(exc)) from exc
        values = None
        if "values" in obj:
            items = _array(obj["values"], f"{what} values")
            for item in items:
                if not isinstance(item, str | int | bool):
                    raise InvalidDcqlQuery(f"{what} values must be strings, integers or booleans")
            values = tuple(items)
        return cls(path=path, id=claim_id, values=values)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out["path"] = list(self.path)
        if self.values is not None:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True, slots=True)
class TrustedAuthoritiesQuery:
    """§6.1.1: ``{type, values}`` naming authorities the verifier accepts."""

    type: str
    values: tuple[str, ...]

    @classmethod
    def from_dict(cls, data: object) -> TrustedAuthoritiesQuery:
        obj = _object(data, "trusted_authorities entry")
        kind = obj.get("type")
        if not isinstance(kind, str) or not kind:
            raise InvalidDcqlQuery("trusted_authorities type must be a non-empty string")
        return cls(kind, _strings(obj.get("values"), "trusted_authorities values"))

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "values": list(self.values)}


def _check_meta(fmt: str, meta: dict[str, Any], what: str) -> None:
    """Appendix B: the ``meta`` members each format requires."""
    if fmt == spec.FORMAT_SD_JWT_VC:
        _strings(meta.get(spec.META_VCT_VALUES), f"{what} meta.{spec.META_VCT_VALUES}")
    elif fmt == spec.FORMAT_MSO_MDOC:
        doctype = meta.get(spec.META_DOCTYPE_VALUE)
        if not isinstance(doctype, str) or not doctype:
            raise InvalidDcqlQuery(
                f"{what} meta.{spec.META_DOCTYPE_VALUE} must be a non-empty string"
            )
    elif fmt in (spec.FORMAT_JWT_VC_JSON, spec.FORMAT_LDP_VC):
        where = f"{what} meta.{spec.META_TYPE_VALUES}"
        for alternative in _array(meta.get(spec.META_TYPE_VALUES), where):
            _strings(alternative, f"{where} entry")


@dataclass(frozen=True, slots=True)
class CredentialQuery:
    """§6.1: a request for one (or, with ``multiple``, several) credentials."""

    id: str
    format: str
    meta: dict[str, Any]
    claims: tuple[ClaimsQuery, ...] | None = None
    claim_sets: tuple[tuple[str, ...], ...] | None = None
    multiple: bool | None = None
    require_cryptographic_holder_binding: bool | None = None
    trusted_authorities: tuple[TrustedAuthoritiesQuery, ...] | None = None

    @property
    def allows_multiple(self) -> bool:
        return bool(self.multiple)

    @property
    def requires_holder_binding(self) -> bool:
        """§6.1: the default is ``true``."""
        return self.require_cryptographic_holder_binding is not False

    @property
    def vct_values(self) -> tuple[str, ...]:
        values = self.meta.get(spec.META_VCT_VALUES)
        return tuple(values) if isinstance(values, list) else ()

    @classmethod
    def from_dict(cls, data: object) -> CredentialQuery:
        obj = _object(data, "credential query")
        query_id = _identifier(obj.get("id"), "credential query id")
        what = f"credential query {query_id!r}"
        fmt = obj.get("format")
        if not isinstance(fmt, str) or not fmt:
            raise InvalidDcqlQuery(f"{what}: format must be a non-empty string")
        if "meta" not in obj:
            raise InvalidDcqlQuery(f"{what}: meta is required")
        meta = _object(obj["meta"], f"{what} meta")
        _check_meta(fmt, meta, what)
        claims = None
        if "claims" in obj:
            claims = tuple(
                ClaimsQuery.from_dict(c, f"{what} claim")
                for c in _array(obj["claims"], f"{what} claims")
            )
            ids = [c.id for c in claims if c.id is not None]
            if len(ids) != len(set(ids)):
                raise InvalidDcqlQuery(f"{what}: claim ids must be unique")
            paths = [c.path for c in claims]
            if len(paths) != len(set(paths)):
                raise InvalidDcqlQuery(f"{what}: the same claim path is requested twice")
            if fmt == spec.FORMAT_MSO_MDOC:
                for c in claims:
                    if len(c.path) != 2 or not all(isinstance(p, str) for p in c.path):
                        raise InvalidDcqlQuery(f"{what}: an mdoc path is two strings (§7.2)")
        claim_sets = None
        if "claim_sets" in obj:
            if claims is None:
                raise InvalidDcqlQuery(f"{what}: claim_sets must not be present without claims")
            if any(c.id is None for c in claims):
                raise InvalidDcqlQuery(f"{what}: with claim_sets every claim needs an id")
            known = {c.id for c in claims}
            sets = []
            for option in _array(obj["claim_sets"], f"{what} claim_sets"):
                ids_ = _strings(option, f"{what} claim_sets entry")
                unknown = [i for i in ids_ if i not in known]
                if unknown:
                    raise InvalidDcqlQuery(f"{what}: claim_sets names unknown claims {unknown}")
                sets.append(ids_)
            claim_sets = tuple(sets)
        trusted = None
        if "trusted_authorities" in obj:
            trusted = tuple(
                TrustedAuthoritiesQuery.from_dict(t)
                for t in _array(obj["trusted_authorities"], f"{what} trusted_authorities")
            )
        return cls(
            id=query_id,
            format=fmt,
            meta=meta,
            claims=claims,
            claim_sets=claim_sets,
            multiple=_optional_bool(obj, "multiple", what),
            require_cryptographic_holder_binding=_optional_bool(
                obj, "require_cryptographic_holder_binding", what
            ),
            trusted_authorities=trusted,
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "format": self.format}
        if self.multiple is not None:
            out["multiple"] = self.multiple
        out["meta"] = self.meta
        if self.trusted_authorities is not None:
            out["trusted_authorities"] = [t.to_dict() for t in self.trusted_authorities]
        if self.require_cryptographic_holder_binding is not None:
            out["require_cryptographic_holder_binding"] = self.require_cryptographic_holder_binding
        if self.claims is not None:
            out["claims"] = [c.to_dict() for c in self.claims]
        if self.claim_sets is not None:
            out["claim_sets"] = [list(s) for s in self.claim_sets]
        return out


@dataclass(frozen=True, slots=True)
class CredentialSetQuery:
    """§6.2: alternative sets of credential query ids; ``required`` defaults to true."""

    options: tuple[tuple[str, ...], ...]
    required: bool | None = None

    @property
    def is_required(self) -> bool:
        return self.required is not False

    @classmethod
    def from_dict(cls, data: object) -> CredentialSetQuery:
        obj = _object(data, "credential set query")
        options = tuple(
            _strings(option, "credential set option")
            for option in _array(obj.get("options"), "credential set options")
        )
        return cls(options, _optional_bool(obj, "required", "credential set query"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"options": [list(o) for o in self.options]}
        if self.required is not None:
            out["required"] = self.required
        return out


@dataclass(frozen=True, slots=True)
class DcqlQuery:
    """§6: ``credentials`` and optional ``credential_sets``."""

    credentials: tuple[CredentialQuery, ...]
    credential_sets: tuple[CredentialSetQuery, ...] | None = None

    def credential(self, query_id: str) -> CredentialQuery:
        for query in self.credentials:
            if query.id == query_id:
                return query
        raise KeyError(query_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(q.id for q in self.credentials)

    @classmethod
    def from_dict(cls, data: object) -> DcqlQuery:
        obj = _object(data, "DCQL query")
        credentials = tuple(
            CredentialQuery.from_dict(c) for c in _array(obj.get("credentials"), "credentials")
        )
        ids = [c.id for c in credentials]
        if len(ids) != len(set(ids)):
            raise InvalidDcqlQuery("credential query ids must be unique")
        sets = None
        if "credential_sets" in obj:
            sets = tuple(
                CredentialSetQuery.from_dict(s)
                for s in _array(obj["credential_sets"], "credential_sets")
            )
            for credential_set in sets:
                for option in credential_set.options:
                    unknown = [i for i in option if i not in ids]
                    if unknown:
                        raise InvalidDcqlQuery(
                            f"credential_sets names unknown credential queries {unknown}"
                        )
        return cls(credentials, sets)

    @classmethod
    def from_json(cls, text: str | bytes) -> DcqlQuery:
        return cls.from_dict(json_loads_object(text, "DCQL query"))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"credentials": [c.to_dict() for c in self.credentials]}
        if self.credential_sets is not None:
            out["credential_sets"] = [s.to_dict() for s in self.credential_sets]
        return out
