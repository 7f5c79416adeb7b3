"""SD-JWT VC (draft-ietf-oauth-sd-jwt-vc): issuance, verification, Issuer key discovery."""

from __future__ import annotations

from typing import Any

import pytest

from ssi.errors import (
    CertificateError,
    HeaderKeyRefused,
    InvalidSignature,
    ResolutionError,
    TimeInvalid,
    UntrustedIssuer,
    WrongType,
)
from ssi.jose import Key
from ssi.sdjwt import SD, HeldSDJWT, KeyBinding, create_kb_jwt, issue
from ssi.sdjwt_vc import (
    DisclosedRegisteredClaim,
    IssuerTrust,
    NotAnSDJWTVC,
    UnboundedCredential,
    check_credential_claims,
    issue_credential,
    metadata_url,
    receive_credential,
    verify_credential,
)
from ssi.sdjwt_vc.spec import NON_DISCLOSABLE_CLAIMS, SD_JWT_VC_TYP
from ssi.status_list import StatusReference
from ssi.x509 import issue_leaf, make_ca, to_x5c

NOW = 1_750_000_000
ISS = "https://issuer.example.com"
VCT = "https://credentials.example.com/kyc"
AUD = "x509_hash:abc"
NONCE = "vc-nonce-1"
ISSUER = Key.generate("ES256")
HOLDER = Key.generate("ES256")
BINDING = KeyBinding(audience=AUD, nonce=NONCE)
STATUS = StatusReference(idx=42, uri="https://issuer.example.com/status/1")
METADATA = {
    "https://issuer.example.com/.well-known/jwt-vc-issuer": {
        "issuer": ISS,
        "jwks": {"keys": [{**ISSUER.public_jwk(), "kid": "k1"}]},
    }
}


def fetch_json(url: str) -> Any:
    """The injected fetch: a fixed table of documents, as the guarded fetcher would return."""
    try:
        return METADATA[url]
    except KeyError:
        raise ResolutionError(f"no document at {url}") from None


TRUST = IssuerTrust(frozenset({ISS}), fetch_json=fetch_json)


def kyc_claims() -> dict[Any, Any]:
    return {SD("given_name"): "Ada", SD("kyc_level"): 2, SD("country"): "GB", "over_18": True}


def credential(**kw: Any) -> str:
    args: dict[str, Any] = {
        "vct": VCT,
        "iss": ISS,
        "iat": NOW - 60,
        "exp": NOW + 86_400,
        "status": STATUS,
        "holder_key": HOLDER,
        "header": {"kid": "k1"},
    }
    args.update(kw)
    return issue_credential(kyc_claims(), ISSUER, **args).compact()


def present(issued: str, paths: list[list[Any]] | None = None) -> str:
    held = HeldSDJWT.receive(issued, TRUST.resolver(NOW), typ=SD_JWT_VC_TYP)
    return held.present(
        paths or [["kyc_level"]], holder_key=HOLDER, audience=AUD, nonce=NONCE, iat=NOW
    )


def check(presentation: str, trust: IssuerTrust = TRUST, **kw: Any) -> Any:
    return verify_credential(presentation, trust, now=NOW, key_binding=BINDING, **kw)


def forge(claims: dict[Any, Any], *, typ: str = SD_JWT_VC_TYP, header: Any = None) -> str:
    """A credential built with the bare SD-JWT issuer, so registered claims can be misplaced."""
    issued = issue(
        claims,
        ISSUER,
        typ=typ,
        cnf={"jwk": HOLDER.public_jwk()},
        header=header or {"kid": "k1"},
    )
    held = HeldSDJWT.receive(
        issued.compact(), lambda h, p: ISSUER.public(), typ=typ, allow_header_keys=ANY_HEADER_KEY
    )
    return held.present(
        [[n] for n in held.claims if n != "cnf"],
        holder_key=HOLDER,
        audience=AUD,
        nonce=NONCE,
        iat=NOW,
    )


