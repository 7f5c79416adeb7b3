"""SD-JWT VC Type Metadata (SD-JWT VC §5): the model, its shape, ``extends``, and the claim check.

:meth:`TypeMetadata.parse` validates a document's shape (§5.2, §5.5, §5.6)
and ignores members it does not understand; :meth:`TypeMetadata.extend`
applies a base type (§5.4, §5.5.2, §5.6.5); :func:`check_claims` validates an
issued credential against the claim metadata (§5.6): ``mandatory`` claims
present, ``sd: always`` claims directly disclosable, ``sd: never`` claims plain.
Retrieval and ``#integrity`` checks are the caller's (they need a fetcher).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import ResolutionError
from ..sdjwt import ClaimPath
from .errors import TypeMetadataMismatch
from .spec import SD_VALUES

__all__ = [
    "ClaimDisplay",
    "ClaimMetadata",
    "TypeDisplay",
    "TypeMetadata",
    "InvalidTypeMetadata",
    "select_claims",
    "check_claims",
]

PathPattern = tuple[str | int | None, ...]
_SVG_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class InvalidTypeMetadata(ResolutionError):
    """A Type Metadata document that does not have the shape of SD-JWT VC §5."""


def _str(doc: dict[str, Any], name: str, *, required: bool = False) -> str | None:
    value = doc.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value):
        raise InvalidTypeMetadata(f"{name!r} must be a {'non-empty ' if required else ''}string")
    return value


def _objects(doc: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = doc.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InvalidTypeMetadata(f"{name!r} must be an array of objects")
    return value


def _uri(value: Any, where: str) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("uri"), str):
        raise InvalidTypeMetadata(f"{where} needs a 'uri' string")
    if not value["uri"].startswith(("https://", "data:")):
        raise InvalidTypeMetadata(f"{where} 'uri' must be an https or data: URI (§5.5.1)")


def _rendering(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidTypeMetadata("'rendering' must be an object")
    simple = value.get("simple")
    if simple is not None:
        if not isinstance(simple, dict):
            raise InvalidTypeMetadata("'rendering.simple' must be an object")
        for part in ("logo", "background_image"):
            if part in simple:
                _uri(simple[part], f"rendering.simple.{part}")
    templates = value.get("svg_templates")
    if templates is not None:
        if not isinstance(templates, list) or not templates:
            raise InvalidTypeMetadata("'svg_templates' must be a non-empty array")
        for template in templates:
            _uri(template, "an SVG template")
            if len(templates) > 1 and not isinstance(template.get("properties"), dict):
                raise InvalidTypeMetadata("each of several SVG templates needs 'properties'")
    return value


@dataclass(frozen=True, slots=True)
class TypeDisplay:
    """§5.5: display information for one locale."""

    locale: str
    name: str
    description: str | None = None
    rendering: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ClaimDisplay:
    """§5.6.2: a claim's label for one locale."""

    locale: str
    label: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimMetadata:
    """§5.6: metadata about the claim(s) a ``path`` selects."""

    path: PathPattern
    display: tuple[ClaimDisplay, ...] = ()
    sd: str = "allowed"
    mandatory: bool = False
    svg_id: str | None = None
    defined: frozenset[str] = field(default=frozenset(), compare=False)
    """The members the document set (an extending type overrides only these)."""

    @classmethod
    def parse(cls, doc: dict[str, Any]) -> ClaimMetadata:
        path = doc.get("path")
        if not isinstance(path, list) or not path:
            raise InvalidTypeMetadata("a claim 'path' must be a non-empty array")
        for part in path:
            ok_int = isinstance(part, int) and not isinstance(part, bool) and part >= 0
            if not (part is None or isinstance(part, str) or ok_int):
                raise InvalidTypeMetadata("path components are strings, null or indices >= 0")
        displays = tuple(
            ClaimDisplay(
                str(_str(d, "locale", required=True)),
                str(_str(d, "label", required=True)),
                _str(d, "description"),
            )
            for d in _objects(doc, "display")
        )
        sd = doc.get("sd", "allowed")
        if sd not in SD_VALUES:
            raise InvalidTypeMetadata(f"'sd' must be one of {sorted(SD_VALUES)}")
        mandatory = doc.get("mandatory", False)
        if not isinstance(mandatory, bool):
            raise InvalidTypeMetadata("'mandatory' must be a boolean")
        svg_id = _str(doc, "svg_id")
        if svg_id is not None and not _SVG_ID.fullmatch(svg_id):
            raise InvalidTypeMetadata("'svg_id' must be alphanumeric/underscore, not digit-first")
        defined = frozenset(doc) & {"display", "sd", "mandatory", "svg_id"}
        return cls(tuple(path), displays, sd, mandatory, svg_id, defined)


