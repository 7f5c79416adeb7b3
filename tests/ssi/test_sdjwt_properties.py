"""Property-based tests of RFC 9901: round trips of random claims, tampering refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssi.encoding import b64url_encode, json_dumps
from ssi.errors import SSIError
from ssi.jose import Key, jws
from ssi.sdjwt import SD, ClaimPath, HeldSDJWT, KeyBinding, digest, from_json, issue, verify
from ssi.sdjwt_vc import TypeMetadata

NOW = 1_750_000_000
TYP = "example+sd-jwt"
AUD = "https://verifier.example.org"
NONCE = "prop-nonce"
ISSUER = Key.generate("ES256")
HOLDER = Key.generate("ES256")
BINDING = KeyBinding(audience=AUD, nonce=NONCE)


def issuer_key(header: dict[str, Any], payload: dict[str, Any]) -> Key:
    return ISSUER.public()


NAMES = st.text(alphabet="abcxyzéü_", min_size=1, max_size=4).filter(
    lambda name: name not in ("_sd", "_sd_alg", "cnf")
)
LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)


def _marked_list(items: list[tuple[bool, Any]]) -> list[Any]:
    return [SD(value) if marked else value for marked, value in items]


def _marked_dict(items: dict[str, tuple[bool, Any]]) -> dict[Any, Any]:
    return {SD(name) if marked else name: value for name, (marked, value) in items.items()}


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    pair = st.tuples(st.booleans(), children)
    return st.lists(pair, max_size=4).map(_marked_list) | st.dictionaries(
        NAMES, pair, max_size=4
    ).map(_marked_dict)


MARKED = st.recursive(LEAVES, _containers, max_leaves=12)
CLAIMS = st.dictionaries(NAMES, st.tuples(st.booleans(), MARKED), max_size=6).map(_marked_dict)


def expected(node: Any, chosen: set[ClaimPath], path: ClaimPath = ()) -> Any:
    """The model: what a Verifier must see when the disclosures at ``chosen`` are sent."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            name = key.value if isinstance(key, SD) else key
            if isinstance(key, SD) and path + (name,) not in chosen:
                continue
            out[name] = expected(value, chosen, path + (name,))
        return out
    if isinstance(node, list):
        items = []
        for index, element in enumerate(node):
            if isinstance(element, SD):
                if path + (index,) not in chosen:
                    continue
                element = element.value
            items.append(expected(element, chosen, path + (index,)))
        return items
    return node


@given(claims=CLAIMS, data=st.data())
def test_any_subset_round_trips_to_exactly_that_subset(claims: dict[Any, Any], data: Any) -> None:
    """Issue -> present any parent-closed subset -> verify yields exactly that subset."""
    issued = issue(claims, ISSUER, typ=TYP, cnf={"jwk": HOLDER.public_jwk()}, decoys=(0, 2))
    held = HeldSDJWT.receive(issued.compact(), issuer_key, typ=TYP)
    picked = (
        data.draw(st.sets(st.sampled_from([h.path for h in held.disclosures])))
        if held.disclosures
        else set()
    )
    chosen = {p[:n] for p in picked for n in range(1, len(p) + 1)} & {
        h.path for h in held.disclosures
    }
    selection = [h.disclosure for h in held.disclosures if h.path in chosen]
    presentation = held.present(
        disclosures=selection, holder_key=HOLDER, audience=AUD, nonce=NONCE, iat=NOW
    )
    result = verify(presentation, issuer_key, typ=TYP, now=NOW, key_binding=BINDING)
    claims_out = {k: v for k, v in result.claims.items() if k != "cnf"}
    assert claims_out == expected(claims, chosen)


def _presentation() -> str:
    claims = {
        "iss": "https://issuer.example.com",
        "exp": NOW + 3600,
        SD("given_name"): "Ada",
        SD("address"): {SD("country"): "GB", "locality": "London"},
        "nationalities": [SD("GB"), SD("FR")],
    }
    issued = issue(claims, ISSUER, typ=TYP, cnf={"jwk": HOLDER.public_jwk()})
    held = HeldSDJWT.receive(issued.compact(), issuer_key, typ=TYP)
    return held.present(
        [["given_name"], ["address", "country"], ["nationalities", 1]],
        holder_key=HOLDER,
        audience=AUD,
        nonce=NONCE,
        iat=NOW,
    )


