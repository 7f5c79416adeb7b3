"""Deploy the T-REX 4.1.6 suite and tokens, as T-REX's own fixture does.

Follows ``test/fixtures/deploy-full-suite.fixture.ts`` of T-REX 4.1.6
(ERC-3643/ERC-3643): the six implementations, ONCHAINID's ``Identity`` in
library mode, its ``ImplementationAuthority`` and ``IdFactory``, then
``TREXImplementationAuthority.addAndUseTREXVersion`` and the ``TREXFactory``
(registered on the ``IdFactory`` as a token factory), the platform's
``ClaimIssuer`` with a claim-signer key (purpose 3), and the two country
modules of T-REX's modular compliance behind ``ModuleProxy``. A token is then
one ``TREXFactory.deployTREXSuite`` transaction that deploys its six proxies,
its ONCHAINID, binds the storage, adds the agents, the claim topic, the trusted
issuer and the country rules; the token starts paused and the agent unpauses it.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

from web3 import Web3
from web3.contract import Contract
from web3.logs import DISCARD

from chain.artifacts import load
from chain.deployment import DEFAULT_CLAIM_TOPIC, Deployment, Suite, TokenDeployment
from chain.errors import ChainError, DeploymentMismatch, chain_errors
from chain.keys import key_hash
from chain.transactions import Sender

__all__ = ["contract", "deploy_suite", "deploy_token", "check_deployment", "DEFAULT_CLAIM_TOPIC"]

_ZERO = "0x0000000000000000000000000000000000000000"
_CLAIM_PURPOSE = 3
_ECDSA = 1
# Gas limits, measured on py-evm with ~25% headroom; all under MAX_GAS.
GAS_DEPLOY_SMALL = 2_000_000
GAS_DEPLOY_LARGE = 6_000_000
GAS_SETUP = 400_000
GAS_TREX_SUITE = 9_000_000


_CONTRACTS: weakref.WeakKeyDictionary[Web3, OrderedDict[tuple[str, str], Contract]] = (
    weakref.WeakKeyDictionary()
)
_CONTRACTS_PER_NODE = 4096
_LOCK = threading.Lock()


def contract(w3: Web3, name: str, address: str) -> Contract:
    """The contract ``name`` (artifact ABI) at ``address``: built once per connection
    (web3 parses the ABI into classes for each new one: tens of ms under load; the
    outbox worker reads the same registries and identities again and again)."""
    key = (name, Web3.to_checksum_address(address))
    with _LOCK:
        built = _CONTRACTS.setdefault(w3, OrderedDict())
        found = built.get(key)
        if found is None:
            found = built[key] = w3.eth.contract(address=key[1], abi=load(name).abi)
            if len(built) > _CONTRACTS_PER_NODE:
                built.popitem(last=False)
        else:
            built.move_to_end(key)
        return found


def _deploy(sender: Sender, name: str, *args: object, gas: int = GAS_DEPLOY_SMALL) -> str:
    artifact = load(name)
    factory = sender.w3.eth.contract(abi=artifact.abi, bytecode=artifact.bytecode)
    receipt = sender.transact(factory.constructor(*args), gas, f"deploying {name}")
    address = receipt["contractAddress"]
    if address is None:
        raise ChainError(f"deploying {name}: no contract address in the receipt")
    return str(address)


def _module(sender: Sender, name: str) -> str:
    implementation = _deploy(sender, name, gas=GAS_DEPLOY_SMALL)
    init = contract(sender.w3, name, implementation).encode_abi("initialize", [])
    return _deploy(sender, "ModuleProxy", implementation, init)


def deploy_suite(
    sender: Sender,
    claim_signer: str,
    *,
    agent: str | None = None,
    claim_topic: int = DEFAULT_CLAIM_TOPIC,
) -> Deployment:
    """Deploy the shared contracts with ``sender`` as owner; ``agent`` (default:
    the owner) will own the ``IdFactory`` and act on registries and tokens."""
    w3 = sender.w3
    owner = sender.address
    agent = Web3.to_checksum_address(agent or owner)
    with chain_errors("reading the block number"):
        start_block = w3.eth.block_number
    impl = {
        name: _deploy(sender, name, gas=GAS_DEPLOY_LARGE if name == "Token" else GAS_DEPLOY_SMALL)
        for name in (
            "ClaimTopicsRegistry",
            "TrustedIssuersRegistry",
            "IdentityRegistryStorage",
            "IdentityRegistry",
            "ModularCompliance",
            "Token",
        )
    }
    identity_impl = _deploy(sender, "Identity", owner, True, gas=GAS_DEPLOY_LARGE)
    identity_ia = _deploy(sender, "ImplementationAuthority", identity_impl)
    id_factory = _deploy(sender, "IdFactory", identity_ia, gas=GAS_DEPLOY_LARGE)
    trex_ia = _deploy(
        sender, "TREXImplementationAuthority", True, _ZERO, _ZERO, gas=GAS_DEPLOY_LARGE
    )
    version = (4, 0, 0)
    contracts = (
        impl["Token"],
        impl["ClaimTopicsRegistry"],
        impl["IdentityRegistry"],
        impl["IdentityRegistryStorage"],
        impl["TrustedIssuersRegistry"],
        impl["ModularCompliance"],
    )
    sender.transact(
        contract(w3, "TREXImplementationAuthority", trex_ia).functions.addAndUseTREXVersion(
            version, contracts
        ),
        GAS_SETUP,
        "TREXImplementationAuthority.addAndUseTREXVersion",
    )
    trex_factory = _deploy(sender, "TREXFactory", trex_ia, id_factory, gas=GAS_DEPLOY_LARGE)
    factory = contract(w3, "IdFactory", id_factory)
    sender.transact(
        factory.functions.addTokenFactory(trex_factory), GAS_SETUP, "IdFactory.addTokenFactory"
    )
    if agent != owner:
        sender.transact(
            factory.functions.transferOwnership(agent), GAS_SETUP, "IdFactory.transferOwnership"
        )
    claim_issuer = _deploy(sender, "ClaimIssuer", owner, gas=GAS_DEPLOY_LARGE)
    sender.transact(
        contract(w3, "ClaimIssuer", claim_issuer).functions.addKey(
            key_hash(claim_signer), _CLAIM_PURPOSE, _ECDSA
        ),
        GAS_SETUP,
        "ClaimIssuer.addKey (claim signer)",
    )
    suite = Suite(
        trex_implementation_authority=trex_ia,
        trex_factory=trex_factory,
        identity_implementation_authority=identity_ia,
        id_factory=id_factory,
        claim_issuer=claim_issuer,
        claim_signer=Web3.to_checksum_address(claim_signer),
        country_allow_module=_module(sender, "CountryAllowModule"),
        country_restrict_module=_module(sender, "CountryRestrictModule"),
    )
    return Deployment(
        chain_id=sender.chain_id,
        owner=owner,
        agent=agent,
        claim_topic=claim_topic,
        start_block=start_block,
        suite=suite,
    )


def _compliance(
    w3: Web3, suite: Suite, allowed: list[int], restricted: list[int]
) -> tuple[list[str], list[bytes]]:
    modules: list[str] = []
    settings: list[bytes] = []
    if allowed:
        module = contract(w3, "CountryAllowModule", suite.country_allow_module)
        modules.append(suite.country_allow_module)
        settings.append(bytes.fromhex(module.encode_abi("batchAllowCountries", [allowed])[2:]))
    if restricted:
        module = contract(w3, "CountryRestrictModule", suite.country_restrict_module)
        modules.append(suite.country_restrict_module)
        settings.append(
            bytes.fromhex(module.encode_abi("batchRestrictCountries", [restricted])[2:])
        )
    return modules, settings


def deploy_token(
    sender: Sender,
    deployment: Deployment,
    name: str,
    symbol: str,
    *,
    decimals: int = 0,
    allowed_countries: list[int] | None = None,
    restricted_countries: list[int] | None = None,
    agent_sender: Sender | None = None,
) -> TokenDeployment:
    """Deploy one token with ``TREXFactory.deployTREXSuite`` (``sender`` = suite owner),
    then unpause it with the agent's key (``agent_sender``, default ``sender``).

    ``allowed_countries`` (ISO 3166-1 numeric) binds T-REX's ``CountryAllowModule``:
    only investors registered with one of these countries may receive the token.
    ``restricted_countries`` binds ``CountryRestrictModule``: those countries may not.
    """
    w3 = sender.w3
    suite = deployment.suite
    allowed = sorted(set(allowed_countries or []))
    restricted = sorted(set(restricted_countries or []))
    for code in [*allowed, *restricted]:
        if not 0 < code < 1000:
            raise ChainError(f"country {code} is not an ISO 3166-1 numeric code")
    salt = f"{symbol}:{name}"
    modules, settings = _compliance(w3, suite, allowed, restricted)
    agent = deployment.agent
    details = (
        deployment.owner,
        name,
        symbol,
        decimals,
        _ZERO,
        _ZERO,
        [agent],
        [agent],
        modules,
        settings,
    )
    claims = ([deployment.claim_topic], [suite.claim_issuer], [[deployment.claim_topic]])
    factory = contract(w3, "TREXFactory", suite.trex_factory)
    receipt = sender.transact(
        factory.functions.deployTREXSuite(salt, details, claims),
        GAS_TREX_SUITE,
        f"TREXFactory.deployTREXSuite({symbol})",
    )
    (event,) = factory.events.TREXSuiteDeployed().process_receipt(receipt, errors=DISCARD)
    args = event["args"]
    token = TokenDeployment(
        name=name,
        symbol=symbol,
        decimals=decimals,
        salt=salt,
        token=str(args["_token"]),
        identity_registry=str(args["_ir"]),
        identity_registry_storage=str(args["_irs"]),
        trusted_issuers_registry=str(args["_tir"]),
        claim_topics_registry=str(args["_ctr"]),
        modular_compliance=str(args["_mc"]),
        allowed_countries=allowed,
        restricted_countries=restricted,
    )
    (agent_sender or sender).transact(
        contract(w3, "Token", token.token).functions.unpause(), GAS_SETUP, f"{symbol}.unpause"
    )
    deployment.tokens.append(token)
    return token


def check_deployment(w3: Web3, deployment: Deployment) -> None:
    """Raise :class:`DeploymentMismatch` unless the chain holds the deployment's contracts."""
    with chain_errors("reading the chain id"):
        chain_id = w3.eth.chain_id
    if chain_id != deployment.chain_id:
        raise DeploymentMismatch(
            f"the node is chain {chain_id}, the deployment file chain {deployment.chain_id}"
        )
    addresses = [deployment.suite.id_factory, deployment.suite.claim_issuer]
    addresses += [t.identity_registry for t in deployment.tokens]
    for address in addresses:
        with chain_errors(f"reading the code at {address}"):
            code = w3.eth.get_code(Web3.to_checksum_address(address))
        if not code:
            raise DeploymentMismatch(
                f"no contract at {address}: the chain was reset or is another one"
            )