ANY_HEADER_KEY = frozenset({"jwk", "x5c"})


def base(**extra: Any) -> dict[Any, Any]:
    return {"iss": ISS, "iat": NOW, "exp": NOW + 600, "vct": VCT, **extra}


# --- issuance and verification ----------------------------------------------------------------


def test_issue_present_verify_an_sd_jwt_vc() -> None:
    result = check(present(credential(), [["kyc_level"], ["country"]]))
    assert result.vct == VCT and result.iss == ISS
    assert result.claims["kyc_level"] == 2 and result.claims["country"] == "GB"
    assert "given_name" not in result.claims
    assert result.status == STATUS
    assert result.kb_claims["aud"] == AUD
    assert result.header["typ"] == "dc+sd-jwt"


def test_registered_claims_are_issued_in_plain_text() -> None:
    issued = issue_credential(
        kyc_claims(), ISSUER, vct=VCT, iss=ISS, iat=NOW, exp=NOW + 1, status=STATUS
    )
    for name in ("iss", "iat", "exp", "vct", "status"):
        assert name in issued.payload
    assert issued.payload["status"] == {"status_list": {"idx": 42, "uri": STATUS.uri}}


@pytest.mark.parametrize("typ", ["vc+sd-jwt", "example+sd-jwt", "JWT"])
def test_refuses_another_typ(typ: str) -> None:
    """SD-JWT VC §2.2.1: ``typ`` MUST be ``dc+sd-jwt``; the old ``vc+sd-jwt`` is refused too."""
    with pytest.raises(WrongType):
        check(forge(base(), typ=typ))


def test_refuses_a_credential_without_vct() -> None:
    with pytest.raises(NotAnSDJWTVC, match="vct"):
        check(forge({"iss": ISS, "iat": NOW, "exp": NOW + 600}))


@pytest.mark.parametrize("name", sorted(NON_DISCLOSABLE_CLAIMS - {"iss"}))
def test_refuses_a_registered_claim_inside_a_disclosure(name: str) -> None:
    """SD-JWT VC §2.2.2.3: these claims MUST NOT be selectively disclosed."""
    values = {
        "iss": ISS,
        "nbf": NOW - 10,
        "exp": NOW + 600,
        "cnf": {"jwk": HOLDER.public_jwk()},
        "vct": VCT,
        "vct#integrity": "sha256-vJKakJAQkDYkIhGrT1M3nxRuSj9udH0l1PXB06QHto8=",
        "aka_vcts": ["urn:example:kyc"],
        "status": STATUS.to_dict(),
    }
    claims = {k: v for k, v in base().items() if k != name}
    claims[SD(name)] = values[name]
    if name == "cnf":
        issued = issue(claims, ISSUER, typ=SD_JWT_VC_TYP, header={"kid": "k1"})
        held = HeldSDJWT.receive(issued.compact(), TRUST.resolver(NOW), typ=SD_JWT_VC_TYP)
        presentation = held.present(
            [["cnf"]], holder_key=HOLDER, audience=AUD, nonce=NONCE, iat=NOW
        )
    else:
        presentation = forge(claims)
    with pytest.raises(DisclosedRegisteredClaim, match=name):
        check(presentation)


def test_refuses_iss_inside_a_disclosure() -> None:
    """A disclosed ``iss`` cannot identify the Issuer: refused before the signature."""
    claims = {k: v for k, v in base().items() if k != "iss"}
    presentation = forge({**claims, SD("iss"): ISS})
    with pytest.raises(UntrustedIssuer, match="None"):
        check(presentation)
    with pytest.raises(DisclosedRegisteredClaim, match="iss"):
        check_credential_claims(dict(claims), {**claims, "iss": ISS})


