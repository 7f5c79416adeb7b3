"""SD-JWT VC Type Metadata (§5): shape, ``extends``, and the claim rules on issued credentials."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
from typing import Any

import pytest

from ssi.jose import Key
from ssi.sdjwt import HeldSDJWT, IssuedSDJWT, mark
from ssi.sdjwt_vc import (
    IntegrityMismatch,
    InvalidTypeMetadata,
    TypeMetadata,
    TypeMetadataMismatch,
    check_claims,
    check_integrity,
    issue_credential,
    resolve_type_metadata,
    select_claims,
)
from ssi.sdjwt_vc.spec import SD_JWT_VC_TYP
from ssi.status_list import StatusReference

NOW = 1_750_000_000
ISSUER = Key.generate("ES256")
VCT = "https://betelgeuse.example.com/education_credential/v42"

# SD-JWT VC, Appendix "Example Type Metadata" (claims and one display entry)
EXAMPLE: dict[str, Any] = {
    "vct": VCT,
    "name": "Betelgeuse Education Credential - First Version",
    "description": "This is our first version of the education credential. Don't panic.",
    "extends": "https://galaxy.example.com/galactic-education-credential/v2",
    "extends#integrity": "sha256-ilOUJsTultOwLfz7QUcFALaRa3BP/jelX1ds04kB9yU=",
    "display": [
        {
            "locale": "en-US",
            "name": "Betelgeuse Education Credential",
            "description": "Education credential for all carbon-based life forms on Betelgeuse.",
            "rendering": {
                "simple": {
                    "logo": {
                        "uri": "https://betelgeuse.example.com/public/education-logo.png",
                        "uri#integrity": "sha256-LmXfh+9cLlJNXN+TsMk+PmKjZ5t0WRL5ca/xGgX3c1U=",
                        "alt_text": "Betelgeuse Ministry of Education logo",
                    },
                    "background_color": "#12107c",
                    "text_color": "#FFFFFF",
                },
                "svg_templates": [
                    {
                        "uri": "https://betelgeuse.example.com/public/credential-english.svg",
                        "properties": {"orientation": "landscape", "color_scheme": "light"},
                    }
                ],
            },
        }
    ],
    "claims": [
        {
            "path": ["name"],
            "display": [{"locale": "en-US", "label": "Name", "description": "The name"}],
            "sd": "always",
            "mandatory": True,
        },
        {"path": ["address"], "sd": "always"},
        {
            "path": ["address", "street_address"],
            "display": [{"locale": "en-US", "label": "Street Address"}],
            "sd": "always",
            "svg_id": "address_street_address",
        },
        {"path": ["degrees"], "sd": "never"},
        {"path": ["degrees", None], "sd": "always"},
        {"path": ["degrees", None, "field_of_study"], "sd": "never"},
        {"path": ["degrees", None, "date_awarded"], "sd": "always"},
    ],
}
PAYLOAD: dict[str, Any] = {  # the example's SD-JWT VC payload, without vct
    "name": "Zaphod Beeblebrox",
    "address": {
        "street_address": "42 Galaxy Way",
        "city": "Betelgeuse City",
        "postal_code": "12345",
        "country": "Betelgeuse",
    },
    "degrees": [
        {"field_of_study": "Intergalactic Politics", "date_awarded": "2020-05-15"},
        {"field_of_study": "Space Navigation", "date_awarded": "2018-06-20"},
    ],
}
METADATA = TypeMetadata.parse(EXAMPLE)


def issue_with(paths: list[Any]) -> IssuedSDJWT:
    claims = mark(copy.deepcopy(PAYLOAD), paths, require_all=False)
    return issue_credential(
        claims,
        ISSUER,
        vct=VCT,
        iss="https://betelgeuse.example.com",
        iat=NOW,
        status=StatusReference(0, "https://betelgeuse.example.com/status"),
    )


def validate(issued: IssuedSDJWT, metadata: TypeMetadata = METADATA) -> None:
    held = HeldSDJWT.receive(issued.compact(), lambda h, p: ISSUER.public(), typ=SD_JWT_VC_TYP)
    check_claims(metadata, held.claims, {d.path for d in held.disclosures})


def test_example_type_metadata_parses() -> None:
    assert METADATA.vct == VCT and METADATA.extends == EXAMPLE["extends"]
    assert METADATA.display[0].rendering is not None
    name = METADATA.claims[0]
    assert name.path == ("name",) and name.sd == "always" and name.mandatory
    assert name.display[0].label == "Name"
    assert METADATA.claims[2].svg_id == "address_street_address"
    assert METADATA.claims[4].path == ("degrees", None)


def test_credential_issued_by_the_metadata_passes_its_claim_rules() -> None:
    """§5.6: ``sd: always`` claims disclosable, ``sd: never`` plain, mandatory present."""
    validate(issue_with(METADATA.disclosable_paths()))


def test_refuses_an_always_claim_issued_plain() -> None:
    paths = [p for p in METADATA.disclosable_paths() if p != ("address", "street_address")]
    with pytest.raises(TypeMetadataMismatch, match="street_address"):
        validate(issue_with(paths))


def test_refuses_a_never_claim_issued_disclosable() -> None:
    paths = [*METADATA.disclosable_paths(), ("degrees", None, "field_of_study")]
    with pytest.raises(TypeMetadataMismatch, match="field_of_study"):
        validate(issue_with(paths))


def test_refuses_a_missing_mandatory_claim() -> None:
    issued = issue_credential({}, ISSUER, vct=VCT, iss="https://b.example", iat=NOW, exp=NOW + 10)
    with pytest.raises(TypeMetadataMismatch, match="mandatory"):
        validate(issued)


def test_refuses_a_path_through_the_wrong_type() -> None:
    """§5.6.1.2: a string component on an array (or an index on an object) is an error."""
    with pytest.raises(TypeMetadataMismatch, match="object"):
        select_claims({"degrees": []}, ("degrees", "type"))
    with pytest.raises(TypeMetadataMismatch, match="array"):
        select_claims({"name": "x"}, ("name", 0))


def test_select_claims_follows_the_spec_examples() -> None:
    """§5.6.1.1."""
    assert select_claims(PAYLOAD, ("address",)) == [("address",)]
    assert select_claims(PAYLOAD, ("degrees", None, "field_of_study")) == [
        ("degrees", 0, "field_of_study"),
        ("degrees", 1, "field_of_study"),
    ]
    assert select_claims(PAYLOAD, ("degrees", 5)) == []
    assert select_claims(PAYLOAD, ("nickname",)) == []


BAD_DOCUMENTS: dict[str, Any] = {
    "no vct": {"name": "x"},
    "vct not a string": {"vct": 1},
    "not an object": ["vct"],
    "claims not an array": {"vct": "v", "claims": {}},
    "empty path": {"vct": "v", "claims": [{"path": []}]},
    "negative index": {"vct": "v", "claims": [{"path": ["a", -1]}]},
    "boolean in path": {"vct": "v", "claims": [{"path": [True]}]},
    "unknown sd": {"vct": "v", "claims": [{"path": ["a"], "sd": "sometimes"}]},
    "mandatory not boolean": {"vct": "v", "claims": [{"path": ["a"], "mandatory": "yes"}]},
    "svg_id digit first": {"vct": "v", "claims": [{"path": ["a"], "svg_id": "1a"}]},
    "svg_id repeated": {
        "vct": "v",
        "claims": [{"path": ["a"], "svg_id": "x"}, {"path": ["b"], "svg_id": "x"}],
    },
    "claim display without label": {
        "vct": "v",
        "claims": [{"path": ["a"], "display": [{"locale": "en"}]}],
    },
    "display without locale": {"vct": "v", "display": [{"name": "n"}]},
    "http logo": {
        "vct": "v",
        "display": [
            {
                "locale": "en",
                "name": "n",
                "rendering": {"simple": {"logo": {"uri": "http://x.example/logo.png"}}},
            }
        ],
    },
    "two svg templates without properties": {
        "vct": "v",
        "display": [
            {
                "locale": "en",
                "name": "n",
                "rendering": {
                    "svg_templates": [{"uri": "https://a.example/1.svg"}, {"uri": "data:,x"}]
                },
            }
        ],
    },
}


@pytest.mark.parametrize("document", BAD_DOCUMENTS.values(), ids=list(BAD_DOCUMENTS))
def test_refuses_a_malformed_type_metadata_document(document: Any) -> None:
    with pytest.raises(InvalidTypeMetadata):
        TypeMetadata.parse(document)


def test_unknown_members_are_ignored() -> None:
    assert TypeMetadata.parse({"vct": "v", "x-extension": {"a": 1}}).vct == "v"


BASE = TypeMetadata.parse(
    {
        "vct": "https://example.com/base-type-metadata",
        "display": [{"locale": "en", "name": "Base"}],
        "claims": [
            {"path": ["name"], "display": [{"label": "Full Name", "locale": "en"}]},
            {"path": ["address", "city"], "display": [{"label": "City", "locale": "en"}]},
            {"path": ["kyc_level"], "sd": "never", "mandatory": True},
        ],
    }
)


def child(claims: list[dict[str, Any]]) -> TypeMetadata:
    return TypeMetadata.parse(
        {
            "vct": "https://example.com/custom-type-metadata",
            "extends": "https://example.com/base-type-metadata",
            "claims": claims,
        }
    )


def test_extends_follows_the_spec_example() -> None:
    """§5.6.5.2: the child overrides ``address.city`` and adds ``nationalities``."""
    merged = child(
        [
            {"path": ["address", "city"], "display": [{"label": "Town", "locale": "en"}]},
            {"path": ["nationalities"], "display": [{"label": "Nationalities", "locale": "en"}]},
        ]
    ).extend(BASE)
    labels = {c.path: c.display[0].label for c in merged.claims if c.display}
    assert labels == {
        ("name",): "Full Name",
        ("address", "city"): "Town",
        ("nationalities",): "Nationalities",
    }
    assert merged.display == BASE.display  # §5.5.2: inherited when the child has none


def test_extends_keeps_base_sd_and_mandatory_when_the_child_is_silent() -> None:
    merged = child([{"path": ["kyc_level"], "display": [{"label": "Level", "locale": "en"}]}])
    kyc = next(c for c in merged.extend(BASE).claims if c.path == ("kyc_level",))
    assert kyc.sd == "never" and kyc.mandatory and kyc.display[0].label == "Level"


def test_extends_refuses_changing_a_fixed_sd() -> None:
    """§5.6.5.1: ``always`` / ``never`` cannot be changed by an extending type."""
    with pytest.raises(InvalidTypeMetadata, match="'sd'"):
        child([{"path": ["kyc_level"], "sd": "allowed"}]).extend(BASE)


def test_extends_refuses_dropping_mandatory() -> None:
    with pytest.raises(InvalidTypeMetadata, match="mandatory"):
        child([{"path": ["kyc_level"], "mandatory": False}]).extend(BASE)


def test_extends_refuses_another_base_type() -> None:
    with pytest.raises(InvalidTypeMetadata, match="extends"):
        child([]).extend(METADATA)


# --- §6 integrity, §5.3 retrieval, §7.4 circular extends ------------------------------------


def sri(document: bytes, alg: str = "sha256") -> str:
    return f"{alg}-" + base64.b64encode(hashlib.new(alg, document).digest()).decode()


def test_integrity_of_a_matching_document() -> None:
    document = b'{"vct": "https://example.com/t"}'
    check_integrity(document, sri(document))
    check_integrity(document, sri(document, "sha384") + " " + sri(b"other", "sha256"))


def test_integrity_uses_the_strongest_algorithm() -> None:
    """§6: with several expressions, the strongest supported algorithm decides."""
    document = b"doc"
    with pytest.raises(IntegrityMismatch):
        check_integrity(document, sri(document, "sha256") + " " + sri(b"other", "sha512"))


@pytest.mark.parametrize(
    "integrity", ["sha256-AAAA", "md5-AAAA", "", "sha256-!!notbase64", "sha1-" + "A" * 28]
)
def test_integrity_mismatch_or_unsupported_is_refused(integrity: str) -> None:
    with pytest.raises(IntegrityMismatch):
        check_integrity(b"doc", integrity)


BASE_URL = "https://example.com/base-type-metadata"
CHILD_URL = "https://example.com/custom-type-metadata"


def documents(**changes: Any) -> dict[str, bytes]:
    base = {"vct": BASE_URL, "claims": [{"path": ["kyc_level"], "sd": "never"}]}
    child = {"vct": CHILD_URL, "extends": BASE_URL, "claims": [{"path": ["name"]}]}
    child.update(changes)
    base_bytes = json.dumps(base).encode()
    if "extends#integrity" not in changes:
        child["extends#integrity"] = sri(base_bytes)
    return {BASE_URL: base_bytes, CHILD_URL: json.dumps(child).encode()}


def test_type_metadata_is_retrieved_with_its_extends_chain() -> None:
    docs = documents()
    metadata = resolve_type_metadata(CHILD_URL, docs.__getitem__, integrity=sri(docs[CHILD_URL]))
    assert metadata.vct == CHILD_URL
    assert {c.path for c in metadata.claims} == {("kyc_level",), ("name",)}


def test_refuses_type_metadata_not_matching_vct_integrity() -> None:
    docs = documents()
    with pytest.raises(IntegrityMismatch):
        resolve_type_metadata(CHILD_URL, docs.__getitem__, integrity=sri(b"something else"))


def test_refuses_an_extended_type_not_matching_extends_integrity() -> None:
    docs = documents(**{"extends#integrity": sri(b"not the base")})
    with pytest.raises(IntegrityMismatch):
        resolve_type_metadata(CHILD_URL, docs.__getitem__)


def test_refuses_circular_extends() -> None:
    """§7.4: Consumers MUST detect circular dependencies and reject."""
    docs = {
        BASE_URL: json.dumps({"vct": BASE_URL, "extends": CHILD_URL}).encode(),
        CHILD_URL: json.dumps({"vct": CHILD_URL, "extends": BASE_URL}).encode(),
    }
    with pytest.raises(InvalidTypeMetadata, match="circular"):
        resolve_type_metadata(CHILD_URL, docs.__getitem__)


def test_refuses_metadata_for_another_vct() -> None:
    """§5.3: the document's ``vct`` must be the type that was referenced."""
    docs = {CHILD_URL: json.dumps({"vct": BASE_URL}).encode()}
    with pytest.raises(InvalidTypeMetadata, match="not the type"):
        resolve_type_metadata(CHILD_URL, docs.__getitem__)


@pytest.mark.parametrize("vct", ["http://example.com/t", "urn:eudi:pid:1"])
def test_refuses_retrieval_from_a_non_https_vct(vct: str) -> None:
    with pytest.raises(InvalidTypeMetadata, match="https"):
        resolve_type_metadata(vct, lambda url: b"{}")


def test_refuses_type_metadata_that_is_not_json() -> None:
    with pytest.raises(InvalidTypeMetadata, match="JSON"):
        resolve_type_metadata(CHILD_URL, lambda url: b'{"vct": 1, "vct": 2}')
