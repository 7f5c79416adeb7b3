"""The compiled T-REX 4.1.6 and ONCHAINID 2.2.1 contracts, loaded from ``node_modules``.

The artifacts (Hardhat JSON: ``abi`` and ``bytecode``) come from the npm
packages ``@tokenysolutions/t-rex@4.1.6`` and ``@onchain-id/solidity@2.2.1``
(GPL-3.0), installed by ``npm ci`` from the repository's ``package-lock.json``
(a checkout) or by ``kyc-wallet chain install-artifacts`` (an installed wheel:
:mod:`chain.install_artifacts`); none is committed here or shipped in the wheel.
Every ONCHAINID contract (``Identity``, ``ImplementationAuthority``,
``IdFactory``, ``ClaimIssuer``, ``IdentityProxy``) is taken from
``@onchain-id/solidity``: T-REX ships no ``IdentityProxy`` or ``IdFactory``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chain.errors import ArtifactsMissing

__all__ = ["Artifact", "installed_contracts_dir", "load", "node_modules", "ARTIFACT_PATHS"]

_TREX = "@tokenysolutions/t-rex/artifacts/contracts"
_OID = "@onchain-id/solidity/artifacts/contracts"

ARTIFACT_PATHS: dict[str, str] = {
    # T-REX 4.1.6
    "Token": f"{_TREX}/token/Token.sol/Token.json",
    "ClaimTopicsRegistry": f"{_TREX}/registry/implementation/ClaimTopicsRegistry.sol/"
    "ClaimTopicsRegistry.json",
    "TrustedIssuersRegistry": f"{_TREX}/registry/implementation/TrustedIssuersRegistry.sol/"
    "TrustedIssuersRegistry.json",
    "IdentityRegistryStorage": f"{_TREX}/registry/implementation/IdentityRegistryStorage.sol/"
    "IdentityRegistryStorage.json",
    "IdentityRegistry": f"{_TREX}/registry/implementation/IdentityRegistry.sol/"
    "IdentityRegistry.json",
    "ModularCompliance": f"{_TREX}/compliance/modular/ModularCompliance.sol/ModularCompliance.json",
    "CountryAllowModule": f"{_TREX}/compliance/modular/modules/CountryAllowModule.sol/"
    "CountryAllowModule.json",
    "CountryRestrictModule": f"{_TREX}/compliance/modular/modules/CountryRestrictModule.sol/"
    "CountryRestrictModule.json",
    "ModuleProxy": f"{_TREX}/compliance/modular/modules/ModuleProxy.sol/ModuleProxy.json",
    "TREXImplementationAuthority": f"{_TREX}/proxy/authority/TREXImplementationAuthority.sol/"
    "TREXImplementationAuthority.json",
    "TREXFactory": f"{_TREX}/factory/TREXFactory.sol/TREXFactory.json",
    # ONCHAINID 2.2.1
    "Identity": f"{_OID}/Identity.sol/Identity.json",
    "ClaimIssuer": f"{_OID}/ClaimIssuer.sol/ClaimIssuer.json",
    "ImplementationAuthority": f"{_OID}/proxy/ImplementationAuthority.sol/"
    "ImplementationAuthority.json",
    "IdentityProxy": f"{_OID}/proxy/IdentityProxy.sol/IdentityProxy.json",
    "IdFactory": f"{_OID}/factory/IdFactory.sol/IdFactory.json",
}


@dataclass(frozen=True)
class Artifact:
    """One compiled contract: its ABI and creation bytecode."""

    name: str
    abi: list[dict[str, Any]]
    bytecode: str


def installed_contracts_dir() -> Path:
    """Where ``kyc-wallet chain install-artifacts`` runs ``npm ci``: inside the
    Python environment (``<sys.prefix>/share/kyc-wallet/contracts``)."""
    return Path(sys.prefix) / "share" / "kyc-wallet" / "contracts"


def node_modules(start: Path | None = None) -> Path:
    """The ``node_modules`` folder holding the artifacts.

    First that of the repository holding this package, searched upwards from
    ``start`` (default: this file): a checkout or an editable install; then
    that of :func:`installed_contracts_dir` (an installed wheel). Raises
    :class:`ArtifactsMissing` saying how to install them when both lack them.
    """
    here = (start or Path(__file__)).resolve()
    for folder in [here, *here.parents]:
        candidate = folder / "node_modules"
        if (candidate / "@tokenysolutions" / "t-rex").is_dir():
            return candidate
        if (folder / "package.json").is_file():
            break
    installed = installed_contracts_dir() / "node_modules"
    if (installed / "@tokenysolutions" / "t-rex").is_dir():
        return installed
    raise ArtifactsMissing(
        "the T-REX / ONCHAINID contract artifacts are not installed: run "
        "`kyc-wallet chain install-artifacts` (installed package), or `npm ci` in the "
        f"repository root (a checkout; searched from {here} and in {installed})"
    )


@cache
def load(name: str) -> Artifact:
    """The artifact called ``name`` (a key of :data:`ARTIFACT_PATHS`)."""
    if name not in ARTIFACT_PATHS:
        raise ArtifactsMissing(f"unknown contract artifact {name!r}")
    path = node_modules() / ARTIFACT_PATHS[name]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ArtifactsMissing(
            f"{path} is missing: run `kyc-wallet chain install-artifacts` (or `npm ci` in the "
            "repository root)"
        ) from exc
    return Artifact(name=name, abi=data["abi"], bytecode=data["bytecode"])
