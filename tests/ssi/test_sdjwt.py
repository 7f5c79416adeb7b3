"""RFC 9901: issue, present and verify; every refusal of SECURITY.md "SD-JWT (RFC 9901 §7)"."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from ssi.encoding import b64url_encode, json_dumps
from ssi.errors import (
    AlgorithmNotAllowed,
    ClaimMismatch,
    HeaderKeyRefused,
    InvalidDisclosure,
    InvalidRequest,
    InvalidSignature,
    MalformedInput,
    SSIError,
    TimeInvalid,
    WrongType,
)
from ssi.jose import Key, jws
from ssi.sdjwt import (
    SD,
    BatchRandom,
    Disclosure,
    HeldSDJWT,
    KeyBinding,
    KeyBindingMissing,
    KeyBindingUnexpected,
    SDJWTParts,
    create_kb_jwt,
    digest,
    from_json,
    issue,
    mark,
    split,
    to_json,
    verify,
)

NOW = 1_750_000_000
TYP = "example+sd-jwt"
AUD = "https://verifier.example.org"
NONCE = "n0nce-1234"
ISSUER = Key.generate("ES256")
HOLDER = Key.generate("ES256")
BINDING = KeyBinding(audience=AUD, nonce=NONCE)


def issuer_key(header: dict[str, Any], payload: dict[str, Any]) -> Key:
    return ISSUER.public()


def base_claims() -> dict[str, Any]:
    return {"iss": "https://issuer.example.com", "iat": NOW - 100, "exp": NOW + 3600}


def forge(
    payload: dict[str, Any],
    disclosures: list[str],
    *,
    holder: Key | None = HOLDER,
    kb: bool = True,
    key: Key = ISSUER,
    typ: str = TYP,
) -> str:
    """An SD-JWT(+KB) over a hand-made payload, signed by the real issuer key."""
    body = {**base_claims(), **payload}
    if holder is not None:
        body["cnf"] = {"jwk": holder.public_jwk()}
    sd_jwt = "~".join([jws.sign(body, key, typ=typ), *disclosures, ""])
    if not kb or holder is None:
        return sd_jwt
    return sd_jwt + create_kb_jwt(sd_jwt, holder, audience=AUD, nonce=NONCE, iat=NOW)


def disclosure(salt: str, *rest: Any) -> Disclosure:
    name, value = (None, rest[0]) if len(rest) == 1 else rest
    return Disclosure.create(salt, name, value)


def raw_disclosure(array: Any) -> Disclosure:
    """A disclosure whose JSON is whatever we give, bypassing the Issuer's checks."""
    raw = b64url_encode(json_dumps(array).encode())
    return Disclosure(raw, "", None, None, digest(raw))


def check(presentation: str, binding: KeyBinding | None = BINDING, now: float = NOW) -> Any:
    return verify(presentation, issuer_key, typ=TYP, now=now, key_binding=binding)


def credential() -> HeldSDJWT:
    claims: dict[Any, Any] = {
        **base_claims(),
        SD("given_name"): "Ada",
        SD("family_name"): "Lovelace",
        "address": {SD("locality"): "London", SD("country"): "GB", "region": "Greater London"},
        SD("nationalities"): [SD("GB"), SD("FR"), "DE"],
        SD("kyc"): {SD("level"): 2, SD("checked_at"): NOW - 50},
    }
    issued = issue(claims, ISSUER, typ=TYP, cnf={"jwk": HOLDER.public_jwk()}, decoys=(1, 3))
    return HeldSDJWT.receive(issued.compact(), issuer_key, typ=TYP)


def present(held: HeldSDJWT, paths: list[list[Any]], **kw: Any) -> str:
    args: dict[str, Any] = {"holder_key": HOLDER, "audience": AUD, "nonce": NONCE, "iat": NOW}
    args.update(kw)
    return held.present(paths, **args)


# --- round trips --------------------------------------------------------------------------


