"""The demo's data folder: a local CA, the issuer's ``x5c`` chain, the verifier's
``x509_hash`` client id, the verifier's trust list and policies, the wallet's
trust anchors, and each app's configuration file (ARCHITECTURE.md "How the
roles reach and trust each other"). Everything is created once and reused on
the next start; certificates are re-issued each start (cheap, same CA), so a
change of ports is picked up.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding

from kyc_wallet.web.config import private_data_dir, write_private_file
from ssi.did import did_key_from_key
from ssi.jose import Key
from ssi.x509 import issue_leaf, make_ca

__all__ = ["DemoLayout", "prepare", "DEMO_APPLICANT", "DEMO_TOKEN", "RULES"]

DEMO_APPLICANT: dict[str, Any] = {
    "given_name": "Erika",
    "family_name": "Mustermann",
    "birthdate": "1990-08-12",
    "nationalities": ["DE"],
    "street_address": "Heidestrasse 17",
    "locality": "Koeln",
    "postal_code": "51147",
    "country": "DE",
    "kyc_level": 2,
    "kyc_method": "video_ident",
    "sanctions_screening_result": "clear",
    "sanctions_screening_date": "2026-11-01",
    "pep": False,
    "investor_classification": "professional",
    "investor_jurisdiction": "DE",
}
"""The applicant the demo seeds through the issuer's API (and the walkthrough and tests use)."""

DEMO_TOKEN = {
    "name": "Solar Plant 7 Revenue Token",
    "symbol": "SP7",
    "allowed_countries": ["DE", "FR", "AT", "NL"],
}
RULES = [
    "age_equal_or_over.18 == true",
    "kyc_level >= 2",
    'sanctions_screening_result == "clear"',
    'address.country not in ["KP", "IR"]',
    'investor_classification in ["professional", "accredited"]',
]
VCT = "urn:kyc-wallet:vct:kyc:1"
VERIFIER_NAME = "Solar Plant 7 investor platform"
"""The platform's name: its page title, and its certificate's organisation."""
W3C_OFFER = ["kyc_age_jwt_vc_json"]
"""The demo's offers also carry the W3C over-18 credential (VC-JWT): a platform
speaking W3C VC learns only "over 18" (policy ``adults-w3c``)."""


@dataclass(frozen=True)
class DemoLayout:
    data: Path
    issuer_url: str
    wallet_url: str
    verifier_url: str

    @property
    def issuer_dir(self) -> Path:
        return self.data / "issuer"

    @property
    def wallet_dir(self) -> Path:
        return self.data / "wallet"

    @property
    def verifier_dir(self) -> Path:
        return self.data / "verifier"

    @property
    def ca_dir(self) -> Path:
        return self.data / "ca"


def _key(path: Path, alg: str = "ES256") -> Key:
    if not path.exists():
        write_private_file(path, Key.generate(alg).private_pem())
    return Key.from_pem(path.read_bytes())


def secret(path: Path) -> str:
    if not path.exists():
        write_private_file(path, secrets.token_urlsafe(24).encode())
    return path.read_text().strip()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def _write_config(path: Path, values: dict[str, Any]) -> None:
    """Mode 0600: the file holds API keys (issue 19 item 10)."""
    text = "".join(f"{key} = {_toml(value)}\n" for key, value in values.items())
    write_private_file(path, text.encode(), replace=True)


