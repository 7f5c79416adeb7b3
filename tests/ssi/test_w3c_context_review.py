"""Review of the issue 19 item 2 fix: JSON that JSON-LD reads as the signed graph
but that our readers (``ssi.w3c``, the verifier's policy, the status check) read
otherwise, with the pinned ``@context`` left untouched.

The pinned context and the safe-mode walk stop every context rewrite; what is
left is the freedom JSON-LD itself gives a document under a fixed context:

* a member written as a compact IRI (``cred:credentialStatus``) or an absolute
  IRI instead of its term: the same triple, but ``credential["credentialStatus"]``
  is absent, so no status is checked and a revoked credential is accepted;
* a subject member moved under ``cred:credentialSubject``, or written as
  ``kyc:…``: the claim disappears from the JSON the policy reads;
* a value wrapped in an array (``["KP"]``), repeated (``[false, false]``,
  ``[1, 1.0]``), or an empty array for a member the issuer never signed: the
  same graph, but the policy's ``!=`` and ``not in`` rules compare a list with
  a scalar, which is "not equal", so ``residenceCountry not in ["KP"]`` passes
  for a resident of KP;
* ``type`` split between ``type`` and ``@type``, repeated, or written as an
  IRI: the same types, but the JSON ``type`` (DCQL, ``vct``) says otherwise.

Each test first shows that didkit still verifies the issuer's proof (the
attack is real), then that ``ssi.w3c`` refuses the document. The last tests
pin refusals that already hold (value objects, ``null``, keyword case, a
nested ``@context``, ``@id`` next to ``id``): each fails if its check goes.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

import pytest

from ssi.errors import MalformedInput
from ssi.jose import Key
from ssi.status_list import StatusReference
from ssi.w3c import (
    DidSigner,
    build_credential,
    build_presentation,
    issue_credential,
    verify_credential,
    verify_presentation,
)
from ssi.w3c.spec import FORMAT_LDP_VC
from tests.ssi.test_w3c_context_attacks import didkit_accepts_credential
from verifier.policies import Policy
from verifier.presentation_w3c import policy_claims
from verifier.rules import RuleFailed

NOW = int(time.time())
DAY = 86_400
NONCE = "n-0S6_WzA2Mj"
CLIENT_ID = "x509_san_dns:verifier.example.org"
CRED = "https://www.w3.org/2018/credentials#"
KYC = "urn:kyc-wallet:vocab#"
STATUS = StatusReference(7, "https://issuer.example/statuslists/1")

pytestmark = pytest.mark.usefixtures("fresh_now")

Forgery = Callable[[dict[str, Any]], None]


@pytest.fixture(scope="module")
def issuer() -> DidSigner:
    return DidSigner.from_key(Key.generate("EdDSA"))


@pytest.fixture(scope="module")
def holder() -> DidSigner:
    return DidSigner.from_key(Key.generate("EdDSA"))


SIGNED: dict[str, tuple[str, dict[str, Any]]] = {
    "level": ("KycLevelCredential", {"kycLevel": 1}),
    "minor": ("KycAgeCredential", {"over18": False}),
    "sanctions": ("KycSanctionsCredential", {"sanctionsClear": False}),
    "residence": ("KycResidenceCredential", {"residenceCountry": "KP"}),
    "investor": ("KycInvestorCredential", {"investorClassification": "retail"}),
}
"""What the issuer signs (each with a status entry): level 1, a minor (no over21),
a sanctions hit, a resident of KP, an investor with no jurisdiction."""


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
            status=STATUS,
        )
        credential = issue_credential(document, issuer, FORMAT_LDP_VC)
        assert isinstance(credential, dict)
        out[label] = credential
    return out


def verify(credential: dict[str, Any], issuer: DidSigner) -> Any:
    return verify_credential(credential, FORMAT_LDP_VC, trusted_issuers={issuer.did}, now=NOW)


def verify_vp(credential: dict[str, Any], issuer: DidSigner, holder: DidSigner) -> Any:
    presentation = build_presentation(
        credential, holder, FORMAT_LDP_VC, nonce=NONCE, client_id=CLIENT_ID
    )
    assert isinstance(presentation, dict)
    return verify_presentation(
        presentation,
        FORMAT_LDP_VC,
        nonce=NONCE,
        client_id=CLIENT_ID,
        trusted_issuers={issuer.did},
        now=NOW,
    )


def forged(signed: dict[str, dict[str, Any]], label: str, change: Forgery) -> dict[str, Any]:
    """A copy of a signed credential with ``change`` applied; its proof still verifies."""
    credential = copy.deepcopy(signed[label])
    change(credential)
    assert didkit_accepts_credential(credential), "not an attack: the proof no longer verifies"
    return credential


def rename(node_path: tuple[str, ...], old: str, new: str) -> Forgery:
    def change(credential: dict[str, Any]) -> None:
        node = credential
        for name in node_path:
            node = node[name]
        node[new] = node.pop(old)

    return change


def set_member(member: str, value: Any) -> Forgery:
    def change(credential: dict[str, Any]) -> None:
        credential["credentialSubject"][member] = value

    return change


def test_review_the_signed_credentials_carry_a_status(
    signed: dict[str, dict[str, Any]], issuer: DidSigner, holder: DidSigner
) -> None:
    for label, (_vc_type, members) in SIGNED.items():
        assert verify(signed[label], issuer).status == STATUS
        assert verify_vp(signed[label], issuer, holder).credential.claims == members


# --- a hidden credentialStatus: a revoked credential passes ---------------------------

HIDDEN_STATUS = {
    "compact-iri": "cred:credentialStatus",
    "absolute-iri": f"{CRED}credentialStatus",
}


@pytest.mark.parametrize("spelling", sorted(HIDDEN_STATUS))
def test_review_hidden_credential_status_refused(
    spelling: str, signed: dict[str, dict[str, Any]], issuer: DidSigner, holder: DidSigner
) -> None:
    """``credentialStatus`` under its IRI: the same triple, so the proof verifies, but
    the reader finds no ``credentialStatus`` and checks no status list at all."""
    credential = forged(signed, "level", rename((), "credentialStatus", HIDDEN_STATUS[spelling]))
    with pytest.raises(MalformedInput):
        verify(credential, issuer)
    with pytest.raises(MalformedInput):
        verify_vp(credential, issuer, holder)


# --- a hidden claim ----------------------------------------------------------------------


def split_subject(credential: dict[str, Any]) -> None:
    """The subject's node in two JSON objects: ``credentialSubject`` shows no over18."""
    subject = credential["credentialSubject"]
    credential["credentialSubject"] = {"id": subject["id"]}
    credential["cred:credentialSubject"] = subject


