"""``kyc-wallet demo``: what runs today, and what is coming.

Until the issuer, wallet and verifier apps exist, the demo runs the standards
core offline and says which parts of the journey are still to come.
"""

from __future__ import annotations

import argparse
import time

from ssi.jose import Key, check_times, jws

COMING = (
    "issuer (OpenID4VCI 1.0)",
    "wallet (encrypted vault, OpenID4VP 1.0 consent)",
    "verifier (presentation checks, ERC-3643 whitelisting)",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default="demo-data", help="where the demo keeps its data")


def run(args: argparse.Namespace) -> int:
    print("kyc-wallet demo: the standards core (ssi/) is installed.")
    for alg in ("ES256", "EdDSA", "ES256K"):
        key = Key.generate(alg)
        token = jws.sign({"iat": int(time.time()), "msg": "hello"}, key, typ="example+jwt")
        claims = jws.verify(token, key.public(), "example+jwt").claims()
        check_times(claims, time.time(), require_iat=True)
        print(f"  {alg:7} key {key.thumbprint()[:12]}…: signed and verified a JWT")
    print("Coming next, each its own server on 127.0.0.1:")
    for part in COMING:
        print(f"  - {part}")
    return 0
