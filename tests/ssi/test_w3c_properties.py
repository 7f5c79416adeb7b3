"""Properties of ssi.w3c (hypothesis; ``--fuzz`` for 10,000 examples each).

* any change to a signed credential's content is refused;
* arbitrary input to the verifiers raises an ``SSIError``, never anything else;
* the predicate mapping accepts only well-typed KYC claims.
"""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssi.errors import MalformedInput, SSIError
from ssi.jose import Key
from ssi.status_list import StatusReference
from ssi.w3c import (
    DidSigner,
    build_credential,
    expanded_types,
    issue_credential,
    predicate_subjects,
    verify_credential,
    verify_presentation,
)
from ssi.w3c.spec import FORMAT_JWT_VC_JSON, FORMAT_LDP_VC

NOW = int(time.time())

pytestmark = pytest.mark.usefixtures("fresh_now")


ISSUER = DidSigner.from_key(Key.generate("EdDSA"))
HOLDER = DidSigner.from_key(Key.generate("EdDSA"))


def _signed() -> dict[str, Any]:
    signed = issue_credential(
        build_credential(
            "KycInvestorCredential",
            {"investorClassification": "retail", "investorJurisdiction": "DE"},
            issuer=ISSUER.did,
            holder=HOLDER.did,
            issued=NOW - 60,
            expires=NOW + 3600,
            status=StatusReference(5, "https://issuer.example/s/1"),
        ),
        ISSUER,
        FORMAT_LDP_VC,
    )
    assert isinstance(signed, dict)
    return signed


SIGNED = _signed()

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
SCALARS = st.booleans() | st.integers(-5, 5) | st.text(max_size=8)
TAMPERABLE = [
    ("credentialSubject", "investorClassification"),
    ("credentialSubject", "investorJurisdiction"),
    ("credentialStatus", "idx"),
    ("type", 1),
    ("issuanceDate",),
]


def _set(document: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = document
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value


@given(st.sampled_from(TAMPERABLE), SCALARS)
def test_any_changed_value_is_refused(path: tuple[Any, ...], value: Any) -> None:
    forged = copy.deepcopy(SIGNED)
    original: Any = forged
    for step in path:
        original = original[step]
    if type(value) is type(original) and value == original:
        return  # not a change
    _set(forged, path, value)
    with pytest.raises(SSIError):
        verify_credential(forged, FORMAT_LDP_VC, trusted_issuers={ISSUER.did}, now=NOW)


@given(JSON)
def test_ldp_verifier_raises_only_ssi_errors(value: Any) -> None:
    with pytest.raises(SSIError):
        verify_credential(value, FORMAT_LDP_VC, trusted_issuers={ISSUER.did}, now=NOW)


@given(
    st.text(max_size=200)
    | st.from_regex(r"[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,20}")
)
def test_jwt_verifiers_raise_only_ssi_errors(token: str) -> None:
    with pytest.raises(SSIError):
        verify_credential(token, FORMAT_JWT_VC_JSON, trusted_issuers={ISSUER.did}, now=NOW)
    with pytest.raises(SSIError):
        verify_presentation(
            token,
            FORMAT_JWT_VC_JSON,
            nonce="n",
            client_id="c",
            trusted_issuers={ISSUER.did},
            now=NOW,
        )


@given(st.dictionaries(st.sampled_from(["@context", "type"]), JSON))
def test_expanded_types_raises_only_malformed_input(document: dict[str, Any]) -> None:
    try:
        types = expanded_types(document)
    except MalformedInput:
        return
    assert all(isinstance(t, str) for t in types)


@given(
    st.fixed_dictionaries(
        {},
        optional={
            "kyc_level": JSON,
            "age_equal_or_over": st.fixed_dictionaries({}, optional={"18": JSON, "21": JSON}),
            "address": st.fixed_dictionaries({}, optional={"country": JSON}),
            "sanctions_screening_result": JSON,
            "investor_classification": JSON,
        },
    )
)
def test_predicate_subjects_only_well_typed(claims: dict[str, Any]) -> None:
    try:
        subjects = predicate_subjects(claims)
    except MalformedInput:
        return
    for members in subjects.values():
        for name, value in members.items():
            if name in ("over18", "over21", "sanctionsClear"):
                assert isinstance(value, bool)
            elif name == "kycLevel":
                assert value in (1, 2, 3) and not isinstance(value, bool)
            else:
                assert isinstance(value, str) and value
