"""The verifier's own Prometheus metrics (issue 21 item 10), served by
``/metrics`` beside the request counts of :mod:`kyc_wallet.web.metrics`.

- ``kycw_verifier_verdicts_total{outcome, reason}``: each verdict given once
  (``verified``, or ``refused`` with the error's class name as the reason: a
  fixed set), counted after its transaction committed, so a replay refused
  before any verdict is not a verdict.
- ``kycw_verifier_webhook_failures_total``: each webhook delivery attempt
  that failed (an error answer, no answer, or a target no longer configured).
"""

from __future__ import annotations

from prometheus_client import Counter

__all__ = ["VERDICTS", "WEBHOOK_FAILURES"]

VERDICTS = Counter(
    "kycw_verifier_verdicts",
    "Verdicts given on wallet responses, by outcome and refusal reason",
    ["outcome", "reason"],
)
WEBHOOK_FAILURES = Counter(
    "kycw_verifier_webhook_failures", "Webhook delivery attempts that failed"
)
