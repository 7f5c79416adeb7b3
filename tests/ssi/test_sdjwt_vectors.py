"""RFC 9901 examples: reproduce each issuance, verify each presentation (Appendix A, §5)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from ssi.encoding import b64url_decode, json_loads
from ssi.errors import ClaimMismatch, InvalidRequest
from ssi.jose import Key, jws
from ssi.sdjwt import (
    SD,
    Disclosure,
    HeldSDJWT,
    IssuedSDJWT,
    KeyBinding,
    SDJWTParts,
    digest,
    from_json,
    issue,
    rfc_json,
    split,
    verify,
)

VECTORS = Path(__file__).parent.parent / "vectors" / "sd-jwt"
SETTINGS: dict[str, Any] = yaml.safe_load((VECTORS / "settings.yml").read_text())
ISSUER_KEY = Key.from_jwk(SETTINGS["key_settings"]["issuer_key"], private=True)
HOLDER_KEY = Key.from_jwk(SETTINGS["key_settings"]["holder_key"], private=True)
ISSUER = SETTINGS["identifiers"]["issuer"]
VERIFIER = SETTINGS["identifiers"]["verifier"]
NONCE = SETTINGS["key_binding_nonce"]
EXAMPLES = sorted(p.name for p in VECTORS.iterdir() if p.is_dir())


class _SpecLoader(yaml.SafeLoader):
    """YAML loader turning the examples' ``!sd`` tags into :class:`SD` marks."""


def _sd(loader: _SpecLoader, node: yaml.Node) -> SD:
    if isinstance(node, yaml.ScalarNode):
        if node.style in ('"', "'"):
            return SD(loader.construct_scalar(node))
        tag = loader.resolve(yaml.ScalarNode, node.value, (True, False))  # type: ignore[no-untyped-call]
        return SD(loader.construct_object(yaml.ScalarNode(tag, node.value)))
    if isinstance(node, yaml.MappingNode):
        return SD(loader.construct_mapping(node, deep=True))
    assert isinstance(node, yaml.SequenceNode)
    return SD(loader.construct_sequence(node, deep=True))


_SpecLoader.add_constructor("!sd", _sd)


def specification(name: str) -> dict[str, Any]:
    text = (VECTORS / name / "specification.yml").read_text()
    loaded: dict[str, Any] = yaml.load(text, _SpecLoader)
    return loaded


def read_compact_or_json(name: str, stem: str) -> SDJWTParts:
    """The example file ``stem`` (.txt compact or .json JWS JSON) as parts."""
    txt = VECTORS / name / f"{stem}.txt"
    if txt.exists():
        return split(re.sub(r"\s+", "", txt.read_text()))
    doc = json.loads((VECTORS / name / f"{stem}.json").read_text(), strict=False)
    return from_json(_unwrap(doc))


def _unwrap(value: Any) -> Any:
    """Remove the line wrapping inside the JSON examples' strings."""
    if isinstance(value, str):
        return re.sub(r"\s+", "", value)
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    if isinstance(value, dict):
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def jwt_part(token: str, index: int) -> Any:
    return json_loads(b64url_decode(token.split(".")[index]))


def expected(name: str, stem: str) -> Any:
    return json.loads((VECTORS / name / f"{stem}.json").read_text())


class ScriptedRandom:
    """A random source replaying the salts, decoys and decoy counts of an example."""

    def __init__(self, salts: list[str], decoys: list[str], counts: list[int]) -> None:
        self._salts: Iterator[str] = iter(salts)
        self._decoys: Iterator[str] = iter(decoys)
        self._counts: Iterator[int] = iter(counts)

    def salt(self) -> str:
        return next(self._salts)

    def decoy_digest(self, sd_alg: str) -> str:
        return next(self._decoys)

    def decoy_count(self, low: int, high: int) -> int:
        return next(self._counts)

    def exhausted(self) -> bool:
        return all(next(it, None) is None for it in (self._salts, self._decoys, self._counts))


def _salts(parts: SDJWTParts) -> list[str]:
    return [json_loads(b64url_decode(d))[0] for d in parts.disclosures]


def _decoys(name: str) -> list[str]:
    path = VECTORS / name / "decoy_digests.md"
    return re.findall(r"`([A-Za-z0-9_-]{43})`", path.read_text()) if path.exists() else []