HIDDEN_CLAIM: dict[str, tuple[str, Forgery]] = {
    "compact-iri": (
        "sanctions",
        rename(("credentialSubject",), "sanctionsClear", "kyc:sanctionsClear"),
    ),
    "absolute-iri": (
        "residence",
        rename(("credentialSubject",), "residenceCountry", f"{KYC}residenceCountry"),
    ),
    "split-subject": ("minor", split_subject),
}


@pytest.mark.parametrize("name", sorted(HIDDEN_CLAIM))
def test_review_claim_hidden_under_its_iri_refused(
    name: str, signed: dict[str, dict[str, Any]], issuer: DidSigner
) -> None:
    label, change = HIDDEN_CLAIM[name]
    credential = forged(signed, label, change)
    with pytest.raises(MalformedInput):
        verify(credential, issuer)


# --- arrays: the policy's != and not in pass ------------------------------------------------

# name -> (signed credential, forged member and value, a rule the signed value fails)
ARRAYS: dict[str, tuple[str, str, Any, str]] = {
    "one-element": (
        "residence",
        "residenceCountry",
        ["KP"],
        'residenceCountry not in ["KP", "IR"]',
    ),
    "repeated": ("sanctions", "sanctionsClear", [False, False], "sanctionsClear != false"),
    "int-and-float": ("level", "kycLevel", [1, 1.0], "kycLevel != 1"),
    "empty-for-unsigned": (
        "investor",
        "investorJurisdiction",
        [],
        'investorJurisdiction not in ["US"]',
    ),
    "empty-optional-age": ("minor", "over21", [], "over21 != false"),
}


@pytest.mark.parametrize("name", sorted(ARRAYS))
def test_review_array_form_of_a_claim_refused(
    name: str, signed: dict[str, dict[str, Any]], issuer: DidSigner, holder: DidSigner
) -> None:
    """The same graph as the signed scalar (or as no member at all), yet a list in the
    JSON, which the policy's ``!=`` / ``not in`` call "different": the rule passes."""
    label, member, value, rule = ARRAYS[name]
    policy = Policy.from_dict(
        "p", {"format": "ldp_vc", "credential_type": SIGNED[label][0], "rules": [rule]}
    )
    with pytest.raises(RuleFailed):  # the issuer's credential fails the rule
        policy.check(policy_claims(verify_vp(signed[label], issuer, holder)), NOW)
    credential = forged(signed, label, set_member(member, value))
    with pytest.raises(MalformedInput):
        verify(credential, issuer)
    with pytest.raises(MalformedInput):
        verify_vp(credential, issuer, holder)


