"""Red-team review of issue 19 item 9 (operator sign-in), issuer and verifier.

Only a configured ``OPERATOR_PASSWORD`` was held to 16 characters. Without
one, the password is the content of ``<DATA_DIR>/operator_password``, which
was read as it was: a file an administrator emptied (to "reset" it, or a
deployment tool that creates it empty) let anyone sign in with an empty
password, and a short one was accepted. The file is held to the same rule:
at start (one line naming the file and what to do) and at each sign-in (an
empty or short password file admits nobody). And the password is not
printed into the service's log at start.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from kyc_wallet.web.config import ConfigurationError
from tests.hardening.issuer_process import IssuerProcess, free_port
from tests.hardening.verifier_process import VerifierProcess
from tests.issuer.test_operator_signin import StartApp, _create, _signed_in
from tests.issuer.test_operator_signin import start_app as start_app  # the fixture
from tests.support import Clock

LOGGED = "a-configured-operator-password"


@pytest.mark.parametrize("role", ["issuer", "verifier"])
@pytest.mark.parametrize("content", ["", "\n", "short-password"])
def test_signin_empty_or_short_password_file_refuses_to_start(
    tmp_path: Path, role: str, content: str
) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o700)
    password_file = data / "operator_password"
    password_file.write_text(content)
    password_file.chmod(0o600)
    with pytest.raises(ConfigurationError, match=r"operator_password.*at least 16"):
        _create(role, data, Clock(), OPERATOR_PASSWORD=None)


def test_signin_password_file_emptied_after_start_admits_nobody(start_app: StartApp) -> None:
    running = start_app(OPERATOR_PASSWORD=None)
    assert running.browser().sign_in("not-the-password-at-all").status == 401
    password_file = Path(running.app.config["DATA_DIR"]) / "operator_password"
    generated = password_file.read_text().strip()
    assert len(generated) >= 16
    assert running.browser().sign_in(generated).status == 302
    password_file.write_text("")  # emptied while the app runs
    intruder = running.browser("127.0.0.2")
    assert intruder.sign_in("").status == 401
    assert not _signed_in(intruder.operator_page())


@pytest.mark.parametrize("role", ["issuer", "verifier"])
def test_signin_password_is_not_printed_into_the_log_at_start(tmp_path: Path, role: str) -> None:
    """``kyc-wallet issuer|verifier`` printed the operator password on every start,
    a configured one included: into the service's log (journald, docker logs),
    which more people read than the configuration."""
    config = tmp_path / "config.toml"
    config.write_text(
        f'OPERATOR_PASSWORD = "{LOGGED}"\nDEV_ALLOW_HTTP_LOOPBACK = true\nMONITOR_INTERVAL = 0\n'
    )
    config.chmod(0o600)
    kind = IssuerProcess if role == "issuer" else VerifierProcess
    process = kind(tmp_path / "data", config, free_port(), tmp_path / "out.log")
    process.start()
    assert process.process is not None
    process.process.send_signal(signal.SIGINT)  # as an operator stops it: stdout is flushed
    process.process.wait(timeout=30)
    log = (tmp_path / "out.log").read_text()
    assert f"{role}: http://127.0.0.1:{process.port}" in log  # the start line is there
    assert LOGGED not in log