def test_refuses_a_disclosable_sub_claim_of_status_even_when_undisclosed() -> None:
    claims = base(status={SD("status_list"): {"idx": 1, "uri": STATUS.uri}})
    issued = issue(
        claims, ISSUER, typ=SD_JWT_VC_TYP, cnf={"jwk": HOLDER.public_jwk()}, header={"kid": "k1"}
    )
    held = HeldSDJWT.receive(issued.compact(), TRUST.resolver(NOW), typ=SD_JWT_VC_TYP)
    presentation = held.present([], holder_key=HOLDER, audience=AUD, nonce=NONCE, iat=NOW)
    with pytest.raises(DisclosedRegisteredClaim, match="status"):
        check(presentation)


def test_refuses_a_credential_without_exp_and_without_status() -> None:
    claims = {k: v for k, v in base().items() if k != "exp"}
    with pytest.raises(UnboundedCredential):
        check(forge(claims))


def test_accepts_status_without_exp_and_exp_without_status() -> None:
    no_exp = {k: v for k, v in base(status=STATUS.to_dict()).items() if k != "exp"}
    assert check(forge(no_exp)).status == STATUS
    assert check(forge(base())).status is None


def test_unbounded_credential_allowed_only_when_policy_says_so() -> None:
    claims = {k: v for k, v in base().items() if k != "exp"}
    assert check(forge(claims), require_exp_or_status=False).vct == VCT


@pytest.mark.parametrize(
    "status",
    [
        {"status_list": {"idx": -1, "uri": "u"}},
        {"status_list": {"idx": "1", "uri": "u"}},
        {"status_list": {"idx": 1}},
        {"other_mechanism": {}},
        "revoked",
    ],
)
def test_refuses_a_malformed_status(status: Any) -> None:
    with pytest.raises(NotAnSDJWTVC, match="status"):
        check(forge(base(status=status)))


def test_refuses_aka_vcts_containing_vct() -> None:
    with pytest.raises(NotAnSDJWTVC, match="aka_vcts"):
        check(forge(base(aka_vcts=[VCT])))


def test_issuer_refuses_disclosable_registered_claims() -> None:
    with pytest.raises(DisclosedRegisteredClaim):
        issue_credential({SD("status"): {}}, ISSUER, vct=VCT, iss=ISS, iat=NOW, exp=NOW + 1)


def test_issuer_refuses_an_unbounded_credential() -> None:
    with pytest.raises(UnboundedCredential):
        issue_credential({}, ISSUER, vct=VCT, iss=ISS, iat=NOW)


# --- Issuer key discovery -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("iss", "url"),
    [
        ("https://example.com", "https://example.com/.well-known/jwt-vc-issuer"),
        (
            "https://example.com/tenant/1234",
            "https://example.com/.well-known/jwt-vc-issuer/tenant/1234",
        ),
        (
            "https://example.com/tenant/1234/",
            "https://example.com/.well-known/jwt-vc-issuer/tenant/1234",
        ),
        ("https://example.com:8443/x", "https://example.com:8443/.well-known/jwt-vc-issuer/x"),
    ],
)
def test_metadata_url_inserts_the_well_known_path(iss: str, url: str) -> None:
    """SD-JWT VC §4 / §4.1 examples."""
    assert metadata_url(iss) == url


@pytest.mark.parametrize(
    "iss", ["http://example.com", "https://example.com/?a=1", "https://e.com/#f", "did:web:e"]
)
def test_metadata_url_refuses_non_https_query_fragment(iss: str) -> None:
    with pytest.raises(UntrustedIssuer):
        metadata_url(iss)


def test_metadata_url_allows_http_only_in_development() -> None:
    assert metadata_url("http://127.0.0.1:5000", allow_http=True).startswith(
        "http://127.0.0.1:5000/"
    )


def test_refuses_an_issuer_not_on_the_trust_list() -> None:
    trust = IssuerTrust(frozenset({"https://other.example"}), fetch_json=fetch_json)
    with pytest.raises(UntrustedIssuer, match="trust list"):
        check(present(credential()), trust)


