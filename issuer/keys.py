"""The issuer's signing key and optional X.509 chain.

Generated on first start into the data folder (file mode 0600) or loaded from
a configured path, which other users must not be able to read (the issuer
refuses to start otherwise); ES256 (the HAIP default) or EdDSA. With a certificate chain
configured (PEM, leaf first, as the demo's local CA writes it), every
credential carries it in ``x5c`` (SD-JWT VC §3.5, HAIP 1.0 §6.1).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kyc_wallet.web.config import read_private_file, write_private_file
from ssi.errors import MalformedInput
from ssi.jose import Key

__all__ = ["IssuerKeys", "load_or_create_key"]


def load_or_create_key(path: Path, alg: str) -> Key:
    """Load the PEM private key at ``path``; create it (0600) when absent (atomically:
    several workers starting on an empty folder all end up with the same key).
    A key file other users can read is refused (``ConfigurationError``)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_private_file(path, Key.generate(alg).private_pem())
    key = Key.from_pem(read_private_file(path))
    if not key.is_private:
        raise MalformedInput(f"{path} does not hold a private key")
    if key.alg != alg:
        raise MalformedInput(f"{path} holds an {key.alg} key, configured alg is {alg}")
    return key


@dataclass(frozen=True)
class IssuerKeys:
    key: Key
    x5c: tuple[str, ...] = ()

    @property
    def kid(self) -> str:
        return self.key.thumbprint()

    @classmethod
    def load(cls, key_path: Path, alg: str, chain_path: Path | None) -> IssuerKeys:
        key = load_or_create_key(key_path, alg)
        if chain_path is None or not chain_path.exists():
            return cls(key)
        certs = x509.load_pem_x509_certificates(chain_path.read_bytes())
        leaf_key = Key.from_public_key(certs[0].public_key())
        if leaf_key != key.public():
            raise MalformedInput(f"the first certificate in {chain_path} is not for the issuer key")
        der = [c.public_bytes(serialization.Encoding.DER) for c in certs]
        return cls(key, tuple(base64.b64encode(d).decode("ascii") for d in der))

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [{**self.key.public_jwk(), "kid": self.kid, "alg": self.key.alg}]}
