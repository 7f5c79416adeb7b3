"""Issue 19 item 2: a holder rewrites the claims of an ``ldp_vc`` credential.

A Data Integrity proof signs the RDF graph; the verifier and its policy read
the JSON members. A context that maps a member to ``null`` (and adds an alias
term for its IRI), an ``@nest`` or keyword alias, swapped terms, an appended
context or a member of keyword form keep the graph, and so the issuer's
proof, intact while the JSON says something else. Each test first shows the
attack is real (didkit, called directly, still verifies the manipulated
credential, and the holder's re-signed presentation), then that ``ssi.w3c``
refuses it: the whole ``@context`` is pinned (VC Data Integrity "Validating
Contexts"), and where a context is accepted by hash every member must expand
under it ("Securing Data Losslessly": a dropped term is an error).
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import time
from pathlib import Path
from typing import Any

import didkit
import pytest

from ssi.errors import MalformedInput
from ssi.jose import Key
from ssi.w3c import (
    CONTEXT,
    KYC_CONTEXT,
    DidSigner,
    build_credential,
    build_presentation,
    context_digest,
    issue_credential,
    verify_credential,
    verify_presentation,
)
from ssi.w3c.jsonld_safe import ActiveContext, active_context
from ssi.w3c.proofs import sign_presentation
from ssi.w3c.spec import FORMAT_LDP_VC, VC_CONTEXT_V1
from ssi.w3c.vc_v1_context import VC_V1_CONTEXT_DOCUMENT, VC_V1_DIGEST

NOW = int(time.time())
DAY = 86_400
NONCE = "n-0S6_WzA2Mj"
CLIENT_ID = "x509_san_dns:verifier.example.org"
KYC = "urn:kyc-wallet:vocab#"
PINNED = "not the context this project publishes"
LOSS = "DATA_LOSS_DETECTION_ERROR"

pytestmark = pytest.mark.usefixtures("fresh_now")


def run_didkit(function: Any, *args: str) -> Any:
    async def call() -> Any:
        return await function(*args)

    return asyncio.run(call())


def didkit_accepts_credential(credential: dict[str, Any]) -> bool:
    options = json.dumps({"proofFormat": "ldp", "proofPurpose": "assertionMethod"})
    result = json.loads(run_didkit(didkit.verify_credential, json.dumps(credential), options))
    return isinstance(result["errors"], list) and not result["errors"]


def didkit_accepts_presentation(presentation: dict[str, Any]) -> bool:
    options = {"proofPurpose": "authentication", "challenge": NONCE, "domain": CLIENT_ID}
    result = json.loads(
        run_didkit(didkit.verify_presentation, json.dumps(presentation), json.dumps(options))
    )
    return result["errors"] == [] and all(
        didkit_accepts_credential(c) for c in presentation["verifiableCredential"]
    )


@pytest.fixture(scope="module")
def issuer() -> DidSigner:
    return DidSigner.from_key(Key.generate("EdDSA"))


@pytest.fixture(scope="module")
def holder() -> DidSigner:
    return DidSigner.from_key(Key.generate("EdDSA"))


SIGNED: dict[str, tuple[str, dict[str, Any]]] = {
    "level": ("KycLevelCredential", {"kycLevel": 1}),
    "minor": ("KycAgeCredential", {"over18": False, "over21": False}),
    "adult": ("KycAgeCredential", {"over18": True, "over21": False}),
    "sanctions": ("KycSanctionsCredential", {"sanctionsClear": False}),
    "residence": ("KycResidenceCredential", {"residenceCountry": "KP"}),
}
"""What the issuer signs: level 1, a minor, an adult under 21, a sanctions hit, resident in KP."""


@pytest.fixture(scope="module")
def signed(issuer: DidSigner, holder: DidSigner) -> dict[str, dict[str, Any]]:
    out = {}
    for label, (vc_type, members) in SIGNED.items():
        document = build_credential(
            vc_type,
            members,
            issuer=issuer.did,
            holder=holder.did,
            issued=NOW - 60,
            expires=NOW + DAY,
            status=None,
        )
        credential = issue_credential(document, issuer, FORMAT_LDP_VC)
        assert isinstance(credential, dict)
        out[label] = credential
    return out


def rewrite(
    credential: dict[str, Any], changes: dict[str, Any], subject: dict[str, Any]
) -> dict[str, Any]:
    """A copy whose KYC context has ``changes`` and whose subject members are ``subject``."""
    forged = copy.deepcopy(credential)
    context = {**KYC_CONTEXT, **changes}
    forged["@context"] = [VC_CONTEXT_V1, context]
    forged["credentialSubject"] = {"id": forged["credentialSubject"]["id"], **subject}
    return forged


# member -> (signed credential, its subject as forged: the JSON's value, the alias's value)
NULL_MAPPING: dict[str, tuple[str, dict[str, Any]]] = {
    "kycLevel": ("level", {"kycLevel": 3, "alias": 1}),
    "over18": ("minor", {"over18": True, "alias": False, "over21": False}),
    "sanctionsClear": ("sanctions", {"sanctionsClear": True, "alias": False}),
    "residenceCountry": ("residence", {"residenceCountry": "DE", "alias": "KP"}),
}


def null_mapping(member: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """``member`` mapped to null, an alias term for its IRI carrying the signed value."""
    label, subject = NULL_MAPPING[member]
    return label, {member: None, "alias": f"{KYC}{member}"}, subject


# name -> (signed credential, context changes, forged subject)
ATTACKS: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    **{f"null-mapping-{m}": null_mapping(m) for m in NULL_MAPPING},
    # residenceCountry made an alias of the keyword @index (dropped from the graph)
    "alias-term": (
        "residence",
        {"residenceCountry": "@index", "country": f"{KYC}residenceCountry"},
        {"residenceCountry": "DE", "country": "KP"},
    ),
    # the signed level sits in an @nest object; the JSON's kycLevel is dropped
    "nest": (
        "level",
        {"kycLevel": None, "details": "@nest", "lvl": f"{KYC}kycLevel"},
        {"kycLevel": 3, "details": {"lvl": 1}},
    ),
    # over18 and over21 swap IRIs: the same graph, and the JSON says over21 true
    "renamed-term": (
        "adult",
        {"over18": f"{KYC}over21", "over21": f"{KYC}over18"},
        {"over18": False, "over21": True},
    ),
}


def forge(signed: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    label, changes, subject = ATTACKS[name]
    return rewrite(signed[label], changes, subject)


def verify(credential: dict[str, Any], issuer: DidSigner, **kwargs: Any) -> Any:
    return verify_credential(
        credential, FORMAT_LDP_VC, trusted_issuers={issuer.did}, now=NOW, **kwargs
    )


def listed(credential: dict[str, Any], issuer: DidSigner) -> dict[str, Any]:
    """As if the trust list named the manipulated context: the safe-mode check alone."""
    return {"issuer_contexts": {issuer.did: {context_digest(credential["@context"])}}}


def present(credential: dict[str, Any], holder: DidSigner) -> dict[str, Any]:
    presentation = build_presentation(
        credential, holder, FORMAT_LDP_VC, nonce=NONCE, client_id=CLIENT_ID
    )
    assert isinstance(presentation, dict)
    return presentation


def verify_vp(presentation: dict[str, Any], issuer: DidSigner, **kwargs: Any) -> Any:
    return verify_presentation(
        presentation,
        FORMAT_LDP_VC,
        nonce=NONCE,
        client_id=CLIENT_ID,
        trusted_issuers={issuer.did},
        now=NOW,
        **kwargs,
    )


def test_the_signed_credentials_verify(
    signed: dict[str, dict[str, Any]], issuer: DidSigner, holder: DidSigner
) -> None:
    for label, credential in signed.items():
        members = SIGNED[label][1]
        assert didkit_accepts_credential(credential)
        assert verify(credential, issuer).claims == members
        assert verify_vp(present(credential, holder), issuer).credential.claims == members


# --- credentials ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_ldp_context_attack_on_credential_refused(
    name: str, signed: dict[str, dict[str, Any]], issuer: DidSigner
) -> None:
    forged = forge(signed, name)
    assert didkit_accepts_credential(forged), "not an attack: the proof no longer verifies"
    with pytest.raises(MalformedInput, match=PINNED):
        verify(forged, issuer)


@pytest.mark.parametrize("name", sorted(n for n in ATTACKS if n != "renamed-term"))
def test_ldp_context_attack_refused_by_safe_mode_even_when_listed(
    name: str, signed: dict[str, dict[str, Any]], issuer: DidSigner
) -> None:
    """Were the manipulated context listed by hash, a dropped member is still an error."""
    forged = forge(signed, name)
    with pytest.raises(MalformedInput, match=LOSS):
        verify(forged, issuer, **listed(forged, issuer))


def test_ldp_appended_context_refused(signed: dict[str, dict[str, Any]], issuer: DidSigner) -> None:
    """An appended context null-maps a member the issuer never signed ("accredited")."""
    forged = copy.deepcopy(signed["level"])
    forged["@context"] = [*forged["@context"], {"accredited": None}]
    forged["credentialSubject"]["accredited"] = True
    assert didkit_accepts_credential(forged)
    with pytest.raises(MalformedInput, match=PINNED):
        verify(forged, issuer)
    with pytest.raises(MalformedInput, match=f"'accredited' to null.*{LOSS}"):
        verify(forged, issuer, **listed(forged, issuer))


@pytest.mark.parametrize("where", ["credentialSubject", "root"])
def test_ldp_extra_undefined_member_refused(
    where: str, signed: dict[str, dict[str, Any]], issuer: DidSigner
) -> None:
    """A member of keyword form is dropped by JSON-LD: unsigned, yet in the JSON."""
    forged = copy.deepcopy(signed["level"])
    node = forged["credentialSubject"] if where == "credentialSubject" else forged
    node["@kycLevel"] = 3
    assert didkit_accepts_credential(forged)
    with pytest.raises(MalformedInput, match=f"@kycLevel does not expand.*{LOSS}"):
        verify(forged, issuer)


def test_ldp_proof_context_replaced_by_an_equivalent_copy_refused(
    signed: dict[str, dict[str, Any]], issuer: DidSigner
) -> None:
    """The proof's own context is pinned per suite, like the document's."""
    forged = copy.deepcopy(signed["level"])
    forged["proof"]["@context"] = [{"Ed25519Signature2020": SUITE_2020}]
    assert didkit_accepts_credential(forged)
    with pytest.raises(MalformedInput, match="proof's '@context' must be"):
        verify(forged, issuer)


SEC = "https://w3id.org/security#"
SUITE_2020 = {
    "@id": f"{SEC}Ed25519Signature2020",
    "@context": {
        "@protected": True,
        "id": "@id",
        "type": "@type",
        "created": {
            "@id": "http://purl.org/dc/terms/created",
            "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
        },
        "proofPurpose": {
            "@id": f"{SEC}proofPurpose",
            "@type": "@vocab",
            "@context": {
                "assertionMethod": {"@id": f"{SEC}assertionMethod", "@type": "@id"},
            },
        },
        "proofValue": {"@id": f"{SEC}proofValue", "@type": f"{SEC}multibase"},
        "verificationMethod": {"@id": f"{SEC}verificationMethod", "@type": "@id"},
    },
}
"""The Ed25519Signature2020 terms a credential proof uses, inline (same IRIs)."""


# --- presentations ----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_ldp_context_attack_inside_presentation_refused(
    name: str, signed: dict[str, dict[str, Any]], issuer: DidSigner, holder: DidSigner
) -> None:
    """The holder re-signs a presentation of the rewritten credential: both proofs verify."""
    presentation = present(forge(signed, name), holder)
    assert didkit_accepts_presentation(presentation)
    with pytest.raises(MalformedInput, match=PINNED):
        verify_vp(presentation, issuer)


VP_ATTACKS: dict[str, tuple[list[Any], dict[str, Any]]] = {
    "null-mapping": ([{"note": None}], {"note": "kycLevel 3"}),
    "alias-term": ([{"note": "@index"}], {"note": "kycLevel 3"}),
    "nest": ([{"details": "@nest"}], {"details": {}}),
    "appended-context": ([{"note": "urn:example:note"}], {}),
    "extra-undefined-member": ([], {"@note": "kycLevel 3"}),
}
"""Changes to the presentation itself: (contexts appended to VC DM 1.1's, members added)."""


@pytest.mark.parametrize("name", sorted(VP_ATTACKS))
def test_ldp_presentation_context_attack_refused(
    name: str, signed: dict[str, dict[str, Any]], issuer: DidSigner, holder: DidSigner
) -> None:
    appended, members = VP_ATTACKS[name]
    document = {
        "@context": [VC_CONTEXT_V1, *appended],
        "type": ["VerifiablePresentation"],
        "holder": holder.did,
        "verifiableCredential": [signed["level"]],
        **members,
    }
    presentation = sign_presentation(
        document, holder, FORMAT_LDP_VC, challenge=NONCE, domain=CLIENT_ID
    )
    assert isinstance(presentation, dict)
    assert didkit_accepts_presentation(presentation)
    expected = LOSS if name == "extra-undefined-member" else "for a VerifiablePresentation"
    with pytest.raises(MalformedInput, match=expected):
        verify_vp(presentation, issuer)


def test_refusal_names_the_dropped_member(
    signed: dict[str, dict[str, Any]], issuer: DidSigner
) -> None:
    forged = forge(signed, "null-mapping-kycLevel")
    with pytest.raises(MalformedInput, match="maps 'kycLevel' to null"):
        verify(forged, issuer, **listed(forged, issuer))


# --- the context processor itself -----------------------------------------------------------


def test_bundled_vc_v1_context_is_the_published_document() -> None:
    """VC DM 1.1 Appendix "Base Context": SHA-256 ab4ddd9a…; our dict is the same JSON."""
    raw = (Path(__file__).parents[1] / "vectors" / "w3c" / "credentials-v1.jsonld").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == VC_V1_DIGEST
    assert json.loads(raw) == VC_V1_CONTEXT_DOCUMENT
    assert json.dumps(json.loads(raw), sort_keys=True) == json.dumps(
        VC_V1_CONTEXT_DOCUMENT, sort_keys=True
    )


def test_our_context_defines_every_member_we_issue() -> None:
    context = active_context(CONTEXT, ActiveContext({}))
    assert context.terms["kycLevel"].iri == f"{KYC}kycLevel"
    assert context.terms["VerifiableCredential"].scoped is not None
    assert context.expand("sanctionsScreeningDate", vocab=True) == f"{KYC}sanctionsScreeningDate"


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ([VC_CONTEXT_V1, {"VerifiableCredential": "urn:x"}], "redefines the protected term"),
        ([VC_CONTEXT_V1, "https://example.org/other/v1"], "would have to be fetched"),
        ([VC_CONTEXT_V1, {"a": {"@id": "urn:a", "@reverse": "urn:b"}}], "not supported"),
        ([VC_CONTEXT_V1, {"a": {"@id": "urn:a", "@container": "@language"}}], "@container"),
        ([VC_CONTEXT_V1, {"@import": "https://example.org/c"}], "not supported"),
        ([VC_CONTEXT_V1, {"a": "relative"}], "not an absolute IRI"),
        ([VC_CONTEXT_V1, {"a": {"@id": "urn:a", "@context": {"b": None}}}], "'b' to null"),
        ([VC_CONTEXT_V1, {"@version": True}], "'@version' must be 1.1"),
    ],
    ids=[
        "protected",
        "remote",
        "reverse",
        "language-map",
        "import",
        "relative",
        "scoped-null",
        "version",
    ],
)
def test_unsupported_or_lossy_context_refused(context: list[Any], message: str) -> None:
    with pytest.raises(MalformedInput, match=message):
        active_context(context, ActiveContext({}))
