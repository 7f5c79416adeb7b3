"""docs/verifier.md names every route (tests/test_docs.py checks the
configuration keys in docs/configuration.md), the OpenAPI
document every API route; ``kyc-wallet verifier`` is wired; the response
endpoint is rate limited."""

from __future__ import annotations

import re
from pathlib import Path

from kyc_wallet.cli import build_parser
from tests.verifier.conftest import RunningVerifier, StartVerifier

DOC = (Path(__file__).resolve().parents[2] / "docs" / "verifier.md").read_text()


def _doc_path(rule: str) -> str:
    return re.sub(
        r"<(?:\w+:)?(\w+)>", lambda m: "<id>" if m.group(1) == "tx_id" else m.group(0), rule
    )


def test_every_route_is_documented(verifier: RunningVerifier) -> None:
    rules = {_doc_path(r.rule) for r in verifier.app.url_map.iter_rules() if r.endpoint != "static"}
    rules.discard("/verifier-static/<path:filename>")
    missing = sorted(r for r in rules if f"{r}`" not in DOC and f"{r}?" not in DOC)
    assert missing == []


def test_openapi_documents_every_api_route(verifier: RunningVerifier) -> None:
    document = verifier.fetch.get(verifier.url + "/api/v1/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    api_rules = {
        re.sub(r"<(\w+)>", lambda m: "{id}" if m[1] == "tx_id" else f"{{{m[1]}}}", r.rule)
        for r in verifier.app.url_map.iter_rules()
        if r.rule.startswith("/api/v1/") and not r.rule.endswith("openapi.json")
    }
    assert api_rules == set(document["paths"])


def test_the_cli_is_wired() -> None:
    parser, runners = build_parser()
    assert "verifier" in runners
    args = parser.parse_args(["verifier", "--port", "5999", "--policies", "p.toml"])
    assert (args.port, args.policies, args.host) == (5999, "p.toml", "127.0.0.1")
    for option in ("--policies", "--trust-list", "--maintenance", "--url", "--dev-http-loopback"):
        assert f"{option}" in DOC, option


def test_the_response_endpoint_is_rate_limited(start_verifier: StartVerifier) -> None:
    verifier = start_verifier(RATE_LIMIT_RESPONSE="3 per minute")
    statuses = [
        verifier.fetch.post(
            verifier.url + "/oid4vp/response", data={"state": "x"}, raise_for_status=False
        ).status
        for _ in range(4)
    ]
    assert statuses == [400, 400, 400, 429]
