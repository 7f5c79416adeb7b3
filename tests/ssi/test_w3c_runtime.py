"""ssi.w3c.runtime: didkit's coroutines from any thread, and its ``errors`` mapped to ours."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import didkit
import pytest
from flask import Flask

from ssi.errors import InvalidSignature, MalformedInput, ResolutionError
from ssi.jose import Key
from ssi.w3c import (
    DidkitRunner,
    DidkitTimeout,
    DidSigner,
    build_credential,
    issue_credential,
    verify_credential,
)
from ssi.w3c.checks import MAX_LDP_BYTES
from ssi.w3c.runtime import check_result, didkit_errors
from ssi.w3c.spec import FORMAT_JWT_VC_JSON, FORMAT_LDP_VC
from tests.servers import serve

NOW = int(time.time())

pytestmark = pytest.mark.usefixtures("fresh_now")


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def signer() -> DidSigner:
    return DidSigner.from_key(Key.generate("EdDSA"))


def issue_and_verify(signer: DidSigner, fmt: str) -> dict[str, Any]:
    document = build_credential(
        "KycAgeCredential",
        {"over18": True},
        issuer=signer.did,
        holder=signer.did,
        issued=NOW,
        expires=NOW + 3600,
        status=None,
    )
    credential = issue_credential(document, signer, fmt)
    return verify_credential(credential, fmt, trusted_issuers={signer.did}, now=NOW).claims


def test_calls_from_many_threads_at_once(signer: DidSigner) -> None:
    """A threaded WSGI server: every worker thread uses the one background loop."""
    with ThreadPoolExecutor(8) as pool:
        formats = [FORMAT_JWT_VC_JSON, FORMAT_LDP_VC] * 16
        results = list(pool.map(lambda fmt: issue_and_verify(signer, fmt), formats))
    assert results == [{"over18": True}] * 32


def test_call_from_inside_a_running_event_loop(signer: DidSigner) -> None:
    """An async caller (an async view) may call the sync API: it runs on the runner's loop."""

    async def view() -> dict[str, Any]:
        return issue_and_verify(signer, FORMAT_LDP_VC)

    assert asyncio.run(view()) == {"over18": True}


def test_runner_timeout_raises_our_error() -> None:
    runner = DidkitRunner()

    async def slow() -> str:
        await asyncio.sleep(5)
        return "late"

    try:
        with pytest.raises(DidkitTimeout, match="no answer within"):
            runner.run(slow, timeout=0.05)
    finally:
        runner.close()


def test_runner_restarts_after_close() -> None:
    runner = DidkitRunner()
    runner.close()
    jwk = didkit.generate_ed25519_key()
    assert runner.run(didkit.key_to_verification_method, "key", jwk).startswith("did:key:")
    runner.close()


def test_call_from_the_runner_thread_refused_instead_of_deadlock() -> None:
    runner = DidkitRunner()
    jwk = didkit.generate_ed25519_key()

    async def nested() -> str:
        return runner.run(didkit.key_to_verification_method, "key", jwk)

    try:
        with pytest.raises(RuntimeError, match="wait forever"):
            runner.run(nested, timeout=5)
    finally:
        runner.close()


def test_non_empty_errors_list_raises_invalid_signature() -> None:
    with pytest.raises(InvalidSignature, match="bad: signature error"):
        check_result('{"checks":[],"warnings":[],"errors":["signature error"]}', "bad")


def test_expansion_error_raises_malformed_input() -> None:
    with pytest.raises(MalformedInput, match="Expansion failed"):
        check_result('{"errors":["Expansion failed: Key expansion failed"]}', "ctx")


def test_resolution_error_raises_resolution_error() -> None:
    with pytest.raises(ResolutionError):
        check_result('{"errors":["Unable to resolve did:example:x"]}', "ctx")


def test_result_without_errors_list_refused() -> None:
    with pytest.raises(InvalidSignature, match="no 'errors' list"):
        check_result('{"checks":["proof"]}', "ctx")


def test_didkit_input_error_is_translated() -> None:
    async def bad() -> str:
        return str(await didkit.verify_credential("{not json", '{"proofFormat":"ldp"}'))

    with (
        pytest.raises(InvalidSignature, match="reading: key must be a string"),
        didkit_errors("reading"),
    ):
        DidkitRunner().run(bad)


def test_oversized_ldp_credential_refused_before_didkit(signer: DidSigner) -> None:
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1"],
        "padding": "x" * MAX_LDP_BYTES,
    }
    with pytest.raises(MalformedInput, match="larger than"):
        verify_credential(credential, FORMAT_LDP_VC, trusted_issuers={signer.did}, now=NOW)


EXIT_SCRIPT = """
import time
from ssi.errors import SSIError
from ssi.jose import Key
from ssi.w3c import DidSigner, build_credential, issue_credential
from ssi.w3c.proofs import verify_credential_proof
s = DidSigner.from_key(Key.generate("EdDSA"))
doc = build_credential("KycAgeCredential", {"over18": True}, issuer=s.did, holder=s.did,
                       issued=int(time.time()) - 7200, expires=int(time.time()) - 3600, status=None)
token = issue_credential(doc, s, "jwt_vc_json")
try:
    verify_credential_proof(token, "jwt_vc_json")  # didkit refuses the expired VC-JWT
except SSIError:
    print("refused")
"""


def test_process_exits_cleanly_after_a_failed_didkit_verification() -> None:
    """Without the atexit hook, 6 of 20 such exits aborted here (PyGILState_Release); with it 0."""
    for _ in range(6):
        done = subprocess.run(
            [sys.executable, "-c", EXIT_SCRIPT],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert (done.returncode, done.stdout.strip()) == (0, "refused"), done.stderr[-300:]


def test_flask_threaded_server_views_verify_concurrently(signer: DidSigner) -> None:
    """The apps' case: sync Flask views on a threaded server (127.0.0.1) call the sync API."""
    app = Flask(__name__)

    @app.post("/verify/<fmt>")
    def verify_view(fmt: str) -> dict[str, Any]:
        return issue_and_verify(signer, fmt)

    with serve(app) as base_url:

        def post(fmt: str) -> Any:
            request = urllib.request.Request(f"{base_url}/verify/{fmt}", method="POST", data=b"")
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())

        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(post, [FORMAT_JWT_VC_JSON, FORMAT_LDP_VC] * 6))
    assert results == [{"over18": True}] * 12
