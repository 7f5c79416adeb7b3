"""Write this folder's vectors: ``.venv/bin/python tests/vectors/w3c/make_vectors.py``.

Keys: the did:key vectors with seeds 0 (issuer) and 1 (holder) of
w3c-ccg/did-method-key @ f5abee8 (``ed25519-x25519.json``). Inputs are
fixed, but the bytes are not: didkit writes ``@context`` and
``credentialSubject`` members in hash-map order, and LDP proofs carry the
``created`` time of the run. Do not re-run without a reason: the tests
compare content, and the committed files are the regression vectors.
"""

from __future__ import annotations

import json
from pathlib import Path

from nacl.signing import SigningKey

from ssi.encoding import b64url_encode
from ssi.jose import Key
from ssi.status_list import StatusReference
from ssi.w3c import DidSigner, build_credential, build_presentation, issue_credential
from ssi.w3c.spec import FORMAT_JWT_VC_JSON, FORMAT_LDP_VC

HERE = Path(__file__).parent
ISSUER_DID = "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp"
HOLDER_DID = "did:key:z6MkjchhfUsD6mmvni8mCdXHw216Xrm9bQe2mBH1P5RDjVJG"
ISSUED = 1767225600  # 2026-01-01T00:00:00Z
EXPIRES = 4070908800  # 2099-01-01T00:00:00Z
NONCE = "n-0S6_WzA2Mj"
CLIENT_ID = "x509_san_dns:verifier.example.org"


def signer(seed_byte: int, did: str) -> DidSigner:
    seed = bytes(31) + bytes([seed_byte])
    public = bytes(SigningKey(seed).verify_key)
    jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public), "d": b64url_encode(seed)}
    result = DidSigner.from_key(Key.from_jwk(jwk, private=True))
    assert result.did == did, result.did
    return result


def document(issuer: DidSigner, holder: DidSigner) -> dict[str, object]:
    return build_credential(
        "KycAgeCredential",
        {"over18": True, "over21": False},
        issuer=issuer.did,
        holder=holder.did,
        issued=ISSUED,
        expires=EXPIRES,
        status=StatusReference(4711, "https://issuer.example/statuslists/1"),
        credential_id="urn:uuid:5b0c1a3e-2f7d-4e8a-9c61-0d2b7e4f9a10",
    )


def main() -> None:
    issuer, holder = signer(0, ISSUER_DID), signer(1, HOLDER_DID)
    for fmt, name in ((FORMAT_JWT_VC_JSON, "kyc_age"), (FORMAT_LDP_VC, "kyc_age_ldp")):
        credential = issue_credential(document(issuer, holder), issuer, fmt)
        vp = build_presentation(credential, holder, fmt, nonce=NONCE, client_id=CLIENT_ID)
        for kind, value in (("vc", credential), ("vp", vp)):
            suffix = "jwt" if isinstance(value, str) else "json"
            text = value if isinstance(value, str) else json.dumps(value, indent=2)
            (HERE / f"{name}_{kind}.{suffix}").write_text(text + "\n")


if __name__ == "__main__":
    main()
