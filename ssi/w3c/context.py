"""The JSON-LD context of our W3C credentials, and ``type`` expansion for DCQL.

didkit 0.3.3 expands every document offline before signing or verifying a
Data Integrity proof, and fails on a term no context defines. Our credentials
therefore carry :data:`KYC_CONTEXT` inline, after the VC DM 1.1 context
(VC DM 1.1 §4.1): a protected context (JSON-LD 1.1 §4.1.11) that defines
each credential type, each ``credentialSubject`` term and the
``TokenStatusListEntry`` of ``credentialStatus``. Any other term fails
expansion, so a credential cannot carry a claim the context does not name.

Pinning (VC DM 1.1 §5.3.1 "JSON-based processors MUST process the
``@context`` key, ensuring the expected values exist in the expected order";
VC Data Integrity "Validating Contexts" and its Context Validation
algorithm, step 3): the
whole ``@context`` of a credential must deeply equal :data:`CONTEXT`, that of
a presentation :data:`PRESENTATION_CONTEXT`; another issuer's context is
accepted only when the trust list names its :func:`context_digest`.
:func:`pinned_context` checks that and returns the processed context, under
which :func:`ssi.w3c.jsonld_safe.check_members` then checks every member.

OpenID4VP 1.0 Appendix B.1.1: ``meta.type_values`` holds *fully expanded*
type IRIs. :func:`expanded_types` computes them for the contexts we can read
without fetching anything: the VC DM 1.1 context and inline context objects.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping
from functools import lru_cache
from typing import Any

from ..errors import MalformedInput
from . import spec
from .jsonld_safe import ActiveContext, active_context

__all__ = [
    "CONTEXT",
    "KYC_CONTEXT",
    "PRESENTATION_CONTEXT",
    "TERMS",
    "context_digest",
    "expanded_types",
    "kyc_iri",
    "pinned_context",
]


def kyc_iri(term: str) -> str:
    """The IRI of one of our terms (``urn:kyc-wallet:vocab#over18``)."""
    return spec.KYC_VOCAB + term


TERMS: dict[str, str | None] = {
    # credential types (predicates.py)
    "KycAgeCredential": None,
    "KycLevelCredential": None,
    "KycSanctionsCredential": None,
    "KycInvestorCredential": None,
    "KycResidenceCredential": None,
    # credentialSubject members: name -> XSD datatype (None: JSON's own type)
    "over18": None,
    "over21": None,
    "kycLevel": None,
    "kycMethod": None,
    "sanctionsClear": None,
    "sanctionsScreeningDate": "xsd:date",
    "investorClassification": None,
    "investorJurisdiction": None,
    "residenceCountry": None,
}
"""Every term of our vocabulary with its datatype coercion."""


def _definition(term: str, datatype: str | None) -> str | dict[str, str]:
    if datatype is None:
        return f"kyc:{term}"
    return {"@id": f"kyc:{term}", "@type": datatype}


KYC_CONTEXT: dict[str, Any] = {
    "@version": 1.1,
    "@protected": True,
    "kyc": spec.KYC_VOCAB,
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    **{term: _definition(term, datatype) for term, datatype in TERMS.items()},
    spec.STATUS_ENTRY_TYPE: {
        "@id": f"kyc:{spec.STATUS_ENTRY_TYPE}",
        "@context": {
            "@protected": True,
            "idx": {"@id": "kyc:statusListIndex", "@type": "xsd:nonNegativeInteger"},
            "uri": {"@id": "kyc:statusListUri", "@type": "@id"},
        },
    },
}
"""The inline context object (docs/specs/w3c-vc.md, "The context")."""

CONTEXT: list[Any] = [spec.VC_CONTEXT_V1, KYC_CONTEXT]
"""The ``@context`` of every credential we issue."""

PRESENTATION_CONTEXT: list[Any] = [spec.VC_CONTEXT_V1]
"""The ``@context`` of every presentation (ours, and didkit's for other wallets)."""


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def context_digest(value: Any) -> str:
    """SHA-256 (hex) of a ``@context`` value as canonical JSON (members sorted, no spaces).

    How a trust list names the context of another issuer
    (``w3c_contexts``). Canonical JSON keeps ``true`` and ``1`` apart, so
    equal digests mean deeply equal contexts.
    """
    return _digest(_canonical(value))


def _digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


_PINNED = {
    spec.TYPE_VERIFIABLE_CREDENTIAL: _canonical(CONTEXT),
    spec.TYPE_VERIFIABLE_PRESENTATION: _canonical(PRESENTATION_CONTEXT),
}


def pinned_context(
    document: Mapping[str, Any], kind: str, digests: Collection[str] = ()
) -> ActiveContext:
    """The processed ``@context`` of ``document`` if it is pinned, else raise.

    ``kind``: ``VerifiableCredential`` (pinned to :data:`CONTEXT`) or
    ``VerifiablePresentation`` (:data:`PRESENTATION_CONTEXT`); ``digests``:
    the :func:`context_digest` values the trust list accepts for this issuer.
    """
    value = document.get("@context")
    if not isinstance(value, list) or not value or value[0] != spec.VC_CONTEXT_V1:
        raise MalformedInput(f"'@context' must start with {spec.VC_CONTEXT_V1!r} (VC DM 1.1 §4.1)")
    canonical = _canonical(value)
    if canonical != _PINNED[kind] and _digest(canonical) not in digests:
        raise MalformedInput(
            f"'@context' is not the context this project publishes for a {kind}, nor one"
            ' the trust list names for this issuer (VC Data Integrity, "Validating Contexts")'
        )
    return _processed(canonical)


@lru_cache(maxsize=64)
def _processed(canonical: str) -> ActiveContext:
    """Each pinned context is processed once (they are few: ours and the listed ones)."""
    return active_context(json.loads(canonical), ActiveContext({}))


_VC_V1_TYPES = {
    spec.TYPE_VERIFIABLE_CREDENTIAL: spec.VC_VOCAB + spec.TYPE_VERIFIABLE_CREDENTIAL,
    spec.TYPE_VERIFIABLE_PRESENTATION: spec.VC_VOCAB + spec.TYPE_VERIFIABLE_PRESENTATION,
}
"""The types the VC DM 1.1 context defines that a credential names in ``type``."""


def _expand_iri(value: str, terms: Mapping[str, str], vocab: str | None) -> str:
    if value in terms:
        return terms[value]
    prefix, colon, suffix = value.partition(":")
    if colon and not suffix.startswith("//"):
        if prefix in terms:
            return terms[prefix] + suffix
        return value  # already an absolute IRI (urn:…, https:…)
    if vocab is not None:
        return vocab + value
    return value  # OpenID4VP B.1.1: an undefined type stays a relative IRI


def _read_inline(context: Mapping[str, Any], terms: dict[str, str]) -> str | None:
    vocab = context.get("@vocab")
    if vocab is not None and not isinstance(vocab, str):
        raise MalformedInput("'@vocab' must be a string")
    definitions: dict[str, str] = {}
    for name, definition in context.items():
        if name.startswith("@"):
            continue
        iri = definition.get("@id") if isinstance(definition, Mapping) else definition
        if isinstance(iri, str):
            definitions[name] = iri
    for name, iri in definitions.items():  # compact IRIs may use prefixes defined alongside
        terms[name] = _expand_iri(iri, {**terms, **definitions}, None)
    return vocab


def expanded_types(document: Mapping[str, Any]) -> tuple[str, ...]:
    """The fully expanded ``type`` IRIs of a credential (OpenID4VP 1.0 Appendix B.1.1).

    Reads the VC DM 1.1 context and inline context objects; any other remote
    context raises :class:`~ssi.errors.MalformedInput` (it would have to be
    fetched, and a guess could match the wrong type).
    """
    contexts = document.get("@context")
    if isinstance(contexts, str | Mapping):
        contexts = [contexts]
    if not isinstance(contexts, list) or not contexts or contexts[0] != spec.VC_CONTEXT_V1:
        raise MalformedInput(f"'@context' must start with {spec.VC_CONTEXT_V1!r} (VC DM 1.1 §4.1)")
    terms: dict[str, str] = {}
    vocab: str | None = None
    for context in contexts:
        if context == spec.VC_CONTEXT_V1:
            terms.update(_VC_V1_TYPES)
        elif isinstance(context, Mapping):
            vocab = _read_inline(context, terms) or vocab
        else:
            raise MalformedInput(f"cannot expand types offline with the context {context!r}")
    types = document.get("type")
    names = [types] if isinstance(types, str) else types
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise MalformedInput("'type' must be a string or an array of strings")
    return tuple(_expand_iri(name, terms, vocab) for name in names)