def test_issue_present_verify_discloses_exactly_the_selection() -> None:
    held = credential()
    result = check(present(held, [["given_name"], ["address", "country"]]))
    assert result.claims["given_name"] == "Ada"
    assert result.claims["address"] == {"country": "GB", "region": "Greater London"}
    assert "family_name" not in result.claims and "nationalities" not in result.claims
    assert result.kb_claims["nonce"] == NONCE and result.kb_claims["aud"] == AUD


def test_selecting_a_nested_claim_includes_the_parent_disclosures() -> None:
    """RFC 9901 §4.2.6: a recursive disclosure needs the disclosure that contains it."""
    held = credential()
    result = check(present(held, [["kyc", "level"]]))
    assert result.claims["kyc"] == {"level": 2}


def test_selecting_an_array_element_by_index_and_wildcard() -> None:
    held = credential()
    assert check(present(held, [["nationalities", 1]])).claims["nationalities"] == ["FR", "DE"]
    every = check(present(held, [["nationalities", None]])).claims["nationalities"]
    assert every == ["GB", "FR", "DE"]


def test_selecting_an_object_discloses_everything_below_it() -> None:
    """OpenID4VP §7: ``["address"]`` selects the claim with its sub-claims."""
    held = credential()
    result = check(present(held, [["kyc"]]))
    assert result.claims["kyc"] == {"level": 2, "checked_at": NOW - 50}


def test_holder_lists_every_disclosure_with_its_path() -> None:
    paths = {held.path for held in credential().disclosures}
    assert paths == {
        ("given_name",),
        ("family_name",),
        ("address", "locality"),
        ("address", "country"),
        ("nationalities",),
        ("nationalities", 0),
        ("nationalities", 1),
        ("kyc",),
        ("kyc", "level"),
        ("kyc", "checked_at"),
    }


def test_holder_refuses_a_path_that_selects_nothing() -> None:
    with pytest.raises(InvalidRequest, match="no claim at path"):
        credential().select([["passport_number"]])


def test_kb_jwt_carries_extra_claims_to_the_verifier() -> None:
    extra = {
        "transaction_data_hashes": ["hc1P2yPfgCbPGLbhWdyLnXV9FbbU6VNV9QPmjp1sAhk"],
        "transaction_data_hashes_alg": "sha-256",
        "whitelist_address": "0x52908400098527886E0F7030069857D2E4169EE7",
    }
    result = check(present(credential(), [["given_name"]], extra_claims=extra))
    assert {k: result.kb_claims[k] for k in extra} == extra


def test_kb_jwt_cannot_override_registered_claims() -> None:
    with pytest.raises(MalformedInput, match="nonce"):
        present(credential(), [["given_name"]], extra_claims={"nonce": "other"})


def test_eddsa_holder_key_binds() -> None:
    holder = Key.generate("EdDSA")
    issued = issue({**base_claims(), SD("a"): 1}, ISSUER, typ=TYP, cnf={"jwk": holder.public_jwk()})
    held = HeldSDJWT.receive(issued.compact(), issuer_key, typ=TYP)
    presentation = held.present([["a"]], holder_key=holder, audience=AUD, nonce=NONCE, iat=NOW)
    assert check(presentation).claims["a"] == 1


def test_sd_jwt_without_key_binding_verifies_when_none_is_expected() -> None:
    held = credential()
    result = check(held.present([["given_name"]]), binding=None)
    assert result.claims["given_name"] == "Ada" and result.kb_claims is None


def test_key_binding_optional_by_policy_accepts_both() -> None:
    held = credential()
    optional = KeyBinding(audience=AUD, nonce=NONCE, required=False)
    assert check(held.present([["given_name"]]), binding=optional).kb_claims is None
    assert check(present(held, [["given_name"]]), binding=optional).kb_claims is not None


def test_decoys_are_added_and_ignored() -> None:
    issued = issue({SD("a"): 1, "o": {SD("b"): 2}}, ISSUER, typ=TYP, decoys=(2, 2))
    assert len(issued.payload["_sd"]) == 3 and len(issued.payload["o"]["_sd"]) == 3
    result = check(issued.compact(), binding=None)
    assert result.claims == {"a": 1, "o": {"b": 2}}


