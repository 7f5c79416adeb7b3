"""Issue 20 item 10: the guides work as written. Every fenced block of docs/
is marked runnable or illustrative; the runnable ones are run as the page
says (:mod:`tests.doc_blocks`: ports and absolute folders rewritten, nothing
else), the servers they start answer, and an issuer and a wallet started as
docs/issuer.md and docs/wallet.md say can talk. A configuration error at
start is one line on stderr and exit status 2, for each role.
``pytest -k docs_examples`` selects this module."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from ssi.x509 import make_ca
from tests.doc_blocks import PAGES, ROOT, Session, blocks, check_marked

DOCS = ROOT / "docs"
GUIDED = {DOCS / "issuer.md", DOCS / "wallet.md", DOCS / "verifier.md", DOCS / "deployment.md"}
"""Pages whose examples the tests below run, each with the checks its text promises."""


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    running = Session(tmp_path)
    try:
        yield running
    finally:
        running.close()


def test_docs_examples_are_marked_runnable_or_illustrative() -> None:
    problems = [p for page in PAGES for b in blocks(page) if (p := check_marked(b))]
    assert not problems, "\n".join(problems)


def test_docs_examples_files_are_used_by_their_page() -> None:
    """A ``file=NAME`` block is read by a command of its page (else it tests nothing)."""
    for page in PAGES:
        commands = "".join(b.text for b in blocks(page) if b.runs)
        for block in blocks(page):
            if block.file and not block.illustrative:
                assert block.file in commands, f"{block.where}: no command uses {block.file}"


def test_docs_examples_every_page_with_commands_is_run() -> None:
    """New runnable blocks on another page fail here until a test below runs them."""
    pages = {page for page in PAGES if any(b.runs for b in blocks(page))}
    assert pages <= GUIDED, sorted(str(p) for p in pages - GUIDED)


class Browser:
    """A person's browser on the wallet: cookies, forms with their CSRF token."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def open(self, path: str, form: dict[str, str] | None = None) -> str:
        data = None if form is None else urllib.parse.urlencode(form).encode()
        try:
            with self.opener.open(self.base + path, data, timeout=60) as answer:
                return str(answer.read().decode())
        except urllib.error.HTTPError as error:
            return str(error.read().decode())

    def submit(self, path: str, form: dict[str, str], page: str | None = None) -> str:
        page = page if page is not None else self.open(path)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None, page
        return self.open(path, {**form, "csrf_token": token.group(1)})


def _receive(wallet: str, link: str) -> tuple[str, Browser]:
    """Create the wallet, paste the offer's link: the page the wallet shows."""
    browser = Browser(wallet)
    passphrase = "a passphrase of the docs test"
    browser.submit("/setup", {"passphrase": passphrase, "confirm": passphrase})
    return browser.submit("/receive", {"link": link}), browser


def test_docs_examples_issuer_and_wallet_guides_work_together(session: Session) -> None:
    """docs/issuer.md's and docs/wallet.md's commands, as written: the wallet
    receives the credential of the offer the issuer guide's API call made, and
    shows the provider by the ISSUER_NAME the guide sets. The same wallet
    command without ``--dev-http-loopback`` refuses that issuer (plain HTTP on
    127.0.0.1) and says which setting allows it."""
    session.run_page(DOCS / "issuer.md")
    offer = json.loads(session.outputs[-1])  # the guide's curl: the offer
    session.run_page(DOCS / "wallet.md", edit={" --dev-http-loopback": ""})
    page, _ = _receive(session.url("5002"), offer["link"])
    assert "DEV_ALLOW_HTTP_LOOPBACK" in page and "--dev-http-loopback" in page, page
    session.stop(session.ports["5002"])
    session.run_page(DOCS / "wallet.md", edit={"wallet-data": "wallet-data-2"})
    page, browser = _receive(session.url("5002"), offer["link"])
    assert "Example KYC GmbH offers you a credential" in page, page
    accept = re.search(r'action="(/offer/[^"]+/accept)"', page)
    assert accept is not None, page
    received = browser.submit(accept.group(1), {"pin": offer["tx_code"]}, page)
    assert "Credential received from Example KYC GmbH" in received, received