def prepare(layout: DemoLayout) -> dict[str, str]:
    """Create or refresh the demo's files; return the API keys by app."""
    for folder in (
        layout.data,
        layout.issuer_dir,
        layout.wallet_dir,
        layout.verifier_dir,
        layout.ca_dir,
    ):
        private_data_dir(folder)
    now = time.time()
    ca_key_path, ca_path = layout.ca_dir / "ca-key.pem", layout.ca_dir / "ca.pem"
    if not ca_path.exists():
        ca_key, ca = make_ca("kyc-wallet demo CA", now=now)
        write_private_file(ca_key_path, ca_key.private_pem())
        ca_path.write_bytes(ca.public_bytes(Encoding.PEM))
    from cryptography import x509

    ca_key = Key.from_pem(ca_key_path.read_bytes())
    ca = x509.load_pem_x509_certificate(ca_path.read_bytes())

    issuer_key = _key(layout.issuer_dir / "issuer_key.pem")
    issuer_leaf = issue_leaf(
        ca_key, ca, issuer_key.public(), ["127.0.0.1"], [layout.issuer_url], now=now, days=365
    )
    (layout.issuer_dir / "chain.pem").write_bytes(issuer_leaf.public_bytes(Encoding.PEM))
    # the issuer's W3C predicate credentials are signed by a did:key (didkit resolves no did:web)
    w3c_did = did_key_from_key(_key(layout.issuer_dir / "w3c_issuer_key.pem", "EdDSA"))
    verifier_key = _key(layout.verifier_dir / "verifier_key.pem")
    # the organisation is the name the investor's wallet shows (issue 20 item 1)
    verifier_leaf = issue_leaf(
        ca_key,
        ca,
        verifier_key.public(),
        ["127.0.0.1"],
        organisation=VERIFIER_NAME,
        now=now,
        days=365,
    )
    (layout.verifier_dir / "chain.pem").write_bytes(verifier_leaf.public_bytes(Encoding.PEM))

    keys = {
        "issuer": secret(layout.data / "issuer-api-key"),
        "verifier": secret(layout.data / "verifier-api-key"),
    }
    _write_config(
        layout.issuer_dir / "config.toml",
        {
            "ISSUER_URL": layout.issuer_url,
            "WALLET_URL": layout.wallet_url,
            "ISSUER_NAME": "Demo KYC Provider",
            "API_KEYS": [f"demo:{keys['issuer']}"],
            "CERT_CHAIN_PATH": str(layout.issuer_dir / "chain.pem"),
            "W3C_OFFER": W3C_OFFER,
            "DEV_ALLOW_HTTP_LOOPBACK": True,
        },
    )
    _write_config(
        layout.wallet_dir / "config.toml",
        {"DEV_ALLOW_HTTP_LOOPBACK": True, "TRUSTED_X509_ROOTS": str(ca_path)},
    )
    (layout.verifier_dir / "trust-list.json").write_text(
        json.dumps(
            {
                "issuers": {
                    layout.issuer_url: {
                        "mechanisms": ["x509"],
                        "x509_roots": [str(ca_path)],
                        "w3c_dids": [w3c_did],
                    }
                }
            },
            indent=2,
        )
    )
    (layout.verifier_dir / "policies.json").write_text(
        json.dumps(
            {
                "policies": {
                    "sp7": {
                        "vct": VCT,
                        "rules": RULES,
                        "claims": [["address", "country"]],
                        "address_proof": True,
                        "token": DEMO_TOKEN["symbol"],
                    },
                    "kyc-basic": {"vct": VCT, "rules": RULES[:3]},
                    "adults-w3c": {
                        "format": "jwt_vc_json",
                        "credential_type": "KycAgeCredential",
                        "rules": ["over18 == true"],
                    },
                },
                # what every request to whitelist on SP7 must meet, whatever its policy
                "base_policies": {
                    DEMO_TOKEN["symbol"]: {
                        "token": DEMO_TOKEN["symbol"],
                        "vct": VCT,
                        "rules": RULES,
                        "claims": [["address", "country"]],
                    }
                },
            },
            indent=2,
        )
    )
    _write_config(
        layout.verifier_dir / "config.toml",
        {
            "VERIFIER_URL": layout.verifier_url,
            "WALLET_URL": layout.wallet_url,
            "VERIFIER_NAME": VERIFIER_NAME,
            "API_KEYS": [
                {
                    "name": "demo",
                    "key": keys["verifier"],
                    "tokens": [DEMO_TOKEN["symbol"]],
                    "policies": ["sp7", "kyc-basic", "adults-w3c"],
                }
            ],
            "KEY_PATH": str(layout.verifier_dir / "verifier_key.pem"),
            "CERT_CHAIN_PATH": str(layout.verifier_dir / "chain.pem"),
            "TRUST_LIST_PATH": str(layout.verifier_dir / "trust-list.json"),
            "POLICIES_PATH": str(layout.verifier_dir / "policies.json"),
            "CHAIN": "dev",
            "DEV_TOKENS": [DEMO_TOKEN],
            "MONITOR_INTERVAL": 30,
            "DEV_ALLOW_HTTP_LOOPBACK": True,
        },
    )
    return keys