def test_refuses_metadata_naming_another_issuer() -> None:
    def lying(url: str) -> Any:
        return {"issuer": "https://evil.example", "jwks": {"keys": [ISSUER.public_jwk()]}}

    with pytest.raises(UntrustedIssuer, match="identical"):
        check(present(credential()), IssuerTrust(frozenset({ISS}), fetch_json=lying))


def test_refuses_metadata_with_both_jwks_and_jwks_uri() -> None:
    def both(url: str) -> Any:
        return {"issuer": ISS, "jwks": {"keys": []}, "jwks_uri": "https://issuer.example.com/jwks"}

    with pytest.raises(ResolutionError, match="exactly one"):
        check(present(credential()), IssuerTrust(frozenset({ISS}), fetch_json=both))


def test_jwks_uri_is_followed() -> None:
    documents = {
        "https://issuer.example.com/.well-known/jwt-vc-issuer": {
            "issuer": ISS,
            "jwks_uri": "https://keys.example.com/jwks.json",
        },
        "https://keys.example.com/jwks.json": {"keys": [{**ISSUER.public_jwk(), "kid": "k1"}]},
    }
    trust = IssuerTrust(frozenset({ISS}), fetch_json=documents.__getitem__)
    assert check(present(credential()), trust).vct == VCT


def test_refuses_a_kid_absent_from_the_jwks() -> None:
    with pytest.raises(UntrustedIssuer, match="kid"):
        check(present(credential(header={"kid": "k2"})))


def test_refuses_a_credential_signed_by_a_key_not_in_the_metadata() -> None:
    rogue = Key.generate("ES256")
    issued = issue_credential(
        kyc_claims(),
        rogue,
        vct=VCT,
        iss=ISS,
        iat=NOW,
        exp=NOW + 600,
        holder_key=HOLDER,
        header={"kid": "k1"},
    )
    sd_jwt = issued.compact()
    presentation = sd_jwt + create_kb_jwt(sd_jwt, HOLDER, audience=AUD, nonce=NONCE, iat=NOW)
    with pytest.raises(InvalidSignature):
        check(presentation)


def test_refuses_a_key_embedded_in_the_header() -> None:
    """SECURITY.md: a header ``jwk`` never supplies the Issuer's key."""
    with pytest.raises(HeaderKeyRefused, match="jwk"):
        check(forge(base(), header={"kid": "k1", "jwk": ISSUER.public_jwk()}))


DID = "did:example:issuer"
DID_KEYS = {f"{DID}#key-1": ISSUER.public()}


def resolve_did_key(kid: str, expected_did: str) -> Key:
    """The injected DID resolver (ssi/did in the app): a table here."""
    assert kid.startswith(expected_did + "#")
    try:
        return DID_KEYS[kid]
    except KeyError:
        raise ResolutionError(f"no verification method {kid}") from None


DID_TRUST = IssuerTrust(frozenset({DID}), resolve_did_key=resolve_did_key)


def did_presentation(kid: str | None) -> str:
    header = {"kid": kid} if kid is not None else {}
    issued = issue_credential(
        kyc_claims(),
        ISSUER,
        vct=VCT,
        iss=DID,
        iat=NOW,
        exp=NOW + 600,
        holder_key=HOLDER,
        header=header,
    )
    held = HeldSDJWT.receive(issued.compact(), lambda h, p: ISSUER.public(), typ=SD_JWT_VC_TYP)
    return held.present([["kyc_level"]], holder_key=HOLDER, audience=AUD, nonce=NONCE, iat=NOW)


@pytest.mark.parametrize("kid", [f"{DID}#key-1", "#key-1"])
def test_did_issuer_key_from_the_injected_resolver(kid: str) -> None:
    assert check(did_presentation(kid), DID_TRUST).iss == DID


def test_refuses_a_did_kid_of_another_did() -> None:
    with pytest.raises(UntrustedIssuer, match="another DID"):
        check(did_presentation("did:example:mallory#key-1"), DID_TRUST)


