"""The verifier as the benchmark serves it: the production app plus one no-op
endpoint, registered here and nowhere else (never a production route).

``POST /bench/noop`` reads the same form body as the response endpoint, passes
the same plumbing (host check, CSRF exemption, the response endpoint's rate
limit) and answers ``{}`` with ``Cache-Control: no-store``: what the server
costs per request before the endpoint does any work. ``bench.verifier_load``
divides its CPU per request by the response endpoint's (``noop_ratio``).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request

from kyc_wallet.web import csrf_exempt
from kyc_wallet.web.factory import rate_limit
from verifier.app import create_app as create_verifier

__all__ = ["NOOP_PATH", "create_app"]

NOOP_PATH = "/bench/noop"


@csrf_exempt
def _noop() -> Any:
    request.get_data(as_text=True)  # the same body the response endpoint reads
    response = jsonify({})
    response.headers["Cache-Control"] = "no-store"
    return response


def create_app() -> Flask:
    """``verifier.app:create_app()`` (configured from the environment) with the no-op."""
    app = create_verifier()
    app.add_url_rule(NOOP_PATH, "bench_noop", _noop, methods=["POST"])
    rate_limit(app, "bench_noop", "RATE_LIMIT_RESPONSE")
    return app