def test_salts_are_128_bit_and_distinct() -> None:
    """RFC 9901 §9.3: at least 128 bits, unique per disclosure."""
    issued = issue({SD(f"c{i}"): i for i in range(50)}, ISSUER, typ=TYP)
    salts = [d.salt for d in issued.disclosures]
    assert len(set(salts)) == 50
    assert all(len(s) >= 22 for s in salts)


def test_issuer_refuses_a_repeated_salt() -> None:
    class Stuck:
        def salt(self) -> str:
            return "AAAAAAAAAAAAAAAAAAAAAA"

        def decoy_digest(self, sd_alg: str) -> str:
            raise AssertionError

        def decoy_count(self, low: int, high: int) -> int:
            return 0

    with pytest.raises(SSIError, match="repeated"):
        issue({SD("a"): 1, SD("b"): 2}, ISSUER, typ=TYP, random=Stuck())


@pytest.mark.parametrize("name", ["_sd", "...", "_sd_alg"])
def test_issuer_refuses_reserved_claim_names(name: str) -> None:
    with pytest.raises(MalformedInput, match="reserved"):
        issue({SD(name): 1}, ISSUER, typ=TYP)


def test_issuer_refuses_a_disclosable_claim_that_is_also_plain() -> None:
    with pytest.raises(MalformedInput, match="both disclosable and a plain claim"):
        issue({SD("a"): 1, "a": 2}, ISSUER, typ=TYP)


def test_mark_turns_claim_paths_into_disclosable_claims() -> None:
    claims = {"a": 1, "o": {"b": 2, "c": 3}, "l": ["x", "y"]}
    marked = mark(claims, [["a"], ["o", "b"], ["l", None], ["o"]])
    assert marked == {SD("a"): 1, SD("o"): {SD("b"): 2, "c": 3}, "l": [SD("x"), SD("y")]}


def test_mark_refuses_a_path_to_nothing() -> None:
    with pytest.raises(MalformedInput, match="no claim"):
        mark({"a": 1}, [["b"]])


def test_json_serialization_round_trip() -> None:
    """RFC 9901 §8: flattened and general JWS JSON, ``sd_hash`` over the compact form."""
    held = credential()
    compact = split(present(held, [["given_name"]]))
    for general in (False, True):
        document = to_json(compact, general=general)
        assert check_parts(from_json(document)).claims["given_name"] == "Ada"


def check_parts(parts: SDJWTParts) -> Any:
    return verify(parts, issuer_key, typ=TYP, now=NOW, key_binding=BINDING)


def test_json_serialization_refuses_disclosures_in_two_places() -> None:
    with pytest.raises(MalformedInput, match="both"):
        from_json(
            {"payload": "e30", "protected": "e30", "signature": "", "disclosures": []}
            | {"header": {"disclosures": []}}
        )


# --- §7.1: the Issuer-signed JWT ------------------------------------------------------------


def test_refuses_alg_none_issuer_jwt() -> None:
    header = b64url_encode(b'{"alg":"none","typ":"example+sd-jwt"}')
    payload = b64url_encode(json_dumps(base_claims()).encode())
    with pytest.raises(AlgorithmNotAllowed):
        check(f"{header}.{payload}.~", binding=None)


def test_refuses_wrong_issuer_typ() -> None:
    with pytest.raises(WrongType):
        check(forge({}, [], typ="kb+jwt", kb=False), binding=None)


def test_refuses_issuer_jwt_signed_by_another_key() -> None:
    with pytest.raises(InvalidSignature):
        check(forge({}, [], key=Key.generate("ES256"), kb=False), binding=None)


def test_refuses_expired_sd_jwt() -> None:
    with pytest.raises(TimeInvalid, match="expired"):
        check(credential().present([]), binding=None, now=NOW + 3600 + 61)


def test_refuses_sd_jwt_not_yet_valid() -> None:
    with pytest.raises(TimeInvalid, match="not yet valid"):
        check(forge({"nbf": NOW + 600}, [], kb=False), binding=None)


