"""The deployment file: where a T-REX suite and its tokens live on one chain.

Written by ``kyc-wallet chain deploy`` (or by :func:`chain.deploy.deploy_suite`
and :func:`chain.deploy.deploy_token`) and read by the verifier. It holds
addresses and public parameters only, never a private key.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chain.errors import DeploymentMismatch

__all__ = ["DEFAULT_CLAIM_TOPIC", "Suite", "TokenDeployment", "Deployment"]

# ONCHAINID claim topics are plain uint256; 1 is the usual "KYC" topic. Configurable.
DEFAULT_CLAIM_TOPIC = 1


@dataclass(frozen=True)
class Suite:
    """The shared contracts: factories, authorities, the platform's ClaimIssuer, modules."""

    trex_implementation_authority: str
    trex_factory: str
    identity_implementation_authority: str
    id_factory: str
    claim_issuer: str
    claim_signer: str
    country_allow_module: str
    country_restrict_module: str


@dataclass(frozen=True)
class TokenDeployment:
    """The six proxies ``TREXFactory.deployTREXSuite`` deployed for one token."""

    name: str
    symbol: str
    decimals: int
    salt: str
    token: str
    identity_registry: str
    identity_registry_storage: str
    trusted_issuers_registry: str
    claim_topics_registry: str
    modular_compliance: str
    allowed_countries: list[int] = field(default_factory=list)
    restricted_countries: list[int] = field(default_factory=list)


@dataclass
class Deployment:
    """One chain, one suite, its tokens."""

    chain_id: int
    owner: str
    agent: str
    claim_topic: int
    start_block: int
    suite: Suite
    tokens: list[TokenDeployment] = field(default_factory=list)

    @property
    def caip2(self) -> str:
        """The chain as a CAIP-2 identifier (``eip155:<id>``)."""
        return f"eip155:{self.chain_id}"

    def token(self, symbol_or_address: str) -> TokenDeployment:
        """The token with this symbol or token / registry address."""
        wanted = symbol_or_address.lower()
        for token in self.tokens:
            if wanted in (
                token.symbol.lower(),
                token.token.lower(),
                token.identity_registry.lower(),
            ):
                return token
        raise DeploymentMismatch(f"no token {symbol_or_address!r} in this deployment")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deployment:
        try:
            return cls(
                chain_id=int(data["chain_id"]),
                owner=str(data["owner"]),
                agent=str(data["agent"]),
                claim_topic=int(data["claim_topic"]),
                start_block=int(data["start_block"]),
                suite=Suite(**data["suite"]),
                tokens=[TokenDeployment(**t) for t in data.get("tokens", [])],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DeploymentMismatch(f"not a deployment file: {exc}") from exc

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(self.to_json(), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Deployment:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DeploymentMismatch(f"cannot read the deployment file {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise DeploymentMismatch(f"{path} is not a deployment file")
        return cls.from_dict(data)
