"""gunicorn configuration for tests/hardening/test_first_start.py (``gunicorn -c``).

* The master imports the app's module once (``KYCW_TEST_APP_MODULE``), so that
  the forked workers skip the imports: what each of them still does is
  ``create_app()``, on the same empty data folder, which is the race under
  test (without ``--preload`` the master never builds the app).
* The data folder of the round is read from ``KYCW_TEST_ROUND_FILE`` into the
  workers' environment (gunicorn's ``raw_env``) each time this file is read:
  at start and at every ``SIGHUP``, which starts four new workers and stops
  the old ones. So one master serves every round, each round on a new folder.
* A barrier in ``post_fork`` releases the four workers into ``create_app()``
  together (as four workers started on a busy machine would be by chance);
  ``post_worker_init`` logs ``worker ready <pid>`` once a worker's app is
  built. A worker that fails to build its app stops the master (gunicorn's
  "Worker failed to boot", exit 3).
"""

from __future__ import annotations

import gc
import importlib
import multiprocessing
import os
from pathlib import Path
from typing import Any

importlib.import_module(os.environ["KYCW_TEST_APP_MODULE"])
gc.freeze()  # the imported objects stay shared with the workers (no copy-on-write by the GC)

workers = int(os.environ["KYCW_TEST_WORKERS"])
control_socket_disable = True  # gunicorn 23+ would open one in $HOME, shared by every run
_data_dir = Path(os.environ["KYCW_TEST_ROUND_FILE"]).read_text().strip()
raw_env = [f"{os.environ['KYCW_TEST_DATA_DIR_SETTING']}={_data_dir}"]
_barrier = multiprocessing.get_context("fork").Barrier(workers)


def post_fork(server: Any, worker: Any) -> None:
    try:
        _barrier.wait(timeout=20)
    except Exception:  # noqa: BLE001 - a respawned worker finds the barrier used: go on
        pass


def post_worker_init(worker: Any) -> None:
    worker.log.info("worker ready %s", os.getpid())