def _bank_root(session: Session) -> None:
    """The root certificate docs/verifier.md's trust list names (``bank-root.pem``,
    the one file a page names without showing: a certificate)."""
    _, ca = make_ca("Example bank root", now=time.time())
    (session.folder / "bank-root.pem").write_bytes(ca.public_bytes(Encoding.PEM))


def test_docs_examples_verifier_guide_starts_and_answers(session: Session) -> None:
    """docs/verifier.md's files and commands: the verifier starts with them, the
    API call makes a verification for ``sp7``, and the guide's old name
    ``solar7`` is refused with the known names."""
    _bank_root(session)
    session.run_page(DOCS / "verifier.md")
    created = json.loads(session.outputs[-1])
    assert created["status"] == "pending" and created["link"].startswith("openid4vp://")
    request = urllib.request.Request(
        session.url("5003") + "/api/v1/verifications",
        json.dumps({"policy": "solar7"}).encode(),
        {
            "Authorization": "Bearer change-this-to-a-long-random-key",
            "Content-Type": "application/json",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 400
    body = json.loads(refused.value.read())
    assert body["error_description"] == (
        "unknown policy 'solar7': the known policies are 'adults', 'sp7'"
    )


def test_docs_examples_deployment_starts_the_issuer_under_gunicorn(session: Session) -> None:
    """docs/deployment.md: the configuration file, ``migrate``, and gunicorn
    with the project's configuration (with and without the metrics folder)."""
    session.run_page(DOCS / "deployment.md")
    first, metrics = (path.read_text() for path in session.logs)
    assert "kyc-wallet issuer migrate: " in first and "is up to date" in first, first
    assert (session.folder / "var/lib/kyc-wallet/issuer/issuer.sqlite").exists()
    assert (session.folder / "run/kyc-wallet/issuer-metrics").is_dir(), metrics


# --- a configuration error at start: one line, exit status 2 -------------------------

BAD_CONFIGS = {
    "issuer-no-name": (
        "issuer",
        "config.toml",
        'ISSUER_URL = "https://kyc.example"\n',  # an issuer others reach: it must name itself
        "ISSUER_NAME is not set: the name wallets show investors for the KYC provider at "
        "https://kyc.example",  # the file's URL: the command's default does not override it
    ),
    "wallet-not-toml": ("wallet", "config.toml", "[unclosed\n", "is not valid TOML"),
    "verifier-no-root": ("verifier", "trust.toml", "", "bank-root.pem does not exist"),
    "verifier-bad-policy": (
        "verifier",
        "policies.toml",
        "[policies.sp7]\n",
        "policy 'sp7' needs a 'vct'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_docs_examples_config_error_is_one_line_and_exit_2(tmp_path: Path, case: str) -> None:
    role, name, text, message = BAD_CONFIGS[case]
    session = Session(tmp_path)
    command = [sys.executable, "-m", "kyc_wallet.cli", role, "--data-dir", str(tmp_path / "d")]
    if role == "verifier":  # docs/verifier.md's files, one of them broken
        session.write_files(DOCS / "verifier.md")
        if case != "verifier-no-root":
            _bank_root(session)
        if text:
            (tmp_path / name).write_text(text)
        command += ["--config", "verifier.toml", "--policies", "policies.toml"]
        command += ["--trust-list", "trust.toml"]
    else:
        (tmp_path / name).write_text(text)
        command += ["--config", name]
    result = subprocess.run(
        [*command, "--port", session.ports["5001"]],
        cwd=tmp_path,
        env=session.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if not line.startswith("{")]
    assert len(lines) == 1 and lines[0].startswith(f"kyc-wallet {role}: cannot start: "), lines
    assert message in lines[0]