@pytest.mark.parametrize("sd_alg", ["md5", "SHA-256", 256, None])
def test_refuses_unknown_sd_alg(sd_alg: Any) -> None:
    with pytest.raises(InvalidDisclosure, match="_sd_alg"):
        check(forge({"_sd_alg": sd_alg}, [], kb=False), binding=None)


def test_refuses_nested_sd_alg() -> None:
    with pytest.raises(InvalidDisclosure, match="top level"):
        check(forge({"o": {"_sd_alg": "sha-256"}}, [], kb=False), binding=None)


# --- §7.1 step 3-5: disclosures -------------------------------------------------------------


def test_refuses_the_same_digest_twice() -> None:
    d = disclosure("salt-salt-salt-salt-01", "a", 1)
    with pytest.raises(InvalidDisclosure, match="more than once"):
        check(forge({"_sd": [d.digest, d.digest]}, [d.raw]))


def test_refuses_the_same_digest_in_two_arrays() -> None:
    d = disclosure("salt-salt-salt-salt-01", "DE")
    with pytest.raises(InvalidDisclosure, match="more than once"):
        check(forge({"l": [{"...": d.digest}], "m": [{"...": d.digest}]}, [d.raw]))


def test_refuses_an_undisclosed_digest_repeated() -> None:
    """Step 4 holds for digests without a disclosure too (decoys must be unique)."""
    decoy = "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"
    with pytest.raises(InvalidDisclosure, match="more than once"):
        check(forge({"_sd": [decoy], "o": {"_sd": [decoy]}}, [], kb=False), binding=None)


def test_refuses_the_same_disclosure_sent_twice() -> None:
    d = disclosure("salt-salt-salt-salt-01", "a", 1)
    with pytest.raises(InvalidDisclosure, match="more than once"):
        check(forge({"_sd": [d.digest]}, [d.raw, d.raw]))


def test_refuses_a_disclosure_no_digest_references() -> None:
    d = disclosure("salt-salt-salt-salt-01", "a", 1)
    stray = disclosure("salt-salt-salt-salt-02", "b", 2)
    with pytest.raises(InvalidDisclosure, match="not referenced"):
        check(forge({"_sd": [d.digest]}, [d.raw, stray.raw]))


def test_refuses_a_child_disclosure_without_its_parent() -> None:
    """RFC 9901 §4.2.6: a disclosure must connect to the payload, possibly via another."""
    child = disclosure("salt-salt-salt-salt-01", "level", 2)
    parent = disclosure("salt-salt-salt-salt-02", "kyc", {"_sd": [child.digest]})
    with pytest.raises(InvalidDisclosure, match="not referenced"):
        check(forge({"_sd": [parent.digest]}, [child.raw]))


@pytest.mark.parametrize("name", ["_sd", "..."])
def test_refuses_a_disclosure_with_a_reserved_name(name: str) -> None:
    d = raw_disclosure(["salt-salt-salt-salt-01", name, 1])
    with pytest.raises(InvalidDisclosure, match="must not be named"):
        check(forge({"_sd": [d.digest]}, [d.raw]))


def test_refuses_a_disclosure_named_sd_alg() -> None:
    d = raw_disclosure(["salt-salt-salt-salt-01", "_sd_alg", "md5"])
    with pytest.raises(InvalidDisclosure, match="_sd_alg"):
        check(forge({"_sd": [d.digest]}, [d.raw]))


def test_refuses_a_disclosure_colliding_with_a_plain_claim() -> None:
    d = disclosure("salt-salt-salt-salt-01", "given_name", "Mallory")
    with pytest.raises(InvalidDisclosure, match="already exists"):
        check(forge({"given_name": "Ada", "_sd": [d.digest]}, [d.raw]))


def test_refuses_two_disclosures_with_the_same_name() -> None:
    d1 = disclosure("salt-salt-salt-salt-01", "age", 20)
    d2 = disclosure("salt-salt-salt-salt-02", "age", 70)
    with pytest.raises(InvalidDisclosure, match="already exists"):
        check(forge({"_sd": [d1.digest, d2.digest]}, [d1.raw, d2.raw]))


