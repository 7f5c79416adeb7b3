"""Issue 21 item 10: Prometheus metrics on ``/metrics`` (requests by endpoint and
status), behind ``METRICS_TOKEN``, summed over gunicorn workers in
multiprocess mode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from issuer.app import create_app as create_issuer
from kyc_wallet.web.config import ConfigurationError
from ssi.errors import FetchError
from ssi.fetch import Fetcher, FetchPolicy
from tests.servers import free_port

TOKEN = "metrics-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROOT = Path(__file__).resolve().parent.parent


def sample(text: str, name: str, **labels: str) -> float:
    """The sum of the samples ``name`` whose labels include ``labels`` (0 if none)."""
    return sum(
        float(s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def test_metrics_are_off_without_a_token(tmp_path: Path) -> None:
    client = create_issuer({"DATA_DIR": str(tmp_path)}).test_client()
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 404
    assert "METRICS_TOKEN" in response.get_json()["error_description"]


def test_metrics_need_the_bearer_token(tmp_path: Path) -> None:
    client = create_issuer({"DATA_DIR": str(tmp_path), "METRICS_TOKEN": TOKEN}).test_client()
    assert client.get("/metrics").status_code == 401
    wrong = {"Authorization": "Bearer metrics-token-0123456789abcdeX"}
    assert client.get("/metrics", headers=wrong).status_code == 401
    response = client.get("/metrics", headers=AUTH)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")


def test_metrics_refuse_a_foreign_host(tmp_path: Path) -> None:
    client = create_issuer({"DATA_DIR": str(tmp_path), "METRICS_TOKEN": TOKEN}).test_client()
    response = client.get("/metrics", headers={**AUTH, "Host": "10.1.2.3"})
    assert response.status_code == 400


@pytest.mark.parametrize("token", ["short", "fifteen-chars.."])
def test_a_short_or_non_string_metrics_token_stops_the_start(tmp_path: Path, token: object) -> None:
    with pytest.raises(ConfigurationError, match="METRICS_TOKEN must be a string of at least 16"):
        create_issuer({"DATA_DIR": str(tmp_path), "METRICS_TOKEN": token})


def test_requests_are_counted_by_url_rule_and_status_never_by_path(tmp_path: Path) -> None:
    client = create_issuer({"DATA_DIR": str(tmp_path), "METRICS_TOKEN": TOKEN}).test_client()
    before = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    labels = {"app": "issuer", "method": "GET", "endpoint": "/offers/<offer_id>", "status": "404"}
    for n in range(3):
        assert client.get(f"/offers/secret-offer-id-{n}").status_code == 404
    assert client.get("/no/such/route").status_code == 404
    after = client.get("/metrics", headers=AUTH).get_data(as_text=True)
    name = "kycw_http_requests_total"
    assert sample(after, name, **labels) - sample(before, name, **labels) == 3
    unmatched = {"app": "issuer", "endpoint": "<unmatched>", "status": "404"}
    assert sample(after, name, **unmatched) - sample(before, name, **unmatched) == 1
    assert "secret-offer-id" not in after and "/no/such/route" not in after
    seconds = "kycw_http_request_duration_seconds_count"
    rule = {"app": "issuer", "endpoint": "/offers/<offer_id>"}
    assert sample(after, seconds, **rule) - sample(before, seconds, **rule) == 3


@pytest.mark.slow
def test_gunicorn_workers_sum_their_counts_in_multiprocess_mode(tmp_path: Path) -> None:
    """Two gunicorn workers; whichever answers ``/metrics`` reports every
    worker's requests (``PROMETHEUS_MULTIPROC_DIR``)."""
    multiproc = tmp_path / "prometheus"
    multiproc.mkdir()
    port = free_port()
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(multiproc),
        "KYCW_ISSUER_DATA_DIR": str(tmp_path / "issuer"),
        "KYCW_ISSUER_METRICS_TOKEN": TOKEN,
        "KYCW_ISSUER_ISSUER_URL": f"http://127.0.0.1:{port}",
    }
    subprocess.run(
        [sys.executable, "-m", "kyc_wallet.cli", "issuer", "migrate"], env=env, check=True
    )
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:kyc_wallet.web.gunicorn_conf",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "issuer.app:create_app()",
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    fetcher = Fetcher(FetchPolicy(allow_http_loopback=True, timeout=30))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_up(fetcher, base, gunicorn)
        for n in range(40):
            fetcher.get(f"{base}/offers/x{n}", raise_for_status=False)
        labels = {"app": "issuer", "endpoint": "/offers/<offer_id>", "status": "404"}
        # a fresh connection each time: both workers answer /metrics in turn
        for _ in range(6):
            text = fetcher.get(base + "/metrics", headers=AUTH).text()
            assert sample(text, "kycw_http_requests_total", **labels) == 40
        pids = {p.name.rsplit("_", 1)[-1] for p in multiproc.glob("*.db")}
        assert len(pids) >= 2, "both workers wrote their counts"
    finally:
        gunicorn.send_signal(signal.SIGTERM)
        gunicorn.wait(timeout=60)


def _wait_up(fetcher: Fetcher, base: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        assert process.poll() is None, "gunicorn stopped"
        try:
            if fetcher.get(base + "/readyz", raise_for_status=False).status == 200:
                return
        except FetchError:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not become ready")