PRESENTATION = _presentation()


def test_the_tampering_target_verifies() -> None:
    result = verify(PRESENTATION, issuer_key, typ=TYP, now=NOW, key_binding=BINDING)
    assert result.claims["address"] == {"country": "GB", "locality": "London"}


@given(
    index=st.integers(0, len(PRESENTATION) - 1),
    replacement=st.integers(0, 255).map(chr),
)
def test_any_single_byte_change_is_refused(index: int, replacement: str) -> None:
    """Every byte of an SD-JWT+KB is covered by a signature or a digest."""
    if PRESENTATION[index] == replacement:
        replacement = chr((ord(replacement) + 1) % 256)
    tampered = PRESENTATION[:index] + replacement + PRESENTATION[index + 1 :]
    with pytest.raises(SSIError):
        verify(tampered, issuer_key, typ=TYP, now=NOW, key_binding=BINDING)


@given(index=st.integers(0, len(PRESENTATION)))
def test_any_single_byte_deletion_or_insertion_is_refused(index: int) -> None:
    for tampered in (
        PRESENTATION[:index] + PRESENTATION[index + 1 :],
        PRESENTATION[:index] + "A" + PRESENTATION[index:],
    ):
        if tampered == PRESENTATION:
            continue
        with pytest.raises(SSIError):
            verify(tampered, issuer_key, typ=TYP, now=NOW, key_binding=BINDING)


JSON = st.recursive(
    LEAVES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=15,
)


@given(text=st.text(max_size=300))
def test_arbitrary_text_is_refused_with_an_ssi_error(text: str) -> None:
    with pytest.raises(SSIError):
        verify(text, issuer_key, typ=TYP, now=NOW, key_binding=BINDING)


@given(value=JSON, in_array=st.booleans())
def test_arbitrary_signed_disclosures_raise_only_ssi_errors(value: Any, in_array: bool) -> None:
    """Whatever a referenced disclosure decodes to, the answer is a result or an SSIError."""
    raw = b64url_encode(json.dumps(value).encode())
    reference = {"l": [{"...": digest(raw)}]} if in_array else {"_sd": [digest(raw)]}
    payload = {"iss": "https://issuer.example.com", "exp": NOW + 60, **reference}
    presentation = jws.sign(payload, ISSUER, typ=TYP) + "~" + raw + "~"
    try:
        result = verify(presentation, issuer_key, typ=TYP, now=NOW, key_binding=None)
    except SSIError:
        return
    assert isinstance(value, list) and len(value) == (2 if in_array else 3)
    assert (result.claims["l"] == [value[1]]) if in_array else (result.claims[value[1]] == value[2])


@given(document=JSON)
def test_arbitrary_json_serializations_raise_only_ssi_errors(document: Any) -> None:
    try:
        parts = (
            from_json(document) if isinstance(document, dict) else from_json(json_dumps(document))
        )
        verify(parts, issuer_key, typ=TYP, now=NOW, key_binding=BINDING)
    except SSIError:
        pass


@given(
    document=JSON | st.dictionaries(st.sampled_from(["vct", "claims", "display", "extends"]), JSON)
)
def test_arbitrary_type_metadata_raises_only_ssi_errors(document: Any) -> None:
    try:
        TypeMetadata.parse(document)
    except SSIError:
        pass


def _at(node: Any, path: ClaimPath) -> Any:
    for part in path:
        node = node[part]
    return node


@given(claims=CLAIMS, data=st.data())
def test_selecting_claims_by_path_discloses_them_whole(claims: dict[Any, Any], data: Any) -> None:
    """A selected claim (object keys only on its path) arrives exactly as the Holder sees it."""
    issued = issue(claims, ISSUER, typ=TYP, cnf={"jwk": HOLDER.public_jwk()})
    held = HeldSDJWT.receive(issued.compact(), issuer_key, typ=TYP)
    keyed = [h.path for h in held.disclosures if all(isinstance(p, str) for p in h.path)]
    if not keyed:
        return
    queries = data.draw(st.lists(st.sampled_from(keyed), min_size=1, max_size=3))
    presentation = held.present(queries, holder_key=HOLDER, audience=AUD, nonce=NONCE, iat=NOW)
    result = verify(presentation, issuer_key, typ=TYP, now=NOW, key_binding=BINDING)
    for query in queries:
        assert _at(result.claims, query) == _at(held.claims, query)
