"""Policies and trust list entries for W3C predicate credentials, checked at
load (docs/verifier.md): what a W3C policy asks for, and the combinations
refused with a clear message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ssi.errors import MalformedInput
from ssi.w3c import credential_query
from tests.verifier.conftest import POLICIES, TOKEN_TARGET
from verifier.policies import Policy, load_policies
from verifier.trust import load_trust_list

ADULTS = {"format": "ldp_vc", "credential_type": "KycAgeCredential", "rules": ["over18 == true"]}


def _load(body: dict[str, Any]) -> None:
    load_policies({"policies": {**POLICIES["policies"], "w3c": body}})


def test_w3c_policy_asks_for_the_predicate_credential() -> None:
    policy = Policy.from_dict("adults", ADULTS)
    (query,) = policy.dcql_query().to_dict()["credentials"]
    assert query == credential_query("kyc", "KycAgeCredential", "ldp_vc")
    assert query["meta"]["type_values"] == [["urn:kyc-wallet:vocab#KycAgeCredential"]]


def test_w3c_policy_with_address_proof_refused_at_load() -> None:
    with pytest.raises(MalformedInput, match="defines only for SD-JWT VC"):
        _load({**ADULTS, "address_proof": True, "token": TOKEN_TARGET})


def test_w3c_policy_rule_on_another_member_refused() -> None:
    with pytest.raises(MalformedInput, match="reads no member of KycAgeCredential"):
        _load({**ADULTS, "rules": ["kyc_level >= 2"]})


def test_w3c_policy_of_unknown_credential_type_refused() -> None:
    with pytest.raises(MalformedInput, match="'credential_type' is one of"):
        _load({**ADULTS, "credential_type": "PassportCredential"})


def test_w3c_policy_with_claims_refused() -> None:
    with pytest.raises(MalformedInput, match="disclosed whole"):
        _load({**ADULTS, "claims": [["over21"]]})


def test_policy_of_unknown_format_refused() -> None:
    with pytest.raises(MalformedInput, match="format is"):
        _load({"vct": "urn:x", "format": "mso_mdoc"})


def test_sd_jwt_policy_still_needs_a_vct() -> None:
    with pytest.raises(MalformedInput, match="needs a 'vct'"):
        _load({"rules": ["kyc_level >= 2"]})


def _trust(entry: dict[str, Any]) -> Any:
    return load_trust_list(
        {"issuers": {"https://kyc.example": entry}},
        Path("."),
        fetch_json=None,
        resolve_did_key=None,
    )


def test_trust_list_names_w3c_issuer_dids() -> None:
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    trust = _trust({"mechanisms": ["metadata"], "w3c_dids": [did]})
    assert trust.w3c_issuers == frozenset({did})
    assert trust.w3c_dids[did] == "https://kyc.example"


def test_trust_list_did_web_w3c_issuer_refused() -> None:
    with pytest.raises(MalformedInput, match="did:key or did:jwk"):
        _trust({"mechanisms": ["metadata"], "w3c_dids": ["did:web:kyc.example"]})


def test_trust_list_same_w3c_did_for_two_issuers_refused() -> None:
    did = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    entry = {"mechanisms": ["metadata"], "w3c_dids": [did]}
    with pytest.raises(MalformedInput, match="listed by two issuers"):
        load_trust_list(
            {"issuers": {"https://a.example": entry, "https://b.example": entry}},
            Path("."),
            fetch_json=None,
            resolve_did_key=None,
        )
