"""JOSE refusals of SECURITY.md ("JOSE (RFC 8725)"), each its own named test."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssi.encoding import b64url_decode, b64url_encode, json_loads
from ssi.errors import (
    AlgorithmNotAllowed,
    ClaimMismatch,
    DuplicateMember,
    HeaderKeyRefused,
    InvalidSignature,
    MalformedInput,
    NotAJWS,
    SSIError,
    TimeInvalid,
    UnsupportedCritical,
    WrongType,
)
from ssi.jose import Key, check_audience, check_issuer, check_times, jwk_thumbprint, jws

NOW = 1_800_000_000


def _compact(header: dict[str, object], payload: dict[str, object], signature: bytes) -> str:
    h = b64url_encode(json.dumps(header).encode())
    p = b64url_encode(json.dumps(payload).encode())
    return f"{h}.{p}.{b64url_encode(signature)}"


def _resign(key: Key, header: dict[str, object], payload: dict[str, object]) -> str:
    """A token with an arbitrary header, really signed by ``key``."""
    h = b64url_encode(json.dumps(header).encode())
    p = b64url_encode(json.dumps(payload).encode())
    return f"{h}.{p}.{b64url_encode(key.sign(f'{h}.{p}'.encode()))}"


@pytest.fixture(scope="module")
def es256() -> Key:
    return Key.generate("ES256")


# --- keys ----------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "ES256K", "ES384"])
def test_sign_verify_round_trip_each_algorithm(alg: str) -> None:
    key = Key.generate(alg)
    token = jws.sign({"x": 1}, key, typ="example+jwt")
    assert jws.verify(token, key.public(), "example+jwt").claims() == {"x": 1}
    assert jws.parse(token).header == {"alg": alg, "typ": "example+jwt"}


@pytest.mark.parametrize("alg", ["ES256", "EdDSA", "ES256K"])
def test_private_jwk_round_trip_keeps_key_and_alg(alg: str) -> None:
    key = Key.generate(alg)
    again = Key.from_jwk(key.private_jwk(), private=True)
    assert again == key and again.alg == alg
    assert Key.from_pem(key.private_pem()) == key
    assert Key.from_pem(key.public_pem()) == key.public()


def test_rfc7638_thumbprint_example() -> None:
    """RFC 7638 §3.1 computes the thumbprint of an RSA key; we check the same
    procedure on RFC 8037 Appendix A.3's Ed25519 key, whose thumbprint it gives."""
    jwk = {"crv": "Ed25519", "kty": "OKP", "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
    assert jwk_thumbprint(jwk) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_public_jwk_with_private_member_refused(es256: Key) -> None:
    with pytest.raises(MalformedInput, match="private key members"):
        Key.from_jwk(es256.private_jwk())


def test_point_not_on_curve_refused(es256: Key) -> None:
    jwk = es256.public_jwk()
    y = bytearray(b64url_decode(jwk["y"]))
    y[-1] ^= 1
    jwk["y"] = b64url_encode(bytes(y))
    with pytest.raises(MalformedInput):
        Key.from_jwk(jwk)


def test_jwk_alg_not_fitting_the_curve_refused(es256: Key) -> None:
    with pytest.raises(AlgorithmNotAllowed):
        Key.from_jwk({**es256.public_jwk(), "alg": "ES256K"})


def test_rsa_and_symmetric_jwks_refused() -> None:
    with pytest.raises(MalformedInput):
        Key.from_jwk({"kty": "RSA", "n": "AQAB", "e": "AQAB"})
    with pytest.raises(MalformedInput):
        Key.from_jwk({"kty": "oct", "k": "c2VjcmV0"})


# --- RFC 8725 §3.1/§3.2: algorithms ---------------------------------------------


def test_alg_none_refused(es256: Key) -> None:
    token = _compact({"alg": "none", "typ": "kb+jwt"}, {"nonce": "n"}, b"")
    with pytest.raises(AlgorithmNotAllowed, match="none"):
        jws.verify(token, es256, "kb+jwt")


def test_alg_none_with_any_case_refused(es256: Key) -> None:
    token = _compact({"alg": "NoNe"}, {}, b"")
    with pytest.raises(AlgorithmNotAllowed, match="none"):
        jws.verify(token, es256, None)


def test_hmac_with_public_key_as_secret_refused(es256: Key) -> None:
    """PyJWT CVE-2017-11424: the attacker signs HS256 with the public key bytes."""
    header = b64url_encode(json.dumps({"alg": "HS256", "typ": "dc+sd-jwt"}).encode())
    payload = b64url_encode(json.dumps({"iss": "https://issuer.example"}).encode())
    secret = es256.public_pem()
    mac = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    with pytest.raises(AlgorithmNotAllowed, match="HMAC"):
        jws.verify(f"{header}.{payload}.{b64url_encode(mac)}", es256, "dc+sd-jwt")


def test_alg_other_than_the_keys_pinned_alg_refused() -> None:
    """An Ed25519 signature presented as ES256 (or any other mix) is refused."""
    ed = Key.generate("EdDSA")
    token = _resign(ed, {"alg": "ES256"}, {"a": 1})
    with pytest.raises(AlgorithmNotAllowed, match="not the key's algorithm"):
        jws.verify(token, ed, None)


def test_signing_with_a_foreign_alg_refused(es256: Key) -> None:
    with pytest.raises(AlgorithmNotAllowed):
        jws.sign({}, es256, typ=None, header={"alg": "EdDSA"})


# --- RFC 8725 §3.10: keys from the header ---------------------------------------


@pytest.mark.parametrize("name", ["jku", "x5u"])
def test_header_key_url_refused(es256: Key, name: str) -> None:
    token = _resign(es256, {"alg": "ES256", name: "https://evil.example/keys"}, {})
    with pytest.raises(HeaderKeyRefused, match=name):
        jws.verify(token, es256, None, allow_header_keys=frozenset({"jwk", "x5c"}))


def test_embedded_jwk_refused_unless_the_token_type_carries_it(es256: Key) -> None:
    attacker = Key.generate("ES256")
    token = _resign(attacker, {"alg": "ES256", "jwk": attacker.public_jwk()}, {})
    with pytest.raises(HeaderKeyRefused, match="jwk"):
        jws.verify(token, es256, None)


def test_embedded_x5c_refused_unless_the_token_type_carries_it(es256: Key) -> None:
    token = _resign(es256, {"alg": "ES256", "x5c": ["MIIB"]}, {})
    with pytest.raises(HeaderKeyRefused, match="x5c"):
        jws.verify(token, es256, None)


# --- crit, JWE, zip, size ----------------------------------------------------------


def test_unknown_crit_refused(es256: Key) -> None:
    token = _resign(es256, {"alg": "ES256", "crit": ["exp"], "exp": 1}, {})
    with pytest.raises(UnsupportedCritical):
        jws.verify(token, es256, None)


def test_jwe_where_jws_expected_refused(es256: Key) -> None:
    header = b64url_encode(json.dumps({"alg": "ECDH-ES", "enc": "A128GCM"}).encode())
    with pytest.raises(NotAJWS, match="JWE"):
        jws.verify(f"{header}..aXY.Y3Q.dGFn", es256, None)


def test_three_part_token_with_enc_header_refused(es256: Key) -> None:
    token = _resign(es256, {"alg": "ES256", "enc": "A128GCM"}, {})
    with pytest.raises(NotAJWS):
        jws.verify(token, es256, None)


def test_zip_header_refused(es256: Key) -> None:
    token = _resign(es256, {"alg": "ES256", "zip": "DEF"}, {})
    with pytest.raises(MalformedInput, match="zip"):
        jws.verify(token, es256, None)


def test_oversize_token_refused_before_parsing(es256: Key) -> None:
    with pytest.raises(MalformedInput, match="longer than"):
        jws.parse("a" * (jws.MAX_JWS_BYTES + 1))


# --- typ (RFC 8725 §3.11) -----------------------------------------------------------


def test_wrong_typ_refused(es256: Key) -> None:
    token = jws.sign({}, es256, typ="kb+jwt")
    with pytest.raises(WrongType, match="dc\\+sd-jwt"):
        jws.verify(token, es256, "dc+sd-jwt")


def test_missing_typ_refused(es256: Key) -> None:
    token = jws.sign({}, es256, typ=None)
    with pytest.raises(WrongType):
        jws.verify(token, es256, "statuslist+jwt")


def test_typ_as_media_type_with_application_prefix_accepted(es256: Key) -> None:
    token = jws.sign({}, es256, typ="application/Statuslist+JWT")
    jws.verify(token, es256, "statuslist+jwt")


# --- duplicate members, encoding --------------------------------------------------


def test_duplicate_header_member_refused(es256: Key) -> None:
    h = b64url_encode(b'{"alg":"ES256","typ":"kb+jwt","typ":"dc+sd-jwt"}')
    p = b64url_encode(b"{}")
    token = f"{h}.{p}.{b64url_encode(es256.sign(f'{h}.{p}'.encode()))}"
    with pytest.raises(DuplicateMember, match="typ"):
        jws.verify(token, es256, "dc+sd-jwt")


def test_duplicate_claim_refused(es256: Key) -> None:
    token = jws.sign(b'{"iss":"a","iss":"b"}', es256, typ=None)
    with pytest.raises(DuplicateMember, match="iss"):
        jws.verify(token, es256, None).claims()


def test_non_canonical_base64url_refused() -> None:
    # "QQ" is the canonical encoding of b"A"; "QR" decodes to the same byte
    assert b64url_decode("QQ") == b"A"
    with pytest.raises(MalformedInput, match="canonical"):
        b64url_decode("QR")


@pytest.mark.parametrize("text", ["QQ==", "Q+/A", "Q Q", "Q"])
def test_padding_standard_alphabet_and_bad_lengths_refused(text: str) -> None:
    with pytest.raises(MalformedInput):
        b64url_decode(text)


def test_nan_refused_in_json() -> None:
    with pytest.raises(MalformedInput, match="NaN"):
        json_loads('{"exp": NaN}')


# --- ECDSA signature shape (CVE-2022-21449 class) -----------------------------------


def test_ecdsa_signature_r_s_zero_refused(es256: Key) -> None:
    token = _compact({"alg": "ES256"}, {"a": 1}, bytes(64))
    with pytest.raises(InvalidSignature, match=r"\[1, n-1\]"):
        jws.verify(token, es256, None)


def test_ecdsa_signature_r_s_equal_to_order_refused(es256: Key) -> None:
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    token = _compact({"alg": "ES256"}, {"a": 1}, n.to_bytes(32, "big") * 2)
    with pytest.raises(InvalidSignature, match=r"\[1, n-1\]"):
        jws.verify(token, es256, None)


def test_truncated_ecdsa_signature_refused(es256: Key) -> None:
    head, payload, sig = jws.sign({"a": 1}, es256, typ=None).split(".")
    short = b64url_encode(b64url_decode(sig)[:63])
    with pytest.raises(InvalidSignature, match="64 bytes"):
        jws.verify(f"{head}.{payload}.{short}", es256, None)


def test_overlong_ecdsa_signature_refused(es256: Key) -> None:
    head, payload, sig = jws.sign({"a": 1}, es256, typ=None).split(".")
    long = b64url_encode(b64url_decode(sig) + b"\x00")
    with pytest.raises(InvalidSignature, match="64 bytes"):
        jws.verify(f"{head}.{payload}.{long}", es256, None)


def test_der_encoded_ecdsa_signature_refused(es256: Key) -> None:
    """JWS uses r || s; a DER signature (what OpenSSL returns) is not accepted."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    head, payload, _ = jws.sign({"a": 1}, es256, typ=None).split(".")
    private = es256.private_key
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    der = private.sign(f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    with pytest.raises(InvalidSignature):
        jws.verify(f"{head}.{payload}.{b64url_encode(der)}", es256, None)


def test_signature_by_another_key_refused(es256: Key) -> None:
    other = Key.generate("ES256")
    with pytest.raises(InvalidSignature, match="does not verify"):
        jws.verify(jws.sign({"a": 1}, other, typ=None), es256, None)


def test_eddsa_signature_by_another_key_refused() -> None:
    key, other = Key.generate("EdDSA"), Key.generate("EdDSA")
    with pytest.raises(InvalidSignature, match="does not verify"):
        jws.verify(jws.sign({"a": 1}, other, typ=None), key, None)


# --- claims: iss, aud, time -------------------------------------------------------------


def test_iss_by_prefix_refused() -> None:
    with pytest.raises(ClaimMismatch, match="iss"):
        check_issuer({"iss": "https://issuer.example.evil"}, "https://issuer.example")


def test_aud_array_with_extra_entries_refused() -> None:
    with pytest.raises(ClaimMismatch, match="aud"):
        check_audience({"aud": ["x509_hash:abc", "https://evil"]}, "x509_hash:abc")


def test_aud_single_element_array_accepted() -> None:
    check_audience({"aud": ["x509_hash:abc"]}, "x509_hash:abc")


def test_non_numeric_exp_refused() -> None:
    with pytest.raises(MalformedInput, match="NumericDate"):
        check_times({"exp": str(NOW + 100)}, NOW)


def test_boolean_iat_refused() -> None:
    with pytest.raises(MalformedInput, match="NumericDate"):
        check_times({"iat": True}, NOW, require_iat=True)


def test_expired_beyond_skew_refused_and_within_skew_accepted() -> None:
    check_times({"exp": NOW - 59}, NOW)
    with pytest.raises(TimeInvalid, match="expired"):
        check_times({"exp": NOW - 60}, NOW)


def test_nbf_in_the_future_beyond_skew_refused() -> None:
    check_times({"nbf": NOW + 60}, NOW)
    with pytest.raises(TimeInvalid, match="not yet valid"):
        check_times({"nbf": NOW + 61}, NOW)


def test_iat_in_the_future_refused() -> None:
    with pytest.raises(TimeInvalid, match="future"):
        check_times({"iat": NOW + 61}, NOW, require_iat=True)


def test_iat_too_old_refused() -> None:
    with pytest.raises(TimeInvalid, match="older than"):
        check_times({"iat": NOW - 400}, NOW, max_age=300)


def test_missing_iat_refused_where_required() -> None:
    with pytest.raises(TimeInvalid, match="'iat'"):
        check_times({}, NOW, require_iat=True)


def test_missing_exp_refused_where_required() -> None:
    with pytest.raises(TimeInvalid, match="'exp'"):
        check_times({"iat": NOW}, NOW, require_exp=True)


# --- any change of a signed token is refused ----------------------------------------


@given(position=st.integers(min_value=0), replacement=st.sampled_from("AQgw_-.x"))
def test_any_single_character_change_refused(position: int, replacement: str) -> None:
    key = Key.from_jwk(
        {
            "kty": "EC",
            "crv": "P-256",
            "x": "b28d4MwZMjw8-00CG4xfnn9SLMVMM19SlqZpVb_uNtQ",
            "y": "Xv5zWwuoaTgdS6hV43yI6gBwTnjukmFQQnJ_kCxzqk8",
            "d": "Ur2bNKuBPOrAaxsRnbSH6hIhmNTxSGXshDSUD1a1y7g",
        },
        private=True,
    )
    token = jws.sign({"iss": "https://issuer.example", "n": 1}, key, typ="x+jwt")
    index = position % len(token)
    if token[index] == replacement:
        return
    mutated = token[:index] + replacement + token[index + 1 :]
    with pytest.raises(SSIError):
        jws.verify(mutated, key, "x+jwt")


def test_standard_base64_signature_refused(es256: Key) -> None:
    head, payload, sig = jws.sign({"a": 1}, es256, typ=None).split(".")
    std = base64.b64encode(b64url_decode(sig)).decode()
    assert std.endswith("==")  # 64 bytes: standard base64 is padded
    with pytest.raises(MalformedInput):
        jws.verify(f"{head}.{payload}.{std}", es256, None)


def test_library_errors_maps_didkit_exceptions() -> None:
    """ssi.errors is the one place library exceptions become ours (didkit included)."""
    import didkit

    from ssi.errors import library_errors

    with pytest.raises(InvalidSignature, match="didkit: boom"):
        with library_errors("proof"):
            raise getattr(didkit, "DIDKitException")("boom")  # noqa: B009 (untyped module)
