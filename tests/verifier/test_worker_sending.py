"""Issue 22: the worker's sending settings (docs/configuration.md) reach the outbox worker."""

from __future__ import annotations

import pytest

from kyc_wallet.web.config import ConfigurationError
from verifier.app import DEFAULTS
from verifier.chain_sender import worker_options


def test_confirmation_depth_and_replacement_settings_reach_the_worker() -> None:
    config = dict(DEFAULTS) | {
        "CHAIN_CONFIRMATIONS": 3,
        "CHAIN_REPLACE_AFTER": 30,
        "CHAIN_RECEIPT_TIMEOUT": 5,
        "CHAIN_MAX_FEE_GWEI": 1.5,
    }
    assert worker_options(config) == {
        "confirmations": 3,
        "replace_after": 30.0,
        "receipt_timeout": 5.0,
        "max_fee": 1_500_000_000,
    }
    defaults = worker_options(DEFAULTS)
    assert defaults["confirmations"] == 1 and defaults["max_fee"] is None


def test_confirmation_depth_below_one_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="CHAIN_CONFIRMATIONS"):
        worker_options(dict(DEFAULTS) | {"CHAIN_CONFIRMATIONS": 0})
