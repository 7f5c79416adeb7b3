"""``kyc-wallet verifier``: serve the token platform's verifier (OpenID4VP 1.0),
or (``migrate``) prepare its data folder and database once per deploy, or
(``worker``) run its background work (:mod:`verifier.worker`: the chain
sender, webhook deliveries, the compliance monitor, the reconciler), as many
replicas as wanted, beside the web processes."""

from __future__ import annotations

import argparse
import signal
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url

from kyc_wallet.web.cli import (
    add_action_argument,
    add_server_arguments,
    public_url,
    serve,
    server_config,
    starting,
)
from kyc_wallet.web.config import load_config
from kyc_wallet.web.config_types import check_setting_types
from kyc_wallet.web.reload import reload_on_sighup
from kyc_wallet.web.signin import password_notice

from .app import DEFAULTS, create_app
from .dev_chain import start_in_process
from .maintenance import run_maintenance
from .settings import settings_holder
from .storage import database_of, migrate
from .worker import VerifierWorker

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_action_argument(
        parser,
        ("worker",),
        "; or worker: the background work (chain, webhooks, monitor, reconciler)",
    )
    add_server_arguments(parser, port=5003, data_dir="verifier-data")
    parser.add_argument("--url", help="public base URL (default http://HOST:PORT)")
    parser.add_argument("--policies", help="the policies file (TOML or JSON)")
    parser.add_argument("--trust-list", help="the issuers trust list (TOML or JSON)")
    parser.add_argument(
        "--maintenance",
        action="store_true",
        help="re-check the status behind whitelisting intents, purge expired keys, and exit",
    )
    parser.add_argument(
        "--health-port",
        type=int,
        help="worker: serve /healthz, /readyz and /metrics on this port",
    )
    parser.add_argument(
        "--health-host", default="127.0.0.1", help="worker: the health port's address"
    )
    parser.add_argument(
        "--with-worker",
        action="store_true",
        help='serve, and run the worker in this process (CHAIN = "dev": the demo)',
    )


def _migrate(config: dict[str, Any]) -> int:
    """``kyc-wallet verifier migrate``: the configuration read as the app reads it,
    the data folder created (0700), the database migrated (Alembic, once, under
    its lock; a data folder of the previous release adopted, its chain outbox
    imported); says what it applied."""

    def run_migrations() -> tuple[str, list[str]]:
        app = Flask("verifier")
        load_config(app, DEFAULTS, config, "KYCW_VERIFIER")
        check_setting_types(app.config, DEFAULTS)
        db = database_of(app.config)
        try:
            return make_url(db.url).render_as_string(hide_password=True), migrate(db, app.config)
        finally:
            db.dispose()

    where, applied = starting("verifier", run_migrations)
    done = ", ".join(applied) or "nothing to apply"
    print(f"kyc-wallet verifier migrate: {where} is up to date ({done})")
    return 0


def run(args: argparse.Namespace) -> int:
    config = server_config(args)
    if args.action == "migrate":
        return _migrate(config)
    public_url(args, config, "KYCW_VERIFIER", "VERIFIER_URL")
    if args.policies:
        config["POLICIES_PATH"] = args.policies
    if args.trust_list:
        config["TRUST_LIST_PATH"] = args.trust_list
    if args.action == "worker":
        return _worker(config, args.health_host, args.health_port)
    worker: VerifierWorker | None = None
    if args.with_worker:
        app, worker = starting("verifier", lambda: start_in_process(config))
    else:
        app = starting("verifier", lambda: create_app(config))
    if args.maintenance:
        report = run_maintenance(app)
        print(
            f"checked {report.checked}, removed {len(report.removed)}, "
            f"unreachable {len(report.failed)}, purged {report.purged}"
        )
        for line in [*report.removed, *report.failed]:
            print(f"  {line}")
        return 1 if report.failed else 0
    reload_on_sighup(settings_holder(app).reload)  # trust list and policies, on SIGHUP
    with app.app_context():
        print(f"verifier: {app.config['VERIFIER_URL']}  ({password_notice()})")
    try:
        serve(app, args.host, args.port)
    finally:
        if worker is not None:
            worker.stop()
    return 0


def _worker(config: dict[str, Any], health_host: str, health_port: int | None) -> int:
    """``kyc-wallet verifier worker``: the jobs on their schedules until SIGTERM
    or SIGINT (and its health port, when asked)."""
    from .worker_health import serve_health

    app = starting("verifier", lambda: create_app(config))
    worker = starting("verifier", lambda: VerifierWorker(app))
    reload_on_sighup(settings_holder(app).reload)
    health = None if health_port is None else serve_health(worker, health_host, health_port)

    def stop(signum: int, _frame: object) -> None:
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"verifier worker {worker.name}: {worker.intervals}", flush=True)
    worker.run_forever()
    if health is not None:
        health.shutdown()
    app.extensions["store"].dispose()
    return 0
