"""JSON-LD safe mode: every member of a document expands to an IRI under its context.

A Data Integrity proof signs the RDF graph of a document, while our verifier
and its policy read the JSON members. Where JSON-LD expansion drops a member
silently (a term mapped to ``null``, a key of keyword form, an ``@nest``
alias, a relative IRI, a ``null`` value), the graph and so the proof stay
intact while the JSON says something the issuer never signed. VC Data
Integrity, "Securing Data Losslessly": implementations "MUST throw an
error, which SHOULD be ``DATA_LOSS_DETECTION_ERROR``, when data is dropped by
a JSON-LD processor, such as when an undefined term is detected".

The contexts reaching this module are already pinned (deep equality with a
context we publish, or listed by hash in the trust list: :mod:`.context`).
:func:`active_context` implements the part of JSON-LD 1.1 Context Processing
and Create Term Definition (JSON-LD 1.1 Processing Algorithms and API §4.1, §4.2) that such contexts
use, and refuses the rest, so that no definition can drop or move a member:

* a context is the VC DM 1.1 base context (the bundled copy,
  :mod:`.vc_v1_context`) or an inline object; any other URL is refused
  (it would have to be fetched);
* a term maps to an absolute or compact IRI, a term of the same or the active
  context, ``@id`` or ``@type``; never ``null`` or another keyword;
* an expanded definition has only ``@id``, ``@type``, ``@context``,
  ``@container`` (``@set``, ``@list``, ``@graph``) and ``@protected``;
* a protected term is never redefined (VC DM 1.1 §5.3.1: "MUST produce an
  error when a JSON-LD context redefines any term"), and every scoped
  context is checked the same way when its context is read.

:func:`check_members` then walks the document: each key is ``@context`` at
the root, ``@id``/``@type`` or an alias of them, or a term, compact IRI or
absolute IRI that expands; type-scoped contexts apply to their node only,
property-scoped ones to the property's value (JSON-LD 1.1 §4.1.8); ``@id``
values and ``@id``-typed strings are absolute IRIs; no ``null``, no nested
``@context``, no value object; and each member in the one JSON form our
issuer writes (:mod:`.jsonld_form`: the term, not the IRI it stands for; no
one-element, repeated or empty array), since JSON-LD reads the other forms
as the same graph. A ``proof`` member is left to
:func:`ssi.w3c.checks.check_proof_method`, which pins its context per suite.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import MalformedInput
from . import spec
from .jsonld_form import check_array, check_iri_form, check_names
from .vc_v1_context import VC_V1_CONTEXT_DOCUMENT

__all__ = ["ActiveContext", "Term", "active_context", "check_members"]

_UCSCHAR = "\u00a0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef" + "".join(
    f"{chr(plane << 16 | (0x1000 if plane == 14 else 0))}-{chr(plane << 16 | 0xFFFD)}"
    for plane in range(1, 15)
)
"""RFC 3987 §2.2 ``ucschar``: no noncharacter (``U+1FFFE``), no ``U+E0000-E0FFF``."""
_IRI_CHAR = rf"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{{2}}|[{_UCSCHAR}])"
_ABSOLUTE_IRI = re.compile(rf"[A-Za-z][A-Za-z0-9+.\-]*:{_IRI_CHAR}+(?:#{_IRI_CHAR}*)?")
"""An absolute IRI (RFC 3987 §2.2, simplified and stricter: no IP literal, no private
use): what JSON-LD does not read as one, didkit drops with its triple (``a#b#c``, a
space, ``%zz``)."""
_TERM_KEYS = frozenset({"@id", "@type", "@context", "@container", "@protected"})
_CONTEXT_KEYS = frozenset({"@version", "@protected", "@vocab"})
_CONTAINERS = frozenset({"@set", "@list", "@graph"})
_ALIASES = frozenset({"@id", "@type"})
_MAX_DEPTH = 16


def _loss(message: str) -> MalformedInput:
    return MalformedInput(f"{message} (JSON-LD safe mode: DATA_LOSS_DETECTION_ERROR)")


@dataclass(frozen=True)
class Term:
    """One term definition: its IRI (or ``@id``/``@type``), coercion, scoped context."""

    iri: str
    coercion: str | None = None
    scoped: Any = None
    container: tuple[str, ...] = ()
    protected: bool = False


@dataclass(frozen=True)
class ActiveContext:
    """Terms and ``@vocab``; ``previous`` is the context before a type-scoped one."""

    terms: Mapping[str, Term]
    vocab: str | None = None
    previous: ActiveContext | None = None
    _derived: dict[tuple[int, bool, bool], ActiveContext] = field(
        default_factory=dict, compare=False, repr=False
    )
    _names: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)

    def names(self, iri: str) -> frozenset[str]:
        """The terms whose IRI (or keyword) is ``iri`` (:mod:`.jsonld_form`)."""
        if not self._names and self.terms:
            index: dict[str, set[str]] = {}
            for name, term in self.terms.items():
                index.setdefault(term.iri, set()).add(name)
            self._names.update({k: frozenset(v) for k, v in index.items()})
        return self._names.get(iri, frozenset())

    def apply(self, scoped: Any, *, propagate: bool, override_protected: bool) -> ActiveContext:
        """A scoped context of one of our terms over this one, computed once.

        ``scoped`` is a term's own ``@context`` value, kept alive by the term,
        so its ``id`` names it while this context lives.
        """
        key = (id(scoped), propagate, override_protected)
        found = self._derived.get(key)
        if found is None:
            found = active_context(
                scoped, self, propagate=propagate, override_protected=override_protected
            )
            self._derived[key] = found
        return found

    def expand(self, value: str, *, vocab: bool) -> str | None:
        """IRI expansion (JSON-LD 1.1 API §4.3) of a key, type or ``@vocab`` value.

        ``None`` where JSON-LD would drop ``value`` or leave it relative.
        """
        if _keyword_form(value):
            return value if value in _ALIASES else None
        if value in self.terms:
            return self.terms[value].iri
        prefix, colon, suffix = value.partition(":")
        if colon and not suffix.startswith("//") and prefix in self.terms:
            base = self.terms[prefix].iri
            return None if base.startswith("@") else _valid(base + suffix)
        if colon and _ABSOLUTE_IRI.fullmatch(value):
            return value
        if vocab and self.vocab is not None and not colon:
            return _valid(self.vocab + value)
        return None


def _valid(iri: str) -> str | None:
    return iri if _ABSOLUTE_IRI.fullmatch(iri) else None


EMPTY = ActiveContext({})


def _keyword_form(name: str) -> bool:
    return name.startswith("@")


def _term_iri(name: str, value: str, local: Mapping[str, Any], active: ActiveContext) -> str:
    """The IRI ``value`` (a term's ``@id``) stands for, prefixes of ``local`` first."""
    if _keyword_form(value):
        if value in _ALIASES:
            return value
        raise _loss(f"the context maps {name!r} to the keyword {value!r}")
    prefix, colon, suffix = value.partition(":")
    if colon and not suffix.startswith("//") and prefix in local and prefix != name:
        base = _definition(prefix, local[prefix], local, active, False).iri
        if not _keyword_form(base):
            return base + suffix
    if value in local and value != name:
        return _definition(value, local[value], local, active, False).iri
    expanded = active.expand(value, vocab=True)
    if expanded is None or (_keyword_form(expanded) and expanded not in _ALIASES):
        raise _loss(f"the context maps {name!r} to {value!r}, which is not an absolute IRI")
    return expanded


def _definition(
    name: str, definition: Any, local: Mapping[str, Any], active: ActiveContext, protected: bool
) -> Term:
    """Create Term Definition (JSON-LD 1.1 API §4.2), for the supported subset."""
    if _keyword_form(name) or ":" in name or not name:
        raise _loss(f"the context defines the term {name!r} (keyword or compact IRI form)")
    if definition is None:
        raise _loss(f"the context maps {name!r} to null: a dropped term is an error")
    if isinstance(definition, str):
        return Term(_term_iri(name, definition, local, active), protected=protected)
    if not isinstance(definition, Mapping):
        raise _loss(f"the definition of {name!r} is neither a string nor an object")
    unknown = set(definition) - _TERM_KEYS
    if unknown:
        raise _loss(f"the definition of {name!r} uses {sorted(unknown)}, which are not supported")
    iri = definition.get("@id", name)
    if not isinstance(iri, str):
        raise _loss(f"the '@id' of {name!r} must be a string")
    coercion = definition.get("@type")
    if coercion is not None:
        if not isinstance(coercion, str):
            raise _loss(f"the '@type' of {name!r} must be a string")
        if coercion not in ("@id", "@vocab"):
            coercion = _term_iri(name, coercion, local, active)
    container = definition.get("@container", ())
    containers = (container,) if isinstance(container, str) else container
    if not isinstance(containers, list | tuple) or not set(containers) <= _CONTAINERS:
        raise _loss(f"the '@container' of {name!r} must be among {sorted(_CONTAINERS)}")
    flag = definition.get("@protected", protected)
    if not isinstance(flag, bool):
        raise _loss(f"the '@protected' of {name!r} must be true or false")
    scoped = definition.get("@context")
    if scoped is not None:
        active_context(scoped, EMPTY)  # checked now, applied where the term is used
    term_iri = _term_iri(name, iri, local, active)
    return Term(term_iri, coercion, scoped, tuple(containers), flag)


def _local_contexts(value: Any) -> list[Mapping[str, Any]]:
    contexts = value if isinstance(value, list) else [value]
    out: list[Mapping[str, Any]] = []
    for context in contexts:
        if context == spec.VC_CONTEXT_V1:
            context = VC_V1_CONTEXT_DOCUMENT["@context"]
        if not isinstance(context, Mapping):
            raise MalformedInput(
                f"the context {str(context)[:80]!r} would have to be fetched: only the VC DM 1.1"
                " context and inline context objects are read"
            )
        out.append(context)
    return out


def active_context(
    value: Any,
    active: ActiveContext,
    *,
    propagate: bool = True,
    override_protected: bool = False,
    depth: int = 0,
) -> ActiveContext:
    """Context Processing (JSON-LD 1.1 API §4.1) of ``value`` over ``active``, or raise."""
    if depth > _MAX_DEPTH:
        raise MalformedInput("the context nests too deeply")
    terms = dict(active.terms)
    vocab = active.vocab
    for local in _local_contexts(value):
        unknown = {k for k in local if _keyword_form(k)} - _CONTEXT_KEYS
        if unknown:
            raise _loss(f"the context uses {sorted(unknown)}, which are not supported")
        version = local.get("@version", 1.1)
        if type(version) is not float or version != 1.1:
            raise MalformedInput("'@version' must be 1.1")
        protected = local.get("@protected", False)
        if not isinstance(protected, bool):
            raise MalformedInput("'@protected' must be true or false")
        if "@vocab" in local:
            new_vocab = local["@vocab"]
            if not isinstance(new_vocab, str) or not _ABSOLUTE_IRI.fullmatch(new_vocab):
                raise _loss("'@vocab' must be an absolute IRI")
            vocab = new_vocab
        current = ActiveContext(terms, vocab)
        for name, definition in local.items():
            if _keyword_form(name):
                continue
            term = _definition(name, definition, local, current, protected)
            old = terms.get(name)
            if old is not None and old.protected and not override_protected and old != term:
                raise MalformedInput(f"the context redefines the protected term {name!r}")
            terms[name] = term
    previous = active.previous
    if not propagate and previous is None:
        previous = active
    return ActiveContext(terms, vocab, previous)


def _absolute(value: Any, where: str, context: ActiveContext, *, vocab: bool) -> None:
    if not isinstance(value, str):
        raise MalformedInput(f"{where} must be a string")
    expanded = context.expand(value, vocab=vocab) if vocab else None
    if expanded is None and _ABSOLUTE_IRI.fullmatch(value):
        expanded = value
    if expanded is None or _keyword_form(expanded):
        raise _loss(f"{where} {value[:80]!r} does not expand to an absolute IRI")
    if vocab:
        check_names([(value, expanded)], context, where)
    else:
        check_iri_form(value, context, where)


def _types(node: Mapping[str, Any], context: ActiveContext) -> list[str]:
    found: list[str] = []
    for key, value in node.items():
        if key == "@type" or context.expand(key, vocab=True) == "@type":
            names = value if isinstance(value, list) else [value]
            for name in names:
                _absolute(name, f"the type at {key!r}", context, vocab=True)
                found.append(name)
    return found


def _value(value: Any, term: Term | None, context: ActiveContext, path: str, depth: int) -> None:
    if value is None:
        raise _loss(f"{path} is null")
    if isinstance(value, list):
        check_array(value, term, context, path)
        for item in value:
            if isinstance(item, list):
                raise MalformedInput(f"{path} holds an array of arrays")
            _value(item, term, context, path, depth)
    elif isinstance(value, Mapping):
        _node(value, context, path, depth + 1)
    elif isinstance(value, str) and term is not None and term.coercion in ("@id", "@vocab"):
        _absolute(value, path, context, vocab=term.coercion == "@vocab")


def _node(node: Mapping[str, Any], context: ActiveContext, path: str, depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise MalformedInput(f"{path} nests too deeply")
    if "@context" in node:
        raise _loss(f"{path} carries its own '@context'")
    if context.previous is not None:
        context = context.previous  # type-scoped contexts do not reach nested nodes
    scoped = context
    types = _types(node, context)
    check_names([(t, context.expand(t, vocab=True) or t) for t in types], context, f"{path} type")
    for name in sorted(types):
        term = context.terms.get(name)
        if term is not None and term.scoped is not None:
            scoped = scoped.apply(term.scoped, propagate=False, override_protected=False)
    keys = {key: scoped.expand(key, vocab=True) for key in node}
    for key, iri in keys.items():
        if iri is None or (_keyword_form(iri) and iri not in _ALIASES):
            raise _loss(
                f"the member {path}.{key} does not expand to an IRI under the pinned context"
            )
    check_names([(k, str(iri)) for k, iri in keys.items()], scoped, path)
    for key, value in node.items():
        where = f"{path}.{key}"
        iri = keys[key]
        if iri == "@id":
            _absolute(value, where, scoped, vocab=False)
            continue
        if iri == "@type":
            continue  # checked by _types
        term = scoped.terms.get(key)
        inner = scoped
        if term is not None and term.scoped is not None:
            inner = scoped.apply(term.scoped, propagate=True, override_protected=True)
        _value(value, term, inner, where, depth)


def check_members(
    document: Mapping[str, Any], context: ActiveContext, *, skip: frozenset[str] = frozenset()
) -> None:
    """Every member of ``document`` (but ``@context`` and ``skip``) expands under ``context``."""
    _node({k: v for k, v in document.items() if k not in skip | {"@context"}}, context, "$", 0)
