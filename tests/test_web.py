"""The web plumbing the three apps share (kyc_wallet/web)."""

from __future__ import annotations

import threading
from pathlib import Path

from issuer.app import create_app
from kyc_wallet.web.config import persistent_secret, write_private_file


def test_private_file_is_created_once_whole_and_0600_under_a_race(tmp_path: Path) -> None:
    """Several workers starting on an empty folder: one writes, all read the same."""
    path = tmp_path / "secret"
    results: list[str] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        results.append(persistent_secret(path))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and results[0]
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret"]  # no temporary left behind
    assert write_private_file(path, b"other") is False
    assert persistent_secret(path) == results[0]


def test_method_not_allowed_keeps_the_allow_header(tmp_path: Path) -> None:
    client = create_app({"DATA_DIR": str(tmp_path)}).test_client()
    response = client.get("/token")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.get_json()["error"] == "method_not_allowed"


def test_oversize_body_is_413_before_parsing(tmp_path: Path) -> None:
    client = create_app({"DATA_DIR": str(tmp_path), "API_KEYS": ["t:key"]}).test_client()
    response = client.post(
        "/api/v1/offers",
        data=b"{" + b" " * 2_000_000 + b"}",
        headers={"Content-Type": "application/json", "Authorization": "Bearer key"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "invalid_request"
