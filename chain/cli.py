"""``kyc-wallet chain``: deploy T-REX tokens to a node and inspect an address.

``kyc-wallet chain deploy --rpc-url URL --name NAME --symbol SYM [--countries 276,250]
--key-file owner.key --out deployment.json`` deploys the suite (unless the
deployment file already holds one on this chain) and one token, and writes the
addresses to the deployment file the verifier reads. ``kyc-wallet chain work``
runs the whitelist outbox's worker once (after the reconciler with
``--reconcile``) and names each intent that failed, with its reason (the others
are sent all the same). ``kyc-wallet chain status`` shows what a registry knows about
an address. ``kyc-wallet chain install-artifacts`` fetches the contract
artifacts with npm into the Python environment (:mod:`chain.install_artifacts`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from chain.deployment import DEFAULT_CLAIM_TOPIC
from ssi.errors import SSIError

if TYPE_CHECKING:
    from eth_account.signers.local import LocalAccount
    from web3 import Web3

    from chain.deployment import Deployment
    from chain.erc3643 import ERC3643Client
    from chain.outbox import Outbox
    from chain.transactions import Sender

# web3 and the contracts are imported when a command runs, not to build `--help`.

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="chain_command", metavar="ACTION", required=True)
    deploy = sub.add_parser("deploy", help="deploy the T-REX suite (once) and a token")
    deploy.add_argument("--rpc-url", required=True, help="the node's JSON-RPC URL")
    deploy.add_argument("--name", required=True, help="token name")
    deploy.add_argument("--symbol", required=True, help="token symbol")
    deploy.add_argument("--decimals", type=int, default=0)
    deploy.add_argument(
        "--countries",
        type=_countries,
        default=[],
        help="only these countries may hold the "
        "token (ISO 3166-1 numeric, comma-separated; T-REX CountryAllowModule)",
    )
    deploy.add_argument(
        "--blocked-countries",
        type=_countries,
        default=[],
        help="these countries may not hold the token (CountryRestrictModule)",
    )
    deploy.add_argument(
        "--key-file",
        type=Path,
        required=True,
        help="owner and agent private key (hex); created if missing",
    )
    deploy.add_argument(
        "--claim-key-file",
        type=Path,
        help="the ClaimIssuer's claim-signer key (hex); created "
        "if missing (default: claim-signer.key next to --out)",
    )
    deploy.add_argument("--claim-topic", type=int, default=DEFAULT_CLAIM_TOPIC)
    deploy.add_argument(
        "--dev-fund",
        action="store_true",
        help="fund the key from the node's first unlocked "
        "account (development nodes: Hardhat, anvil)",
    )
    deploy.add_argument("--out", type=Path, required=True, help="the deployment file (JSON)")
    work = sub.add_parser("work", help="send the queued whitelist intents of an outbox")
    work.add_argument("--rpc-url", required=True)
    work.add_argument("--deployment", type=Path, required=True)
    work.add_argument(
        "--outbox",
        required=True,
        help="the verifier's database, which holds the outbox: its SQLite file, or its "
        "DATABASE_URL (postgresql+psycopg://...)",
    )
    work.add_argument("--key-file", type=Path, required=True, help="the agent's private key")
    work.add_argument("--claim-key-file", type=Path, required=True)
    work.add_argument(
        "--reconcile",
        action="store_true",
        help="first compare the registries with the outbox and queue the repairs",
    )
    work.add_argument(
        "--remove-unknown",
        action="store_true",
        help="with --reconcile: also remove "
        "addresses registered on chain that the outbox never intended",
    )
    sub.add_parser(
        "install-artifacts",
        help="fetch the T-REX / ONCHAINID contract artifacts (GPL-3.0) with npm into "
        "this Python environment (an installed package; a checkout uses `npm ci`)",
    )
    status = sub.add_parser("status", help="what a token's registry knows about an address")
    status.add_argument("--rpc-url", required=True)
    status.add_argument("--deployment", type=Path, required=True)
    status.add_argument("--token", required=True, help="token symbol or address")
    status.add_argument("--address", required=True)


def _countries(text: str) -> list[int]:
    try:
        codes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give ISO 3166-1 numeric codes, e.g. 276,250"
        ) from None
    for code in codes:
        if not 0 < code < 1000:
            raise argparse.ArgumentTypeError(f"{code} is not an ISO 3166-1 numeric code")
    return codes


def _key(path: Path, *, create: bool = True) -> LocalAccount:
    """The key in ``path``, or a new one written there (mode 0600); a key file
    other users can read is refused (``chain.files.load_account``)."""
    from chain.files import load_account

    existed = path.exists()
    account = load_account(path, create=create)
    if not existed:
        print(f"created a new key in {path} ({account.address})", file=sys.stderr)
    return account


def _deploy(args: argparse.Namespace) -> int:
    from chain.backend import connect, fund
    from chain.deploy import check_deployment, deploy_suite, deploy_token
    from chain.deployment import Deployment
    from chain.errors import DeploymentMismatch
    from chain.transactions import Sender

    owner = _key(args.key_file)  # a key file others can read stops it before the node is asked
    claim_signer = _key(args.claim_key_file or args.out.parent / "claim-signer.key")
    w3 = connect(args.rpc_url)
    if args.dev_fund:
        fund(w3, owner.address)
    sender = Sender(w3, owner)
    deployment: Deployment | None = None
    if args.out.exists():
        deployment = Deployment.load(args.out)
        check_deployment(w3, deployment)
        if deployment.suite.claim_signer != claim_signer.address:
            raise DeploymentMismatch("the claim-signer key is not the one of the deployment file")
    else:
        deployment = deploy_suite(sender, claim_signer.address, claim_topic=args.claim_topic)
    token = deploy_token(
        sender,
        deployment,
        args.name,
        args.symbol,
        decimals=args.decimals,
        allowed_countries=args.countries,
        restricted_countries=args.blocked_countries,
    )
    deployment.save(args.out)
    print(f"{token.symbol}: token {token.token}, identity registry {token.identity_registry}")
    print(f"deployment written to {args.out}")
    return 0


def _work(args: argparse.Namespace) -> int:
    from chain.backend import connect
    from chain.deployment import Deployment
    from chain.erc3643 import ERC3643Client
    from chain.outbox import Outbox
    from chain.transactions import Sender
    from kyc_wallet.database import Database

    claim_signer = _key(args.claim_key_file, create=False)
    agent = _key(args.key_file, create=False)
    w3 = connect(args.rpc_url)
    deployment = Deployment.load(args.deployment)
    client = ERC3643Client(w3, deployment, claim_signer)
    db = Database(_database_url(args.outbox))
    try:
        return _work_on(args, Outbox(db), client, Sender(w3, agent), w3, deployment)
    finally:
        db.dispose()


def _database_url(outbox: str) -> str:
    """``--outbox``: a database URL, or the path of a SQLite file."""
    from kyc_wallet.database import database_url

    if "://" in outbox:
        return database_url(Path("."), "", outbox)
    return database_url(Path(outbox).parent, Path(outbox).name)


def _work_on(
    args: argparse.Namespace,
    outbox: Outbox,
    client: ERC3643Client,
    sender: Sender,
    w3: Web3,
    deployment: Deployment,
) -> int:
    from chain.deploy import check_deployment
    from chain.errors import ChainUnavailable
    from chain.reconcile import Reconciler
    from chain.worker import Worker

    outbox.check()
    worker = Worker(outbox, client, sender)
    try:
        check_deployment(w3, deployment)
        if args.reconcile:
            drift = Reconciler(outbox, client).repair(remove_unknown=args.remove_unknown)
            print(
                f"reconciler: {len(drift.missing)} missing, {len(drift.extra)} to remove, "
                f"{len(drift.unknown)} unknown"
            )
    except ChainUnavailable as exc:
        worker.hold(exc)  # the queued intents say why they wait, as after a failed run
        raise
    report = worker.run_once()
    print(
        f"worker: {len(report.done)} done, {len(report.failed)} failed, "
        f"{report.transactions} transactions, {report.gas_used} gas"
    )
    for intent in outbox.intents_by_id(report.failed):  # each alone; the others went on
        retry = "not retried automatically" if intent.retry_at is None else "retried later"
        print(f"failed: {intent.address} on {intent.registry}: {intent.last_error} ({retry})")
    return 1 if report.failed else 0


def _status(args: argparse.Namespace) -> int:
    from chain.backend import connect
    from chain.deploy import check_deployment
    from chain.deployment import Deployment
    from chain.erc3643 import ERC3643Client

    w3 = connect(args.rpc_url)
    deployment = Deployment.load(args.deployment)
    check_deployment(w3, deployment)
    token = deployment.token(args.token)
    client = ERC3643Client(w3, deployment)
    registry, address = token.identity_registry, args.address
    print(f"identity:   {client.identity_of(address) or 'none'}")
    print(f"registered: {client.contains(registry, address)}")
    print(f"verified:   {client.is_verified(registry, address)}")
    print(f"country:    {client.investor_country(registry, address)}")
    print(f"balance:    {client.balance_of(token.token, address)} {token.symbol}")
    return 0


def _install_artifacts() -> int:
    from chain.install_artifacts import install_artifacts

    print(f"contract artifacts installed in {install_artifacts()}")
    return 0


def run(args: argparse.Namespace) -> int:
    try:
        if args.chain_command == "deploy":
            return _deploy(args)
        if args.chain_command == "work":
            return _work(args)
        if args.chain_command == "install-artifacts":
            return _install_artifacts()
        return _status(args)
    except (SSIError, ValueError, OSError) as exc:
        print(f"kyc-wallet chain {args.chain_command}: {exc}", file=sys.stderr)
        return 1