def test_refuses_an_array_digest_object_with_other_keys() -> None:
    d = disclosure("salt-salt-salt-salt-01", "DE")
    with pytest.raises(InvalidDisclosure, match="only the '...' key"):
        check(forge({"l": [{"...": d.digest, "x": 1}]}, [d.raw]))


def test_refuses_an_array_element_disclosure_in_an_object() -> None:
    """RFC 9901 §7.1 step 3.3.2.1: in ``_sd`` a disclosure has three elements."""
    d = disclosure("salt-salt-salt-salt-01", "DE")
    with pytest.raises(InvalidDisclosure, match="array-element disclosure"):
        check(forge({"_sd": [d.digest]}, [d.raw]))


def test_refuses_an_object_property_disclosure_in_an_array() -> None:
    """RFC 9901 §7.1 step 3.3.3.1: in an array a disclosure has two elements."""
    d = disclosure("salt-salt-salt-salt-01", "country", "DE")
    with pytest.raises(InvalidDisclosure, match="object-property disclosure"):
        check(forge({"l": [{"...": d.digest}]}, [d.raw]))


@pytest.mark.parametrize(
    "array", [["only-salt"], ["s", "a", 1, "extra"], {"salt": "s"}, "text", []]
)
def test_refuses_a_disclosure_of_the_wrong_shape(array: Any) -> None:
    d = raw_disclosure(array)
    with pytest.raises(InvalidDisclosure, match="2 or 3 elements"):
        check(forge({"_sd": [d.digest]}, [d.raw]))


@pytest.mark.parametrize("salt", [1, None, ["s"], {"s": 1}])
def test_refuses_a_non_string_salt(salt: Any) -> None:
    d = raw_disclosure([salt, "a", 1])
    with pytest.raises(InvalidDisclosure, match="salt"):
        check(forge({"_sd": [d.digest]}, [d.raw]))


@pytest.mark.parametrize("name", [1, None, ["a"], True])
def test_refuses_a_non_string_claim_name(name: Any) -> None:
    d = raw_disclosure(["salt-salt-salt-salt-01", name, 1])
    with pytest.raises(InvalidDisclosure, match="claim name"):
        check(forge({"_sd": [d.digest]}, [d.raw]))


def test_refuses_a_padded_disclosure() -> None:
    d = disclosure("salt-salt-salt-salt-01", "a", 1)
    padded = d.raw + "=" * (-len(d.raw) % 4 or 4)
    with pytest.raises(InvalidDisclosure, match="undecodable"):
        check(forge({"_sd": [d.digest]}, [padded]))


def test_refuses_a_disclosure_with_duplicate_json_members() -> None:
    raw = b64url_encode(b'["salt-salt-salt-salt-01", "o", {"a": 1, "a": 2}]')
    with pytest.raises(InvalidDisclosure, match="duplicate"):
        check(forge({"_sd": [digest(raw)]}, [raw]))


def test_refuses_an_empty_disclosure() -> None:
    presentation = forge({}, [], kb=False).replace("~", "~~")
    with pytest.raises(InvalidDisclosure, match="empty"):
        check(presentation, binding=None)


@pytest.mark.parametrize("sd", ["digest", [1], {"d": "x"}, None])
def test_refuses_sd_that_is_not_an_array_of_strings(sd: Any) -> None:
    with pytest.raises(InvalidDisclosure):
        check(forge({"_sd": sd}, [], kb=False), binding=None)


def test_refuses_an_ellipsis_key_outside_an_array() -> None:
    with pytest.raises(InvalidDisclosure, match="'...'"):
        check(
            forge({"o": {"...": "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"}}, [], kb=False), None
        )


def test_refuses_nesting_beyond_the_limit() -> None:
    deep: Any = 1
    for _ in range(80):
        deep = [deep]
    with pytest.raises(InvalidDisclosure, match="too deeply"):
        check(forge({"deep": deep}, [], kb=False), binding=None)


