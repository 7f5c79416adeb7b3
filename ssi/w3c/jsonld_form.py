"""One JSON form per graph: what JSON-LD reads as the signed triples, our readers read too.

Under a pinned context (:mod:`.context`) JSON-LD still gives one RDF graph
several JSON forms: a member under its term, its compact IRI or its absolute
IRI (``cred:credentialStatus``); one node split over two JSON objects; a value
alone, in a one-element array, repeated (``[1, 1.0]``), or an empty array for
a member the graph does not have; ``type`` beside ``@type``. A Data Integrity
proof signs the graph, so every form keeps the issuer's proof valid, while
our readers see another document: ``credential["credentialStatus"]`` absent
(no status is checked, a revoked credential passes), ``["KP"]``, which the
policy's ``not in ["KP"]`` calls different from ``"KP"``. VC Data Integrity,
"Securing Data Losslessly", asks that what a JSON-LD processor reads other
than the JSON says be an error; :mod:`.jsonld_safe` calls these checks so
that a document has the one form our issuer writes:

* a key is the one term the active context defines for its IRI (or keyword):
  never the compact or absolute IRI of a defined term, nor ``@id``/``@type``
  where ``id``/``type`` alias them; no two keys of a node expand to the same
  IRI;
* a ``type`` value likewise, and each type once;
* an array holds two values or more, no two the same RDF term (JSON-LD 1.1
  Processing Algorithms §8.6, Object to RDF Conversion: ``1`` and ``1.0`` are
  one ``xsd:integer``); a ``@set`` or ``@graph`` container may hold one, a
  ``@list`` is ordered and may repeat;
* an ``@id`` value, or the string of an ``@id``-typed term, is the IRI itself,
  not a compact IRI the context would expand.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import MalformedInput

if TYPE_CHECKING:
    from .jsonld_safe import ActiveContext, Term

__all__ = ["check_array", "check_iri_form", "check_names"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_SINGLE_ALLOWED = frozenset({"@set", "@graph"})


def _other_form(message: str) -> MalformedInput:
    return MalformedInput(f"{message} (JSON-LD safe mode: one JSON form per graph)")


def check_names(names: Iterable[tuple[str, str]], context: ActiveContext, where: str) -> None:
    """Each ``(name, expanded)`` pair of one node: the term for its IRI, each IRI once."""
    seen: dict[str, str] = {}
    for name, iri in names:
        if iri in seen:
            raise _other_form(f"{where}: {seen[iri]!r} and {name!r} are the same IRI {iri[:80]!r}")
        seen[iri] = name
        terms = context.names(iri)
        if len(terms) > 1:
            raise _other_form(f"{where}: the terms {sorted(terms)} name one IRI {iri[:80]!r}")
        if terms and name not in terms:
            (term,) = terms
            raise _other_form(f"{where}: {name[:80]!r} must be written {term!r}, its term")


def _rdf_term(value: Any, term: Term | None, context: ActiveContext) -> tuple[Any, ...]:
    """What one array item becomes in the graph, to find two items that are one."""
    coercion = term.coercion if term is not None else None
    if isinstance(value, Mapping):
        ids = [v for k, v in value.items() if context.expand(k, vocab=True) == "@id"]
        return ("node", ids[0]) if ids and isinstance(ids[0], str) else ("blank", id(value))
    if isinstance(value, str) and coercion in ("@id", "@vocab"):
        return ("iri", context.expand(value, vocab=coercion == "@vocab") or value)
    if isinstance(value, bool):
        native, lexical = "boolean", "true" if value else "false"
    elif isinstance(value, int | float):
        if isinstance(value, float) and (value % 1 or abs(value) >= 1e21):
            native, lexical = "double", repr(value)
        else:
            native, lexical = "integer", str(int(value))
    else:
        native, lexical = "string", str(value)
    return ("literal", coercion or _XSD + native, lexical)


def check_array(values: list[Any], term: Term | None, context: ActiveContext, where: str) -> None:
    """An array is two or more distinct RDF terms (one in a set container; a list is free)."""
    containers = set(term.container) if term is not None else set()
    if "@list" in containers:
        return
    if not values:
        raise _other_form(f"{where} is an empty array, which the graph does not have")
    if len(values) == 1 and not containers & _SINGLE_ALLOWED:
        raise _other_form(f"{where} is a one-element array: the graph has the value alone")
    seen: set[tuple[Any, ...]] = set()
    for value in values:
        key = _rdf_term(value, term, context)
        if key in seen:
            raise _other_form(f"{where} repeats a value: the graph has it once")
        seen.add(key)


def check_iri_form(value: str, context: ActiveContext, where: str) -> None:
    """An ``@id`` value is written as its IRI: a compact IRI would expand to another string."""
    prefix, colon, suffix = value.partition(":")
    if colon and not suffix.startswith("//") and prefix in context.terms:
        raise _other_form(f"{where} {value[:80]!r} is a compact IRI: write the IRI it stands for")
