"""The verifier's own Prometheus metrics (issue 21 item 10), served by
``/metrics`` beside the request counts of :mod:`kyc_wallet.web.metrics`.

- ``kycw_verifier_verdicts_total{outcome, reason}``: each verdict given once
  (``verified``, or ``refused`` with the error's class name as the reason: a
  fixed set), counted after its transaction committed, so a replay refused
  before any verdict is not a verdict.
- ``kycw_verifier_webhook_failures_total``: each webhook delivery attempt
  that failed (an error answer, no answer, or a target no longer configured).

The worker's (``kyc-wallet verifier worker --health-port``, :mod:`verifier.worker_health`):

- ``kycw_verifier_outbox_depth``: whitelisting intents not done (queued or failed);
- ``kycw_verifier_outbox_oldest_age_seconds``: since the oldest of them last changed;
- ``kycw_verifier_monitor_run_seconds``: how long the last monitor run took.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge

__all__ = ["MONITOR_SECONDS", "OUTBOX_DEPTH", "OUTBOX_OLDEST_AGE", "VERDICTS", "WEBHOOK_FAILURES"]

VERDICTS = Counter(
    "kycw_verifier_verdicts",
    "Verdicts given on wallet responses, by outcome and refusal reason",
    ["outcome", "reason"],
)
WEBHOOK_FAILURES = Counter(
    "kycw_verifier_webhook_failures", "Webhook delivery attempts that failed"
)
OUTBOX_DEPTH = Gauge("kycw_verifier_outbox_depth", "Whitelisting intents not done yet")
OUTBOX_OLDEST_AGE = Gauge(
    "kycw_verifier_outbox_oldest_age_seconds", "Age of the oldest whitelisting intent not done"
)
MONITOR_SECONDS = Gauge(
    "kycw_verifier_monitor_run_seconds", "Duration of the last compliance monitor run"
)
