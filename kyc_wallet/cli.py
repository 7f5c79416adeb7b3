"""The ``kyc-wallet`` command: one entry point for the demo, the three apps and the chain.

Each sub-command lives in the package it runs (``issuer.cli``, ``wallet.cli``,
``verifier.cli``, ``chain.cli``, ``kyc_wallet.demo``) and is imported only when
called, so that ``kyc-wallet issuer`` never loads the wallet and the three
apps stay apart, as ARCHITECTURE.md requires.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# command -> (module that defines `add_arguments(parser)` and `run(args) -> int`, help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("kyc_wallet.demo", "run the issuer, wallet, verifier and chain on 127.0.0.1"),
    "issuer": ("issuer.cli", "serve the KYC provider's issuer (OpenID4VCI 1.0)"),
    "wallet": ("wallet.cli", "serve the investor's web wallet on 127.0.0.1"),
    "verifier": ("verifier.cli", "serve the token platform's verifier (OpenID4VP 1.0)"),
    "chain": ("chain.cli", "deploy and inspect ERC-3643 (T-REX) contracts"),
}


def _load(module_name: str) -> tuple[Callable[[argparse.ArgumentParser], None], Callable[..., int]]:
    module = importlib.import_module(module_name)
    return module.add_arguments, module.run


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, Callable[..., int]]]:
    parser = argparse.ArgumentParser(
        prog="kyc-wallet",
        description="Reusable KYC credentials (SD-JWT VC over OpenID4VCI / OpenID4VP) "
        "that whitelist investors on ERC-3643 tokens.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    runners: dict[str, Callable[..., int]] = {}
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments, run = _load(module_name)
        add_arguments(command_parser)
        runners[name] = run
    return parser, runners


def main(argv: Sequence[str] | None = None) -> int:
    parser, runners = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return runners[args.command](args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