def _decoy_counts(node: Any, decoys: set[str], out: list[int]) -> list[int]:
    """Decoys per object, objects in the order the Issuer finishes them (post-order)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "_sd":
                _decoy_counts(value, decoys, out)
        out.append(sum(1 for d in node.get("_sd", []) if d in decoys))
    elif isinstance(node, list):
        for value in node:
            _decoy_counts(value, decoys, out)
    return out


def _issue_example(name: str) -> tuple[IssuedSDJWT, SDJWTParts, ScriptedRandom]:
    spec = specification(name)
    reference = read_compact_or_json(name, "sd_jwt_issuance")
    claims: dict[Any, Any] = {}
    if spec.get("include_default_claims", True):
        claims = {"iss": ISSUER, "iat": SETTINGS["iat"], "exp": SETTINGS["exp"]}
    claims.update(spec["user_claims"])
    decoys = _decoys(name)
    use_decoys = spec.get("add_decoy_claims", False)
    counts = _decoy_counts(jwt_part(reference.issuer_jwt, 1), set(decoys), []) if use_decoys else []
    source = ScriptedRandom(_salts(reference), decoys, counts)
    issued = issue(
        claims,
        ISSUER_KEY,
        typ=spec.get("extra_header_parameters", {}).get("typ", "example+sd-jwt"),
        cnf={"jwk": HOLDER_KEY.public_jwk()} if spec.get("key_binding") else None,
        decoys=(2, 5) if use_decoys else None,
        random=source,
        serialize=rfc_json,
    )
    return issued, reference, source


def _issuer_key(header: dict[str, Any], payload: dict[str, Any]) -> Key:
    return ISSUER_KEY.public()


def test_rfc9901_4_2_3_digest_of_family_name_disclosure() -> None:
    """RFC 9901 §4.2.3: the digest of the ``family_name`` disclosure of §4.2.1."""
    disclosure = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    assert digest(disclosure) == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"
    parsed = Disclosure.parse(disclosure)
    assert (parsed.salt, parsed.name, parsed.value) == (
        "_26bc4LT-ac6q2KI6cBW5es",
        "family_name",
        "Möbius",
    )


def test_every_example_folder_is_tested() -> None:
    assert len(EXAMPLES) == 15, EXAMPLES


@pytest.mark.parametrize("name", EXAMPLES)
def test_issuance_reproduces_example(name: str) -> None:
    """RFC 9901 §4: same claims, keys and salts give the example's payload and disclosures."""
    issued, reference, source = _issue_example(name)
    assert source.exhausted()
    ours, theirs = issued.issuer_jwt.split("."), reference.issuer_jwt.split(".")
    assert ours[1] == theirs[1]  # payload, byte for byte
    assert jwt_part(issued.issuer_jwt, 0) == jwt_part(reference.issuer_jwt, 0)
    assert issued.parts.disclosures == reference.disclosures
    # ES256 signatures are randomized: check both verify with the example's issuer key
    jws.verify(issued.issuer_jwt, ISSUER_KEY.public(), None)
    jws.verify(reference.issuer_jwt, ISSUER_KEY.public(), None)


def _full_claims(name: str) -> dict[str, Any]:
    spec = specification(name)
    claims: dict[str, Any] = {}
    if spec.get("include_default_claims", True):
        claims = {"iss": ISSUER, "iat": SETTINGS["iat"], "exp": SETTINGS["exp"]}
    claims.update(expected(name, "user_claims"))
    if spec.get("key_binding"):
        claims["cnf"] = {"jwk": HOLDER_KEY.public_jwk()}
    return claims


@pytest.mark.parametrize("name", EXAMPLES)
def test_holder_receives_example_issuance(name: str) -> None:
    """RFC 9901 §7.2: the Holder verifies the issuance and sees every claim."""
    reference = read_compact_or_json(name, "sd_jwt_issuance")
    typ = jwt_part(reference.issuer_jwt, 0)["typ"]
    held = HeldSDJWT.receive(reference, _issuer_key, typ=typ)
    assert held.claims == _full_claims(name)
    assert len(held.disclosures) == len(reference.disclosures)


JSON_EXAMPLES = [name for name in EXAMPLES if name.startswith("json_serialization")]