# --- §7.3: key binding ----------------------------------------------------------------------


def bound(held: HeldSDJWT | None = None, **kw: Any) -> str:
    return present(held or credential(), [["given_name"]], **kw)


def test_refuses_missing_kb_where_required() -> None:
    with pytest.raises(KeyBindingMissing):
        check(credential().present([["given_name"]]))


def test_refuses_kb_stripped_from_a_presentation() -> None:
    presentation = bound()
    stripped = presentation[: presentation.rindex("~") + 1]
    with pytest.raises(KeyBindingMissing):
        check(stripped)


def test_refuses_kb_where_the_sd_jwt_has_no_cnf() -> None:
    d = disclosure("salt-salt-salt-salt-01", "a", 1)
    sd_jwt = forge({"_sd": [d.digest]}, [d.raw], holder=None)
    presentation = sd_jwt + create_kb_jwt(sd_jwt, HOLDER, audience=AUD, nonce=NONCE, iat=NOW)
    with pytest.raises(KeyBindingUnexpected, match="no 'cnf'"):
        check(presentation)


def test_refuses_kb_where_the_policy_expects_none() -> None:
    with pytest.raises(KeyBindingUnexpected):
        check(bound(), binding=None)


def test_refuses_cnf_without_jwk() -> None:
    body = {"cnf": {"jkt": HOLDER.thumbprint()}}
    sd_jwt = forge(body, [], holder=None)
    presentation = sd_jwt + create_kb_jwt(sd_jwt, HOLDER, audience=AUD, nonce=NONCE, iat=NOW)
    with pytest.raises(HeaderKeyRefused, match="jwk"):
        check(presentation)


def test_refuses_kb_jwt_with_wrong_typ() -> None:
    sd_jwt = credential().present([["given_name"]])
    claims = {"nonce": NONCE, "aud": AUD, "iat": NOW, "sd_hash": digest(sd_jwt)}
    with pytest.raises(WrongType):
        check(sd_jwt + jws.sign(claims, HOLDER, typ="JWT"))


def test_refuses_kb_jwt_with_alg_none() -> None:
    sd_jwt = credential().present([["given_name"]])
    header = b64url_encode(b'{"alg":"none","typ":"kb+jwt"}')
    body = b64url_encode(json_dumps({"nonce": NONCE, "aud": AUD, "iat": NOW}).encode())
    with pytest.raises(AlgorithmNotAllowed):
        check(f"{sd_jwt}{header}.{body}.")


def test_refuses_kb_jwt_with_wrong_nonce() -> None:
    with pytest.raises(ClaimMismatch, match="nonce"):
        check(bound(nonce="another-nonce"))


def test_refuses_kb_jwt_with_wrong_audience() -> None:
    with pytest.raises(ClaimMismatch, match="aud"):
        check(bound(audience="https://evil.example"))


def test_refuses_kb_jwt_with_an_audience_array() -> None:
    """RFC 9901 §4.3: ``aud`` is a single string."""
    sd_jwt = credential().present([["given_name"]])
    claims = {"nonce": NONCE, "aud": [AUD], "iat": NOW, "sd_hash": digest(sd_jwt)}
    with pytest.raises(ClaimMismatch, match="single string"):
        check(sd_jwt + jws.sign(claims, HOLDER, typ="kb+jwt"))


def test_refuses_kb_jwt_signed_by_another_key_than_cnf() -> None:
    with pytest.raises(InvalidSignature):
        check(bound(holder_key=Key.generate("ES256")))


def test_refuses_kb_jwt_too_old() -> None:
    with pytest.raises(TimeInvalid, match="older"):
        check(bound(iat=NOW - 300 - 61))


def test_refuses_kb_jwt_from_the_future() -> None:
    with pytest.raises(TimeInvalid, match="future"):
        check(bound(iat=NOW + 61))


