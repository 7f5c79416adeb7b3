"""Issue 21 item 10: settings are type-checked at start; a wrong type stops the
start with one line naming the setting and the type it takes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from issuer.app import create_app as create_issuer
from kyc_wallet.web.config import ConfigurationError
from verifier.app import create_app as create_verifier
from wallet.app import create_app as create_wallet

CASES: list[tuple[Callable[..., Flask], str, Any, str]] = [
    (create_issuer, "TRUSTED_HOSTS", "issuer.example", "must be a list of strings, not a string"),
    (create_issuer, "TRUSTED_HOSTS", ["ok.example", 7], "must be a list of strings, not a list"),
    (create_issuer, "API_KEYS", 5, "API_KEYS must be a list, not a number"),
    (create_issuer, "OFFER_TTL", "1d", "OFFER_TTL must be an integer, not a string"),
    (create_issuer, "OFFER_TTL", 1.5, "OFFER_TTL must be an integer, not a number"),
    (create_issuer, "DEV_ALLOW_HTTP_LOOPBACK", "yes", "must be true or false, not a string"),
    (create_issuer, "BATCH_SIZE", True, "BATCH_SIZE must be an integer, not true/false"),
    (create_issuer, "ISSUER_NAME", 42, "ISSUER_NAME must be a string, not a number"),
    (create_issuer, "METRICS_TOKEN", 12345678901234567890, "METRICS_TOKEN must be a string"),
    (create_issuer, "OPERATOR_IDLE_TIMEOUT", "15m", "must be an integer, not a string"),
    (create_verifier, "MONITOR_INTERVAL", "1m", "MONITOR_INTERVAL must be a number"),
    (create_verifier, "POLICIES", ["kyc"], "POLICIES must be a table (a mapping), not a list"),
    (create_verifier, "OPERATOR_IDLE_TIMEOUT", "15m", "must be an integer, not a string"),
    (create_verifier, "KEY_PATH", 7, "KEY_PATH must be a string (a file path), not a number"),
    (create_wallet, "FETCH_TIMEOUT", "10s", "FETCH_TIMEOUT must be a number, not a string"),
    (create_wallet, "KDF_OPSLIMIT", "3", "KDF_OPSLIMIT must be an integer, not a string"),
]


@pytest.mark.parametrize(("factory", "setting", "value", "message"), CASES)
def test_a_setting_of_the_wrong_type_stops_the_start(
    tmp_path: Path, factory: Callable[..., Flask], setting: str, value: Any, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(message)) as caught:
        factory({"DATA_DIR": str(tmp_path), setting: value})
    assert "\n" not in caught.value.description
    assert not list(tmp_path.glob("*.sqlite"))  # stopped before opening anything


def test_settings_of_their_types_start(tmp_path: Path) -> None:
    create_issuer(
        {
            "DATA_DIR": tmp_path,  # a path is a path
            "TRUSTED_HOSTS": ("issuer.example",),
            "OFFER_TTL": 600,
            "KEY_PATH": None,
            "METRICS_TOKEN": "m" * 16,
        }
    )
    create_verifier({"DATA_DIR": str(tmp_path / "v"), "MONITOR_INTERVAL": 0})  # int for float


def _start(role: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kyc_wallet.cli", role, "--data-dir", str(tmp_path), "--port", "9"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_environment_value_of_the_wrong_type_is_one_line_and_no_start(tmp_path: Path) -> None:
    result = _start("issuer", tmp_path, KYCW_ISSUER_TRUSTED_HOSTS="issuer.example")
    assert result.returncode == 2  # a configuration error (issue 20 item 10)
    assert result.stderr.strip().splitlines() == [
        "kyc-wallet issuer: cannot start: TRUSTED_HOSTS must be a list of strings, not a"
        """ string; in the environment write it as JSON, e.g. '["a", "b"]'"""
    ]


def test_a_secret_of_the_wrong_type_is_not_quoted(tmp_path: Path) -> None:
    secret = "98765432109876543210"
    result = _start("verifier", tmp_path, KYCW_VERIFIER_METRICS_TOKEN=secret)
    assert result.returncode == 2  # a configuration error (issue 20 item 10)
    assert "METRICS_TOKEN must be a string, not a number" in result.stderr
    assert secret not in result.stderr + result.stdout


def test_migrate_checks_the_types_too(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kyc_wallet.cli", "issuer", "migrate", "--data-dir", str(tmp_path)],
        env={**os.environ, "KYCW_ISSUER_OFFER_TTL": '"1d"'},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2  # a configuration error (issue 20 item 10)
    assert "OFFER_TTL must be an integer, not a string" in result.stderr