@pytest.mark.parametrize("name", [n for n in EXAMPLES if n not in JSON_EXAMPLES])
def test_presentation_verifies_to_example_contents(name: str) -> None:
    """RFC 9901 §7.3: the example presentation verifies to ``verified_contents.json``."""
    spec = specification(name)
    presentation = read_compact_or_json(name, "sd_jwt_presentation")
    typ = jwt_part(presentation.issuer_jwt, 0)["typ"]
    binding = None
    now = float(SETTINGS["iat"])
    if spec.get("key_binding"):
        assert presentation.kb_jwt is not None
        now = float(jwt_part(presentation.kb_jwt, 1)["iat"])
        binding = KeyBinding(audience=VERIFIER, nonce=NONCE)
    result = verify(presentation, _issuer_key, typ=typ, now=now, key_binding=binding)
    assert result.claims == expected(name, "verified_contents")
    if binding is not None:
        assert result.kb_claims == expected(name, "kb_jwt_payload")


@pytest.mark.parametrize("name", JSON_EXAMPLES)
def test_json_example_sd_jwt_verifies_to_example_contents(name: str) -> None:
    """RFC 9901 §8.3: the JWS JSON example's SD-JWT part verifies to its contents."""
    presentation = read_compact_or_json(name, "sd_jwt_presentation")
    sd_jwt = SDJWTParts(presentation.issuer_jwt, presentation.disclosures)
    result = verify(
        sd_jwt, _issuer_key, typ="example+sd-jwt", now=SETTINGS["iat"], key_binding=None
    )
    assert result.claims == expected(name, "verified_contents")


@pytest.mark.parametrize("name", JSON_EXAMPLES)
def test_json_example_kb_jwt_hashes_the_json_not_the_compact_form(name: str) -> None:
    """RFC 9901 §8.1: ``sd_hash`` MUST be over the compact form; the example's is not.

    sd-jwt 0.10.4, which generated the example, hashed the issued JSON document
    instead. We show that this is the hash it carries, and refuse it.
    """
    issued = json.loads((VECTORS / name / "sd_jwt_issuance.json").read_text(), strict=False)
    presentation = read_compact_or_json(name, "sd_jwt_presentation")
    assert presentation.kb_jwt is not None
    kb_claims = jwt_part(presentation.kb_jwt, 1)
    reference_input = "~".join([json.dumps(_unwrap(issued)), *presentation.disclosures, ""])
    assert kb_claims["sd_hash"] == digest(reference_input)
    assert kb_claims["sd_hash"] != digest(presentation.sd_jwt)
    binding = KeyBinding(audience=VERIFIER, nonce=NONCE)
    with pytest.raises(ClaimMismatch, match="sd_hash"):
        verify(
            presentation,
            _issuer_key,
            typ="example+sd-jwt",
            now=kb_claims["iat"],
            key_binding=binding,
        )


def _selected_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The example's ``holder_disclosed_claims`` tree as claim paths (its ``true`` leaves)."""
    if node is True:
        return [prefix]
    items = node.items() if isinstance(node, dict) else enumerate(node or [])
    return [p for key, value in items for p in _selected_paths(value, (*prefix, key))]


# Where the reference Holder's selection rules differ from ours (OpenID4VP §7: a selected
# object is disclosed with everything below it; a path to nothing is an error):
SELECTION_DIFFERENCES = {
    "complex_eidas": "ours adds the disclosures below a selected object",
    "complex_eidas_proposal": "the reference also discloses for '{}' and non-empty lists",
    "w3c-vc_for_slide_deck": "the example selects claims the credential does not have",
}


@pytest.mark.parametrize("name", EXAMPLES)
def test_holder_selects_the_example_disclosures(name: str) -> None:
    """RFC 9901 §7.2: our Holder, given the example's selection, picks the same disclosures."""
    issued = read_compact_or_json(name, "sd_jwt_issuance")
    held = HeldSDJWT.receive(issued, _issuer_key, typ=jwt_part(issued.issuer_jwt, 0)["typ"])
    queries = _selected_paths(specification(name)["holder_disclosed_claims"])
    theirs = set(read_compact_or_json(name, "sd_jwt_presentation").disclosures)
    if name == "w3c-vc_for_slide_deck":
        with pytest.raises(InvalidRequest, match="no claim at path"):
            held.select(queries)
        return
    ours = {d.raw for d in held.select(queries)}
    if name == "complex_eidas":
        paths = {h.disclosure.raw: h.path for h in held.disclosures}
        assert ours > theirs
        assert all(any(paths[raw][: len(q)] == q for q in queries) for raw in ours - theirs)
    elif name == "complex_eidas_proposal":
        assert ours < theirs
    else:
        assert name not in SELECTION_DIFFERENCES
        assert ours == theirs