def test_refuses_a_did_issuer_without_kid() -> None:
    with pytest.raises(UntrustedIssuer, match="kid"):
        check(did_presentation(None), DID_TRUST)


def test_refuses_an_unresolvable_did_key() -> None:
    with pytest.raises(ResolutionError):
        check(did_presentation(f"{DID}#key-2"), DID_TRUST)


CA_KEY, CA = make_ca("KYC Root", now=NOW - 86_400)
ISSUER_CERT = issue_leaf(CA_KEY, CA, ISSUER, ["issuer.example.com"], now=NOW - 86_400)
X5C_TRUST = IssuerTrust(frozenset({ISS}), x5c_roots=(CA,))


def x5c_presentation(cert: Any = ISSUER_CERT) -> str:
    return forge(base(), header={"x5c": to_x5c([cert])})


def test_x5c_issuer_key_verified_to_a_root() -> None:
    assert check(x5c_presentation(), X5C_TRUST).iss == ISS


def test_refuses_x5c_leaf_that_does_not_name_iss() -> None:
    other = issue_leaf(CA_KEY, CA, ISSUER, ["other.example.com"], now=NOW - 86_400)
    with pytest.raises(UntrustedIssuer, match="does not name"):
        check(x5c_presentation(other), X5C_TRUST)


def test_refuses_x5c_to_an_untrusted_root() -> None:
    rogue_key, rogue_ca = make_ca("KYC Root", now=NOW - 86_400)
    leaf = issue_leaf(rogue_key, rogue_ca, ISSUER, ["issuer.example.com"], now=NOW - 86_400)
    with pytest.raises(CertificateError):
        check(x5c_presentation(leaf), X5C_TRUST)


def test_refuses_x5c_when_no_roots_are_configured() -> None:
    with pytest.raises(UntrustedIssuer, match="x5c"):
        check(x5c_presentation())


# --- the Holder's side -------------------------------------------------------------------------


def test_holder_receives_a_credential() -> None:
    held = receive_credential(credential(), TRUST.resolver(NOW), now=NOW)
    assert held.claims["given_name"] == "Ada" and held.claims["vct"] == VCT


def test_holder_refuses_a_registered_claim_it_would_never_present() -> None:
    claims = {**base(), SD("status"): STATUS.to_dict()}
    issued = issue(claims, ISSUER, typ=SD_JWT_VC_TYP)
    with pytest.raises(DisclosedRegisteredClaim, match="status"):
        receive_credential(issued.compact(), lambda h, p: ISSUER.public(), now=NOW)


def test_holder_refuses_an_expired_credential() -> None:
    with pytest.raises(TimeInvalid, match="expired"):
        receive_credential(credential(exp=NOW - 3600), TRUST.resolver(NOW), now=NOW)


def test_keys_pinned_in_the_trust_list() -> None:
    trust = IssuerTrust(
        frozenset({ISS}), jwks={ISS: {"keys": [{**ISSUER.public_jwk(), "kid": "k1"}]}}
    )
    assert check(present(credential()), trust).iss == ISS


def test_refuses_a_kid_absent_from_the_pinned_keys() -> None:
    trust = IssuerTrust(
        frozenset({ISS}), jwks={ISS: {"keys": [{**ISSUER.public_jwk(), "kid": "k1"}]}}
    )
    with pytest.raises(UntrustedIssuer, match="kid"):
        check(present(credential(header={"kid": "old"})), trust)


def test_pinned_key_set_with_one_key_needs_no_kid() -> None:
    trust = IssuerTrust(frozenset({ISS}), jwks={ISS: {"keys": [ISSUER.public_jwk()]}})
    assert check(present(credential(header={})), trust).iss == ISS


def test_x5c_leaf_naming_iss_as_a_uri() -> None:
    leaf = issue_leaf(CA_KEY, CA, ISSUER, uris=[ISS], now=NOW - 86_400)
    assert check(x5c_presentation(leaf), X5C_TRUST).iss == ISS