# --- type ------------------------------------------------------------------------------------

TYPES: dict[str, Forgery] = {
    "split-type-and-at-type": lambda c: c.update(
        type=["VerifiableCredential"], **{"@type": "KycLevelCredential"}
    ),
    "repeated": lambda c: c.update(type=[*c["type"], "VerifiableCredential"]),
    "absolute-iri": lambda c: c.update(type=["VerifiableCredential", f"{KYC}KycLevelCredential"]),
}


@pytest.mark.parametrize("name", sorted(TYPES))
def test_review_type_in_another_form_refused(
    name: str, signed: dict[str, dict[str, Any]], issuer: DidSigner
) -> None:
    credential = forged(signed, "level", TYPES[name])
    with pytest.raises(MalformedInput):
        verify(credential, issuer)


def test_review_vct_is_the_credential_type_whatever_the_order(
    signed: dict[str, dict[str, Any]], issuer: DidSigner, holder: DidSigner
) -> None:
    """``type`` is a set: the holder may list ``VerifiableCredential`` last, and the
    verdict's ``vct`` must still name the credential type the issuer signed."""
    credential = forged(signed, "level", lambda c: c.update(type=list(reversed(c["type"]))))
    assert policy_claims(verify_vp(credential, issuer, holder))["vct"] == "KycLevelCredential"


# --- refusals that hold today (each fails if its check is removed) -------------------------

HOLDS: dict[str, tuple[str, Forgery]] = {
    # {"@value": "1", "@type": xsd:integer} is the literal 1: a dict for the policy
    "typed-value-object": (
        "level",
        set_member(
            "kycLevel", {"@value": "1", "@type": "http://www.w3.org/2001/XMLSchema#integer"}
        ),
    ),
    # null is dropped by JSON-LD: "over21 != false" would pass on None
    "null-for-unsigned": ("minor", set_member("over21", None)),
    # an unknown keyword spelling is dropped (JSON-LD 1.1 §9.1: "@" names are reserved)
    "keyword-case": ("level", set_member("@Type", "KycAgeCredential")),
    # a nested context adding an alias term (protected terms cannot be redefined)
    "nested-context": (
        "level",
        lambda c: move(c, "kycLevel", {"@context": {"lvl": f"{KYC}kycLevel"}}, "lvl"),
    ),
    # the bare @nest keyword: kycLevel moves into it, the graph is the same
    "nest-keyword": ("level", lambda c: move(c, "kycLevel", {}, "@nest")),
}


def move(credential: dict[str, Any], member: str, extra: dict[str, Any], new: str) -> None:
    """``member`` of the subject now under ``new`` (``@nest``: inside a nest object)."""
    subject = credential["credentialSubject"]
    value = subject.pop(member)
    subject.update(extra)
    subject[new] = {member: value} if new == "@nest" else value


@pytest.mark.parametrize("name", sorted(HOLDS))
def test_review_lossless_refusals_hold(
    name: str, signed: dict[str, dict[str, Any]], issuer: DidSigner
) -> None:
    label, change = HOLDS[name]
    credential = copy.deepcopy(signed[label])
    change(credential)
    assert didkit_accepts_credential(credential)
    with pytest.raises(MalformedInput):
        verify(credential, issuer)


# --- a member whose IRI is not valid: JSON-LD drops it ----------------------------------------

INVALID_IRIS = {
    "two-fragments": "kyc:over21#x",
    "space": "kyc:over 21",
    "bad-percent": "kyc:over21%zz",
    "bracket": "kyc:over21[0]",
    "control": "kyc:over21\x7f",
    "absolute-two-fragments": "urn:kyc-wallet:vocab#over21#x",
}


@pytest.mark.parametrize("name", sorted(INVALID_IRIS))
def test_review_member_with_an_invalid_iri_refused(
    name: str, signed: dict[str, dict[str, Any]], issuer: DidSigner
) -> None:
    """``kyc:over21#x`` expands to ``urn:kyc-wallet:vocab#over21#x``, not an IRI (RFC 3987:
    one fragment): didkit drops the triple, so the member is in the JSON and not signed."""
    credential = forged(signed, "minor", set_member(INVALID_IRIS[name], True))
    with pytest.raises(MalformedInput):
        verify(credential, issuer)
