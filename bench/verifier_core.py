"""Benchmark: presentations the verifier's core checks per second on one core, no HTTP.

Run: ``.venv/bin/python -m bench.verifier_core [seconds-per-case]`` (default 5 s of
CPU time, in 5 interleaved rounds; the best round of each case is reported).
Rates are per second of this thread's CPU time, so that the ratios do not
depend on what else the machine runs; ``main()`` returns the figures.

One realistic KYC SD-JWT VC (ES256 issuer, 14 disclosures, status list
reference), presented with a KB-JWT (ES256 holder) disclosing the 5 claims
the policy reads, verified by

(a) ours, full: :func:`verifier.check_authorization_response` with an
    ``erc3643_whitelist`` request: ``vp_token`` shape, SD-JWT VC + KB-JWT
    (trust list -> issuer key from in-memory JWT VC Issuer Metadata), status
    from a warm :class:`ssi.status_list.StatusChecker` cache, DCQL, 5 policy
    rules, transaction data hashes and the EIP-4361 address proof;
(b) ours without address proof (the same without transaction data);
(c) the reference ``sd-jwt`` 0.10.4 ``SDJWTVerifier`` on the presentation of (b):
    SD-JWT + KB-JWT only (no status, policy, query or address);
(d) the bound of (a): two bare ES256 verifications (``cryptography``) and one
    secp256k1 public-key recovery (``coincurve``) on precomputed digests.

Not a test: nothing is asserted beyond that every case accepts its input.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import coincurve
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_defunct
from jwcrypto.jwk import JWK
from sd_jwt.verifier import SDJWTVerifier

from bench._report import Figure
from ssi.address_binding import WHITELIST_ADDRESS_CLAIM, build_address_proof
from ssi.encoding import b64url_decode
from ssi.jose import Key
from ssi.oid4vp import AuthorizationRequest, AuthorizationResponse, kb_jwt_transaction_claims
from ssi.sdjwt import SD, HeldSDJWT
from ssi.sdjwt_vc import IssuerTrust, issue_credential
from ssi.status_list import (
    STATUS_LIST_MEDIA_TYPE,
    StatusChecker,
    StatusList,
    StatusReference,
    build_status_list_token,
)
from verifier import Policy, Rule, TokenTarget, TrustList, check_authorization_response

ROUNDS = 5
NOW = 1_795_000_000
ISS = "https://issuer.example"
VCT = "urn:kyc-wallet:vct:kyc:1"
STATUS_URI = ISS + "/statuslists/1"
CLIENT_ID = "x509_hash:" + "A" * 43
INVESTOR = Account.from_key(bytes.fromhex("77" * 32))
TARGET = TokenTarget(
    "eip155:31337",
    Account.from_key(bytes.fromhex("88" * 32)).address,
    Account.from_key(bytes.fromhex("99" * 32)).address,
    "Solar Plant 7",
)
RULES = [
    "age_equal_or_over.18 == true",
    "kyc_level >= 2",
    'sanctions_screening_result == "clear"',
    'address.country not in ["KP", "IR"]',
    'investor_classification in ["professional", "eligible_counterparty"]',
]
CLAIMS: dict[Any, Any] = {
    SD("given_name"): "Erika",
    SD("family_name"): "Mustermann",
    SD("birthdate"): "1990-08-12",
    SD("age_equal_or_over"): {SD("18"): True, SD("21"): True},
    SD("nationalities"): ["DE"],
    SD("address"): {
        SD("street_address"): "Heidestrasse 17",
        SD("locality"): "Koeln",
        SD("country"): "DE",
    },
    SD("kyc_level"): 2,
    SD("sanctions_screening_result"): "clear",
    SD("investor_classification"): "professional",
}


@dataclass
class _Fetched:
    status: int
    headers: dict[str, str]
    body: bytes


def _request(policy: Policy) -> AuthorizationRequest:
    data: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": "https://verifier.example/oid4vp/response",
        "nonce": "Q7vX2mB9kL4pR8sTq2w3e4r5",
        "state": "S3ss10n-1",
        "dcql_query": policy.dcql_query().to_dict(),
    }
    if policy.transaction_data() is not None:
        data["transaction_data"] = list(policy.transaction_data() or ())
    return AuthorizationRequest.from_dict(data)


def _response(held: HeldSDJWT, holder: Key, request: AuthorizationRequest) -> AuthorizationResponse:
    extra = None
    proof = None
    if request.transaction_data is not None:
        extra = kb_jwt_transaction_claims(request.transaction_data) | {
            WHITELIST_ADDRESS_CLAIM: INVESTOR.address
        }
        proof = build_address_proof(request, INVESTOR.address, INVESTOR.key, now=NOW)
    paths = [tuple(c.path) for c in request.dcql_query.credentials[0].claims or ()]
    presentation = held.present(
        paths,
        holder_key=holder,
        audience=CLIENT_ID,
        nonce=request.nonce,
        iat=NOW,
        extra_claims=extra,
    )
    return AuthorizationResponse({"kyc": [presentation]}, request.state, proof)


def _rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of this thread's CPU time (``time.thread_time``): time the
    process spends waiting for a core on a busy machine does not count, so the
    ratios of cases measured in turn do not depend on what else runs."""
    fn()
    count, start = 0, time.thread_time()
    deadline = start + seconds
    while True:
        for _ in range(20):
            fn()
        count += 20
        now = time.thread_time()
        if now >= deadline:
            return count / (now - start)


