"""A gunicorn configuration for the apps: ``gunicorn -c
python:kyc_wallet.web.gunicorn_conf 'issuer.app:create_app()'`` (docs/deployment.md).

- Logs: one JSON object per line on stderr for gunicorn's own messages and the
  app's (:mod:`kyc_wallet.web.logs`). gunicorn's access log stays off: the app
  writes its own access line, with the request id and without the query
  string (which may carry an offer URI, a ``response_code``...). Should an
  operator turn it on (``--access-logfile``), its format here has no query
  string either (``%(U)s``: the path alone).
- Proxies: the apps read ``X-Forwarded-For`` and ``X-Forwarded-Proto`` of
  their ``TRUSTED_PROXY_HOPS`` proxies only (:mod:`kyc_wallet.web.factory`),
  and the wallet none: gunicorn must not take the scheme (its
  ``secure_scheme_headers``, believed from 127.0.0.1 and Unix sockets by
  default) or ``SCRIPT_NAME`` (``forwarder_headers``) from request headers.
- Metrics: with ``PROMETHEUS_MULTIPROC_DIR`` set, a worker that stops is
  marked dead, so ``/metrics`` keeps summing the live workers' gauges.
- Processes and threads: one worker process (gunicorn's default) with
  :data:`threads` threads (the ``gthread`` worker). That is the setting for a
  SQLite database: the threads of one process share its commits (one
  ``fsync`` for many requests, :mod:`kyc_wallet.database.group`), which
  several processes cannot; a worker that finds itself one of several on a
  SQLite file says so in the log. On PostgreSQL add ``--workers N``
  (docs/deployment.md "Durability").

Command-line options (``--workers``, ``--bind``...) still apply on top."""

from __future__ import annotations

import os
from typing import Any

from kyc_wallet.web.logs import gunicorn_logconfig

logconfig_dict = gunicorn_logconfig()
access_log_format = '"%(m)s %(U)s" %(s)s %(B)s %(M)sms'
secure_scheme_headers: dict[str, str] = {}
forwarder_headers = ""
control_socket_disable = True  # gunicorn 23+ would open a control socket in $HOME
threads = 16  # gthread: the requests of one process share its commits on SQLite


def post_worker_init(worker: Any) -> None:
    """Warn when this worker is one of several on a SQLite file."""
    db: Any = getattr(worker.wsgi, "extensions", {}).get("store")
    if db is not None and getattr(db, "group", None) is not None and worker.cfg.workers > 1:
        worker.log.warning(
            "%d worker processes on the SQLite file %s: each commits on its own; "
            "run one process with threads (--workers 1 --threads N) so that requests "
            "share commits (docs/deployment.md, Durability)",
            worker.cfg.workers,
            db.path,
        )


def child_exit(server: Any, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