def test_refuses_kb_jwt_without_iat() -> None:
    sd_jwt = credential().present([["given_name"]])
    claims = {"nonce": NONCE, "aud": AUD, "sd_hash": digest(sd_jwt)}
    with pytest.raises(TimeInvalid, match="iat"):
        check(sd_jwt + jws.sign(claims, HOLDER, typ="kb+jwt"))


def test_refuses_kb_jwt_without_sd_hash() -> None:
    sd_jwt = credential().present([["given_name"]])
    claims = {"nonce": NONCE, "aud": AUD, "iat": NOW}
    with pytest.raises(ClaimMismatch, match="sd_hash"):
        check(sd_jwt + jws.sign(claims, HOLDER, typ="kb+jwt"))


def test_refuses_a_disclosure_added_after_binding() -> None:
    held = credential()
    parts = split(bound(held))
    extra = next(h.disclosure.raw for h in held.disclosures if h.path == ("family_name",))
    tampered = SDJWTParts(parts.issuer_jwt, (*parts.disclosures, extra), parts.kb_jwt)
    with pytest.raises(ClaimMismatch, match="sd_hash"):
        check(tampered.compact())


def test_refuses_a_disclosure_removed_after_binding() -> None:
    parts = split(present(credential(), [["given_name"], ["family_name"]]))
    tampered = SDJWTParts(parts.issuer_jwt, parts.disclosures[:1], parts.kb_jwt)
    with pytest.raises(ClaimMismatch, match="sd_hash"):
        check(tampered.compact())


def test_refuses_disclosures_reordered_after_binding() -> None:
    parts = split(present(credential(), [["given_name"], ["family_name"]]))
    assert len(parts.disclosures) == 2
    tampered = SDJWTParts(parts.issuer_jwt, parts.disclosures[::-1], parts.kb_jwt)
    with pytest.raises(ClaimMismatch, match="sd_hash"):
        check(tampered.compact())


def test_holder_refuses_an_sd_jwt_with_kb_from_the_issuer() -> None:
    """RFC 9901 §7.2: an Issuer sends an SD-JWT, never an SD-JWT+KB."""
    with pytest.raises(KeyBindingUnexpected):
        HeldSDJWT.receive(bound(), issuer_key, typ=TYP)


def test_holder_refuses_a_foreign_disclosure() -> None:
    other = credential().disclosures[0].disclosure
    with pytest.raises(InvalidRequest, match="not part of this SD-JWT"):
        credential().present(disclosures=[other])


def test_issuer_refuses_claims_that_are_not_json() -> None:
    with pytest.raises(MalformedInput, match="not JSON"):
        issue({SD("when"): datetime.date(2025, 1, 1)}, ISSUER, typ=TYP)


def test_holder_reloads_a_stored_credential_with_the_same_disclosures() -> None:
    held = credential()
    again = HeldSDJWT.from_storage(held.opened.parts.compact())
    assert again.claims == held.claims and again.disclosures == held.disclosures
    assert check(present(again, [["kyc", "level"]])).claims["kyc"] == {"level": 2}


def test_batch_salts_are_distinct_across_credentials() -> None:
    """SECURITY.md: salts distinct across a batch."""
    batch = BatchRandom()
    issued = [issue({SD("a"): i, SD("b"): i}, ISSUER, typ=TYP, random=batch) for i in range(10)]
    salts = [d.salt for credential_ in issued for d in credential_.disclosures]
    assert len(salts) == len(set(salts)) == 20


def test_batch_refuses_a_salt_repeated_in_another_credential() -> None:
    class Replaying:
        def __init__(self) -> None:
            self.salts = iter(["salt-one-0123456789abc", "salt-two-0123456789abc"] * 2)

        def salt(self) -> str:
            return next(self.salts)

        def decoy_digest(self, sd_alg: str) -> str:
            raise AssertionError

        def decoy_count(self, low: int, high: int) -> int:
            return 0

    batch = BatchRandom(Replaying())
    issue({SD("a"): 1, SD("b"): 2}, ISSUER, typ=TYP, random=batch)
    with pytest.raises(SSIError, match="within the batch"):
        issue({SD("a"): 1}, ISSUER, typ=TYP, random=batch)