def _der(token: str) -> tuple[bytes, bytes]:
    head, payload, signature = token.split(".")
    raw = b64url_decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    return f"{head}.{payload}".encode(), der


def cases() -> dict[str, Callable[[], object]]:  # noqa: PLR0915 - one linear script
    """The four cases of the module docstring, each checked once to accept its input."""
    issuer, holder = Key.generate("ES256"), Key.generate("ES256")
    kid = issuer.thumbprint()
    issued = issue_credential(
        CLAIMS,
        issuer,
        vct=VCT,
        iss=ISS,
        iat=NOW - 86400,
        exp=NOW + 365 * 86400,
        status=StatusReference(4711, STATUS_URI),
        holder_key=holder,
        header={"kid": kid},
    ).compact()
    held = HeldSDJWT.receive(issued, lambda h, p: issuer.public(), typ="dc+sd-jwt")
    metadata = {"issuer": ISS, "jwks": {"keys": [issuer.public_jwk() | {"kid": kid}]}}
    trust = TrustList({ISS: IssuerTrust(frozenset({ISS}), fetch_json=lambda url: metadata)})
    status_token = build_status_list_token(
        StatusList(1 << 17, 2),
        STATUS_URI,
        issuer,
        now=NOW,
        exp=NOW + 86400,
        ttl=3600,
        issuer=ISS,
        header={"kid": kid},
    )
    fetched = _Fetched(200, {"content-type": STATUS_LIST_MEDIA_TYPE}, status_token.encode())
    checker = StatusChecker(
        lambda url, headers=None: fetched, trust.status_key_resolver(lambda: NOW), lambda: NOW
    )
    with_proof = Policy(
        "solar7", VCT, tuple(Rule.parse(r) for r in RULES), address_proof=True, token=TARGET
    )
    without = Policy("kyc", VCT, tuple(Rule.parse(r) for r in RULES))
    cases_input = {}
    for policy in (with_proof, without):
        request = _request(policy)
        cases_input[policy.name] = (policy, request, _response(held, holder, request))

    def ours(name: str) -> Callable[[], object]:
        policy, request, response = cases_input[name]
        return lambda: check_authorization_response(
            request,
            response,
            policy=policy,
            trust=trust,
            assert_valid=checker.assert_valid,
            now=NOW,
        )

    plain = cases_input["kyc"][2].vp_token["kyc"][0]
    issuer_jwcrypto = JWK.from_json(json.dumps(issuer.public_jwk()))

    def reference() -> object:
        return SDJWTVerifier(
            plain, lambda iss, header: issuer_jwcrypto, CLIENT_ID, cases_input["kyc"][1].nonce
        ).get_verified_payload()

    full = cases_input["solar7"][2]
    presentation = full.vp_token["kyc"][0]
    pairs = [_der(presentation.split("~", 1)[0]), _der(presentation.rsplit("~", 1)[1])]
    keys = [issuer.public_key, holder.public_key]
    algorithm = ec.ECDSA(hashes.SHA256())
    assert full.address_proof is not None
    digest = _hash_eip191_message(encode_defunct(text=full.address_proof.message))
    sig = bytes.fromhex(full.address_proof.signature[2:])
    recoverable = sig[:64] + bytes([sig[64] - 27])

    def bound() -> None:
        for key, (data, der) in zip(keys, pairs, strict=True):
            assert isinstance(key, ec.EllipticCurvePublicKey)
            key.verify(der, data, algorithm)
        coincurve.PublicKey.from_signature_and_message(recoverable, digest, hasher=None)

    assert ours("solar7")().whitelisting.address == INVESTOR.address  # type: ignore[attr-defined]
    assert ours("kyc")().claims["kyc_level"] == 2  # type: ignore[attr-defined]
    assert reference()["kyc_level"] == 2  # type: ignore[index]
    return {
        FULL: ours("solar7"),
        NO_PROOF: ours("kyc"),
        REFERENCE: reference,
        BOUND: bound,
    }


FULL = "ours, full (with EIP-4361)"
NO_PROOF = "ours, no address proof"
REFERENCE = "reference sd-jwt 0.10.4 (SD-JWT+KB only)"
BOUND = "bound: 2 x ES256 + 1 secp256k1 recover"


def main() -> list[Figure]:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    measured = cases()
    rates = dict.fromkeys(measured, 0.0)
    for _ in range(ROUNDS):
        for name, fn in measured.items():
            rates[name] = max(rates[name], _rate(fn, seconds / ROUNDS))
    base = rates[REFERENCE]
    top = rates[BOUND]
    print(
        "Verifier core: SD-JWT VC + KB-JWT + status (warm) + DCQL + policy [+ EIP-4361], one core"
    )
    print(f"{'case':<42} {'per second':>11} {'vs reference':>13} {'of bound':>9}")
    for name, rate in rates.items():
        print(f"{name:<42} {rate:>11,.0f} {rate / base:>12.2f}x {rate / top:>8.0%}")
    return [
        Figure(
            "verifier_core: rules, DCQL, status, EIP-4361 proof",
            project=rates[FULL],
            baseline=base,
            baseline_name="reference sd-jwt 0.10.4 (SD-JWT+KB only)",
            bound=top,
            bound_name="2 x ES256 + 1 secp256k1 recover",
            target=">= 0.6xb",
        ),
        Figure(
            "verifier_core: rules, DCQL, status, no address proof",
            project=rates[NO_PROOF],
            baseline=base,
            baseline_name="reference sd-jwt 0.10.4 (SD-JWT+KB only)",
        ),
    ]


if __name__ == "__main__":
    main()
