"""DCQL (OpenID4VP 1.0 §6, §7): the spec's examples, matching, and refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ssi.dcql import (
    CandidateCredential,
    DcqlQuery,
    InvalidDcqlQuery,
    PathError,
    QueryNotSatisfied,
    check_response,
    match,
    select,
)
from ssi.errors import AccessDenied, InvalidRequest

VECTORS = Path(__file__).parents[1] / "vectors"
DCQL_VECTORS = sorted((VECTORS / "oid4vp" / "dcql").glob("*.json"))
PID = "https://credentials.example.com/identity_credential"


def sd_jwt(claims: dict[str, Any], vct: str = PID, binding: bool = True) -> CandidateCredential:
    return CandidateCredential("dc+sd-jwt", vct, claims, holder_binding=binding)


def query(*credentials: dict[str, Any], sets: list[Any] | None = None) -> DcqlQuery:
    data: dict[str, Any] = {"credentials": list(credentials)}
    if sets is not None:
        data["credential_sets"] = sets
    return DcqlQuery.from_dict(data)


def cq(qid: str = "pid", claims: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"id": qid, "format": "dc+sd-jwt", "meta": {"vct_values": [PID]}}
    if claims is not None:
        data["claims"] = claims
    data.update(extra)
    return data


# --- the specification's examples -------------------------------------------------


@pytest.mark.parametrize("path", DCQL_VECTORS, ids=lambda p: p.stem)
def test_appendix_d_examples_parse_and_reserialize(path: Any) -> None:
    """OpenID4VP 1.0 §6 / Appendix D: every example query is valid and round-trips."""
    data = json.loads(path.read_text())
    parsed = DcqlQuery.from_dict(data)
    assert parsed.to_dict() == data
    assert DcqlQuery.from_json(json.dumps(parsed.to_dict())) == parsed


def test_7_3_claims_path_pointer_example() -> None:
    """§7.3: the claims path pointer examples select what the spec says."""
    credential = {
        "name": "Arthur Dent",
        "address": {"street_address": "42 Market Street", "locality": "Milliways"},
        "degrees": [
            {"type": "Bachelor of Science", "university": "University of Betelgeuse"},
            {"type": "Master of Science", "university": "University of Betelgeuse"},
        ],
        "nationalities": ["British", "Betelgeusian"],
    }
    assert select(credential, ("name",)) == [(("name",), "Arthur Dent")]
    assert select(credential, ("address", "street_address"))[0][1] == "42 Market Street"
    assert select(credential, ("degrees", None, "type")) == [
        (("degrees", 0, "type"), "Bachelor of Science"),
        (("degrees", 1, "type"), "Master of Science"),
    ]
    assert select(credential, ("nationalities", 1)) == [(("nationalities", 1), "Betelgeusian")]


def test_7_1_1_key_on_array_is_an_error() -> None:
    """§7.1.1 step 2.1: a string component on a non-object aborts with an error."""
    with pytest.raises(PathError):
        select({"a": [1, 2]}, ("a", "b"))


def test_7_1_1_null_on_object_is_an_error() -> None:
    with pytest.raises(PathError):
        select({"a": {"b": 1}}, ("a", None))


def test_7_1_1_empty_selection_is_an_error() -> None:
    with pytest.raises(PathError):
        select({"a": [1]}, ("a", 5))


# --- matching (§6.4) ----------------------------------------------------------------


def test_match_simple_query_discloses_exactly_the_requested_paths() -> None:
    q = query(cq(claims=[{"path": ["family_name"]}, {"path": ["address", "street_address"]}]))
    cred = sd_jwt({"family_name": "Doe", "given_name": "J", "address": {"street_address": "x"}})
    result = match(q, [cred])
    assert result.satisfied
    (found,) = result.selection()["pid"]
    assert found.disclose == (("family_name",), ("address", "street_address"))


def test_match_path_with_null_discloses_every_element() -> None:
    q = query(cq(claims=[{"path": ["nationalities", None]}]))
    result = match(q, [sd_jwt({"nationalities": ["DE", "FR"]})])
    assert result.by_query["pid"][0].disclose == (("nationalities", 0), ("nationalities", 1))


def test_match_values_filter_elements_and_reject_non_matching() -> None:
    """§6.4.1: a claim whose value does not match is treated as absent."""
    q = query(cq(claims=[{"path": ["nationalities", None], "values": ["FR"]}]))
    result = match(q, [sd_jwt({"nationalities": ["DE", "FR"]}), sd_jwt({"nationalities": ["DE"]})])
    assert [m.disclose for m in result.by_query["pid"]] == [(("nationalities", 1),)]


def test_match_values_compare_type_exactly() -> None:
    """§6.3: "type and value of the claim both match exactly": true is not 1."""
    q = query(cq(claims=[{"path": ["age_over_18"], "values": [True]}]))
    assert match(q, [sd_jwt({"age_over_18": 1})]).by_query["pid"] == []
    assert len(match(q, [sd_jwt({"age_over_18": True})]).by_query["pid"]) == 1


def test_match_claim_sets_choose_the_first_satisfiable_set() -> None:
    data = json.loads((VECTORS / "oid4vp/dcql/claims_alternatives.json").read_text())
    q = DcqlQuery.from_dict(data)
    # no locality/region: the first set ["a","c","d","e"] fails, the second one is used
    cred = sd_jwt({"last_name": "D", "postal_code": "1", "date_of_birth": "x", "region": "r"})
    (found,) = match(q, [cred]).by_query["pid"]
    assert found.claim_set == ("a", "b", "e")
    assert found.disclose == (("last_name",), ("postal_code",), ("date_of_birth",))
    full = sd_jwt(
        {"last_name": "D", "postal_code": "1", "date_of_birth": "x", "locality": "l"}
        | {"region": "r"}
    )
    assert match(q, [full]).by_query["pid"][0].claim_set == ("a", "c", "d", "e")


def test_match_claim_sets_none_satisfiable_returns_nothing() -> None:
    data = json.loads((VECTORS / "oid4vp/dcql/claims_alternatives.json").read_text())
    q = DcqlQuery.from_dict(data)
    assert match(q, [sd_jwt({"last_name": "D"})]).by_query["pid"] == []


def test_match_credential_sets_required_and_optional() -> None:
    data = json.loads((VECTORS / "oid4vp/dcql/credentials_alternatives.json").read_text())
    q = DcqlQuery.from_dict(data)
    reduced1 = sd_jwt(
        {"family_name": "D", "given_name": "J"},
        "https://credentials.example.com/reduced_identity_credential",
    )
    reduced2 = sd_jwt(
        {"postal_code": "1", "locality": "l", "region": "r"},
        "https://cred.example/residence_credential",
    )
    result = match(q, [reduced1, reduced2])
    assert result.satisfied
    assert result.set_options == ((("pid_reduced_cred_1", "pid_reduced_cred_2"),), ())
    assert sorted(result.selection()) == ["pid_reduced_cred_1", "pid_reduced_cred_2"]


def test_match_required_credential_set_unsatisfiable_is_access_denied() -> None:
    data = json.loads((VECTORS / "oid4vp/dcql/credentials_alternatives.json").read_text())
    q = DcqlQuery.from_dict(data)
    rewards = sd_jwt({"rewards_number": 7}, "https://company.example/company_rewards")
    result = match(q, [rewards])
    assert not result.satisfied
    with pytest.raises(AccessDenied) as err:
        result.selection()
    assert err.value.error == "access_denied"


def test_match_multiple_returns_every_candidate() -> None:
    q = query(cq(claims=[{"path": ["n"]}], multiple=True))
    result = match(q, [sd_jwt({"n": 1}), sd_jwt({"n": 2})])
    assert len(result.selection()["pid"]) == 2
    single = match(query(cq(claims=[{"path": ["n"]}])), [sd_jwt({"n": 1}), sd_jwt({"n": 2})])
    assert len(single.selection()["pid"]) == 1


def test_match_vct_values_mismatch() -> None:
    q = query(cq(claims=[{"path": ["n"]}]))
    assert match(q, [sd_jwt({"n": 1}, vct="https://other.example/vct")]).by_query["pid"] == []


def test_match_format_mismatch() -> None:
    q = query(cq(claims=[{"path": ["n"]}]))
    other = CandidateCredential("jwt_vc_json", PID, {"n": 1}, holder_binding=True)
    assert match(q, [other]).by_query["pid"] == []


def test_match_holder_binding_required_by_default() -> None:
    q = query(cq(claims=[{"path": ["n"]}]))
    assert match(q, [sd_jwt({"n": 1}, binding=False)]).by_query["pid"] == []
    relaxed = query(cq(claims=[{"path": ["n"]}], require_cryptographic_holder_binding=False))
    assert len(match(relaxed, [sd_jwt({"n": 1}, binding=False)]).by_query["pid"]) == 1


def test_match_without_claims_discloses_nothing() -> None:
    (found,) = match(query(cq()), [sd_jwt({"n": 1})]).by_query["pid"]
    assert found.disclose == ()


# --- invalid queries ---------------------------------------------------------------


def test_refuse_duplicate_credential_ids() -> None:
    with pytest.raises(InvalidDcqlQuery, match="unique"):
        query(cq("a"), cq("a"))


@pytest.mark.parametrize("bad", ["", "a b", "a.b", "ä", 5])
def test_refuse_bad_credential_id_characters(bad: Any) -> None:
    with pytest.raises(InvalidDcqlQuery, match="credential query id"):
        query(cq(bad))


def test_refuse_empty_claims() -> None:
    with pytest.raises(InvalidDcqlQuery, match="non-empty array"):
        query(cq(claims=[]))


def test_refuse_claim_sets_without_claims() -> None:
    with pytest.raises(InvalidDcqlQuery, match="without claims"):
        query(cq(claim_sets=[["a"]]))


def test_refuse_claim_sets_with_claims_lacking_ids() -> None:
    with pytest.raises(InvalidDcqlQuery, match="needs an id"):
        query(cq(claims=[{"path": ["a"]}], claim_sets=[["a"]]))


def test_refuse_claim_sets_naming_unknown_claim() -> None:
    with pytest.raises(InvalidDcqlQuery, match="unknown claims"):
        query(cq(claims=[{"id": "a", "path": ["a"]}], claim_sets=[["b"]]))


def test_refuse_unknown_credential_id_in_credential_sets() -> None:
    with pytest.raises(InvalidDcqlQuery, match="unknown credential queries"):
        query(cq("a"), sets=[{"options": [["a", "zzz"]]}])


def test_refuse_duplicate_claim_ids() -> None:
    with pytest.raises(InvalidDcqlQuery, match="claim ids must be unique"):
        query(cq(claims=[{"id": "a", "path": ["a"]}, {"id": "a", "path": ["b"]}]))


def test_refuse_same_claim_path_twice() -> None:
    with pytest.raises(InvalidDcqlQuery, match="twice"):
        query(cq(claims=[{"path": ["a"]}, {"path": ["a"]}]))


@pytest.mark.parametrize("path", [[], ["a", -1], ["a", 1.5], ["a", True], ["a", {}], "a"])
def test_refuse_bad_claims_path(path: Any) -> None:
    with pytest.raises(InvalidDcqlQuery, match="path"):
        query(cq(claims=[{"path": path}]))


@pytest.mark.parametrize("values", [[], [None], [1.5], [{"a": 1}], "x"])
def test_refuse_bad_values(values: Any) -> None:
    with pytest.raises(InvalidDcqlQuery, match="values"):
        query(cq(claims=[{"path": ["a"], "values": values}]))


def test_refuse_missing_meta() -> None:
    with pytest.raises(InvalidDcqlQuery, match="meta is required"):
        query({"id": "a", "format": "dc+sd-jwt"})


def test_refuse_sd_jwt_without_vct_values() -> None:
    with pytest.raises(InvalidDcqlQuery, match="vct_values"):
        query({"id": "a", "format": "dc+sd-jwt", "meta": {}})


def test_refuse_non_boolean_multiple() -> None:
    with pytest.raises(InvalidDcqlQuery, match="multiple"):
        query(cq(multiple="yes"))


def test_refuse_empty_credentials() -> None:
    with pytest.raises(InvalidDcqlQuery, match="credentials"):
        DcqlQuery.from_dict({"credentials": []})


def test_invalid_query_is_invalid_request() -> None:
    """§8.5: a malformed query is an ``invalid_request``."""
    with pytest.raises(InvalidRequest) as err:
        DcqlQuery.from_dict({"credentials": "x"})
    assert err.value.error == "invalid_request"


def test_unknown_properties_are_ignored() -> None:
    """§6: "Implementations MUST ignore any unknown properties"."""
    q = DcqlQuery.from_dict({"credentials": [cq() | {"purpose": "x"}], "future": 1})
    assert q.to_dict() == {"credentials": [cq()]}


# --- the verifier's own check (§8.6, §14.11) --------------------------------------------


def test_check_response_accepts_a_matching_response() -> None:
    q = query(cq(claims=[{"path": ["age_over_18"], "values": [True]}]))
    check_response(q, {"pid": [sd_jwt({"age_over_18": True})]})


def test_check_response_refuses_value_mismatch() -> None:
    q = query(cq(claims=[{"path": ["age_over_18"], "values": [True]}]))
    with pytest.raises(QueryNotSatisfied, match="do not satisfy"):
        check_response(q, {"pid": [sd_jwt({"age_over_18": False})]})


def test_check_response_refuses_missing_claim() -> None:
    q = query(cq(claims=[{"path": ["address", "country"]}]))
    with pytest.raises(QueryNotSatisfied, match="do not satisfy"):
        check_response(q, {"pid": [sd_jwt({"address": {}})]})


def test_check_response_refuses_unknown_query_id() -> None:
    with pytest.raises(QueryNotSatisfied, match="not a credential query id"):
        check_response(query(cq()), {"pid": [sd_jwt({})], "other": [sd_jwt({})]})


def test_check_response_refuses_two_presentations_without_multiple() -> None:
    with pytest.raises(QueryNotSatisfied, match="one presentation only"):
        check_response(query(cq()), {"pid": [sd_jwt({}), sd_jwt({})]})


def test_check_response_refuses_missing_query() -> None:
    with pytest.raises(QueryNotSatisfied, match="no presentation"):
        check_response(query(cq("a"), cq("b")), {"a": [sd_jwt({})]})


def test_check_response_refuses_wrong_vct() -> None:
    with pytest.raises(QueryNotSatisfied, match="type"):
        check_response(query(cq()), {"pid": [sd_jwt({}, vct="https://x.example")]})


def test_check_response_refuses_missing_holder_binding() -> None:
    with pytest.raises(QueryNotSatisfied, match="holder binding"):
        check_response(query(cq()), {"pid": [sd_jwt({}, binding=False)]})


def test_check_response_refuses_unsatisfied_required_set() -> None:
    data = json.loads((VECTORS / "oid4vp/dcql/credentials_alternatives.json").read_text())
    q = DcqlQuery.from_dict(data)
    reduced1 = sd_jwt(
        {"family_name": "D", "given_name": "J"},
        "https://credentials.example.com/reduced_identity_credential",
    )
    with pytest.raises(QueryNotSatisfied, match="required credential set"):
        check_response(q, {"pid_reduced_cred_1": [reduced1]})
