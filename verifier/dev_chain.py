"""``CHAIN = "dev"``: the in-process development chain (py-evm with T-REX and
the demo tokens of ``DEV_TOKENS``), started explicitly before the app
(``create_app`` deploys nothing, issue 21 item 6), and the worker that sends
to it, which must run in the same process (:func:`start_in_process`: the one
call of ``kyc-wallet verifier --with-worker``, which the demo runs).

The first start deploys T-REX; a later start (the chain is in memory) redeploys
it at the same addresses and replays the whitelist from the outbox
(ARCHITECTURE.md "The chain in each setting").
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Flask

from chain.outbox import Outbox
from kyc_wallet.web.config import load_config
from kyc_wallet.web.config_types import check_setting_types

from .core.intents import country_numeric
from .storage import open_database

if TYPE_CHECKING:
    from chain.devchain import TokenSpec
    from chain.platform import PlatformChain

    from .worker import VerifierWorker

__all__ = ["start_dev_chain", "start_in_process"]

log = logging.getLogger(__name__)


def _token_specs(config: Mapping[str, Any]) -> list[TokenSpec]:
    from chain.devchain import TokenSpec

    return [
        TokenSpec(
            entry["name"],
            entry["symbol"],
            decimals=int(entry.get("decimals", 0)),
            allowed_countries=[country_numeric(c) for c in entry.get("allowed_countries", [])],
            restricted_countries=[
                country_numeric(c) for c in entry.get("restricted_countries", [])
            ],
        )
        for entry in config["DEV_TOKENS"]
    ]


def _settings(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    """The configuration as ``create_app`` reads it (defaults, file, environment)."""
    from .app import DEFAULTS

    app = Flask("verifier")
    load_config(app, DEFAULTS, config, "KYCW_VERIFIER")
    check_setting_types(app.config, DEFAULTS)
    return app.config


def start_dev_chain(config: Mapping[str, Any] | None) -> PlatformChain:
    """Deploy (first start) or redeploy and replay (later starts) the in-process
    chain of ``config`` (``CHAIN = "dev"``); pass it to ``create_app(config, chain=...)``."""
    from chain.platform import PlatformChain

    settings = _settings(config)
    folder = Path(settings["DATA_DIR"]) / "chain"
    db = open_database(settings)  # the outbox, in the verifier's database (kept open)
    platform = PlatformChain.start_dev(folder, _token_specs(settings), Outbox(db))
    if platform.redeployed:
        log.warning(
            "the in-process chain started empty: T-REX redeployed at the same addresses "
            "and the whitelist replayed from the outbox"
        )
    return platform


def start_in_process(
    config: Mapping[str, Any] | None, *, clock: Callable[[], float] = time.time
) -> tuple[Flask, VerifierWorker]:
    """The verifier with its worker in a thread of this process: the chain
    started first when ``CHAIN = "dev"``, then the app, then the worker."""
    from .app import create_app
    from .worker import VerifierWorker

    chain = start_dev_chain(config) if _settings(config)["CHAIN"] == "dev" else None
    app = create_app(config, clock=clock, chain=chain)
    worker = VerifierWorker(app)
    worker.start()
    return app, worker