@dataclass(frozen=True, slots=True)
class TypeMetadata:
    """§5.2: a Type Metadata document."""

    vct: str
    name: str | None = None
    description: str | None = None
    extends: str | None = None
    extends_integrity: str | None = None
    display: tuple[TypeDisplay, ...] = ()
    claims: tuple[ClaimMetadata, ...] = ()

    @classmethod
    def parse(cls, doc: Any) -> TypeMetadata:
        """Validate the shape of a Type Metadata document; unknown members are ignored."""
        if not isinstance(doc, dict):
            raise InvalidTypeMetadata("Type Metadata must be a JSON object")
        display = tuple(
            TypeDisplay(
                str(_str(d, "locale", required=True)),
                str(_str(d, "name", required=True)),
                _str(d, "description"),
                _rendering(d["rendering"]) if "rendering" in d else None,
            )
            for d in _objects(doc, "display")
        )
        claims = tuple(ClaimMetadata.parse(c) for c in _objects(doc, "claims"))
        svg_ids = [c.svg_id for c in claims if c.svg_id is not None]
        if len(svg_ids) != len(set(svg_ids)):
            raise InvalidTypeMetadata("'svg_id' values must be unique")
        return cls(
            vct=str(_str(doc, "vct", required=True)),
            name=_str(doc, "name"),
            description=_str(doc, "description"),
            extends=_str(doc, "extends"),
            extends_integrity=_str(doc, "extends#integrity"),
            display=display,
            claims=claims,
        )

    def extend(self, base: TypeMetadata) -> TypeMetadata:
        """This type on top of the type it extends (§5.5.2, §5.6.5, §5.6.5.1)."""
        if self.extends != base.vct:
            raise InvalidTypeMetadata("the base type is not the one named by 'extends'")
        merged = {c.path: c for c in base.claims}
        for claim in self.claims:
            old = merged.get(claim.path)
            if old is not None:
                fixed = old.sd in ("always", "never")
                if fixed and "sd" in claim.defined and claim.sd != old.sd:
                    raise InvalidTypeMetadata(f"'sd' of {list(claim.path)} cannot change")
                if old.mandatory and "mandatory" in claim.defined and not claim.mandatory:
                    raise InvalidTypeMetadata(f"{list(claim.path)} cannot stop being mandatory")
                overrides = {f: getattr(claim, f) for f in claim.defined}
                claim = replace(old, **overrides, defined=old.defined | claim.defined)
            merged[claim.path] = claim
        return replace(self, display=self.display or base.display, claims=tuple(merged.values()))

    def disclosable_paths(self) -> list[PathPattern]:
        """Paths the Issuer MUST make selectively disclosable (``sd: always``)."""
        return [c.path for c in self.claims if c.sd == "always"]


def select_claims(claims: Any, path: PathPattern) -> list[ClaimPath]:
    """§5.6.1.2: the concrete paths ``path`` selects in ``claims``; type errors raise."""
    selected: list[tuple[ClaimPath, Any]] = [((), claims)]
    for part in path:
        step: list[tuple[ClaimPath, Any]] = []
        for where, node in selected:
            if isinstance(part, str):
                if not isinstance(node, dict):
                    raise TypeMetadataMismatch(f"path {list(path)} expects an object")
                if part in node:
                    step.append((where + (part,), node[part]))
            else:
                if not isinstance(node, list):
                    raise TypeMetadataMismatch(f"path {list(path)} expects an array")
                indices: Iterable[int] = range(len(node)) if part is None else [part]
                step += [(where + (i,), node[i]) for i in indices if i < len(node)]
        selected = step
    return [where for where, _ in selected]


def check_claims(
    metadata: TypeMetadata, claims: dict[str, Any], disclosable: set[ClaimPath]
) -> None:
    """§5.6: validate an issued credential (all disclosures applied) against its metadata.

    ``disclosable`` holds the paths of the claims that are directly a
    disclosure (``HeldSDJWT.disclosures`` paths). Raises :class:`TypeMetadataMismatch`.
    """
    for claim in metadata.claims:
        found = select_claims(claims, claim.path)
        if claim.mandatory and not found:
            raise TypeMetadataMismatch(f"mandatory claim {list(claim.path)} is missing")
        for where in found:
            if claim.sd == "always" and where not in disclosable:
                raise TypeMetadataMismatch(f"claim {list(where)} must be selectively disclosable")
            if claim.sd == "never" and where in disclosable:
                raise TypeMetadataMismatch(f"claim {list(where)} must be plain, not disclosable")
