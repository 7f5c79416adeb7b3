"""Issue 21 item 10: the verifier's ``/metrics`` counts verdicts by outcome and
failed webhook deliveries."""

from __future__ import annotations

from ssi.fetch import Fetcher
from tests.test_ops_metrics import AUTH, TOKEN, sample
from tests.verifier.conftest import RunningVerifier, StartVerifier
from tests.verifier.foreign_wallet import ForeignWallet


def _metrics(verifier: RunningVerifier, fetcher: Fetcher) -> str:
    return fetcher.get(verifier.url + "/metrics", headers=AUTH).text()


def test_verdicts_are_counted_by_outcome_and_webhook_failures_are_counted(
    start_verifier: StartVerifier, wallet: ForeignWallet, fetcher: Fetcher
) -> None:
    # nothing listens on port 9: every delivery attempt fails
    verifier = start_verifier(
        METRICS_TOKEN=TOKEN, WEBHOOK_URL="http://127.0.0.1:9/hook", WEBHOOK_SECRET="s" * 32
    )
    wallet.x509_roots = [verifier.ca]
    before = _metrics(verifier, fetcher)
    created = verifier.create("kyc")
    assert wallet.complete(created["link"])[1].status == 200
    refused = verifier.create("kyc")
    request = wallet.fetch_request(refused["link"]).request
    withheld = wallet.present(request, paths=[("kyc_level",)])
    answer = wallet.post(request, wallet.form(request, wallet.response(request, withheld)))
    assert answer.status == 400
    again = wallet.post(request, wallet.form(request, wallet.response(request)))
    assert again.status == 400  # a replay is no second verdict
    verifier.app.extensions["webhooks"].deliver()
    after = _metrics(verifier, fetcher)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("kycw_verifier_verdicts_total", outcome="verified", reason="") == 1
    assert delta("kycw_verifier_verdicts_total", outcome="refused") == 1
    assert delta("kycw_verifier_verdicts_total", outcome="refused", reason="QueryNotSatisfied") == 1
    assert delta("kycw_verifier_webhook_failures_total") >= 2  # one per verdict at least
    response_rule = {"app": "verifier", "endpoint": "/oid4vp/response", "status": "200"}
    assert delta("kycw_http_requests_total", **response_rule) == 1
    refusals = {"app": "verifier", "endpoint": "/oid4vp/response", "status": "400"}
    assert delta("kycw_http_requests_total", **refusals) == 2
