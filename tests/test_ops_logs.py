"""Issue 21 item 10: JSON log lines with a request id; access lines name the URL
rule, never the path's identifiers or the query string."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from issuer.app import create_app as create_issuer
from kyc_wallet.web.logs import JsonFormatter, gunicorn_logconfig


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every record at DEBUG, formatted as the servers format them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def _lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_access_line_is_json_with_the_request_id_and_the_url_rule(
    tmp_path: Path, json_lines: io.StringIO
) -> None:
    client = create_issuer({"DATA_DIR": str(tmp_path)}).test_client()
    response = client.get(
        "/offers/secret-offer-id?credential_offer_uri=secret-query",
        headers={"X-Request-ID": "lb-7f3a.2_x"},
    )
    assert response.status_code == 404
    assert response.headers["X-Request-ID"] == "lb-7f3a.2_x"
    access = [line for line in _lines(json_lines) if line["logger"] == "kyc_wallet.access"]
    assert len(access) == 1
    (line,) = access
    assert line["request_id"] == "lb-7f3a.2_x"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/offers/<offer_id>", 404)
    assert isinstance(line["duration_ms"], float)
    assert line["level"] == "INFO" and line["message"] == "GET /offers/<offer_id> 404"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert "secret" not in json_lines.getvalue()


@pytest.mark.parametrize("sent", ["x" * 65, "a b", "id\tforged", '"><script>', "", "café"])
def test_an_unsafe_or_long_request_id_is_replaced_by_a_fresh_one(
    tmp_path: Path, json_lines: io.StringIO, sent: str
) -> None:
    client = create_issuer({"DATA_DIR": str(tmp_path)}).test_client()
    response = client.get("/operator/login", headers={"X-Request-ID": sent})
    fresh = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh)
    assert [line["request_id"] for line in _lines(json_lines) if "path" in line] == [fresh]


def test_each_request_gets_its_own_id(tmp_path: Path) -> None:
    client = create_issuer({"DATA_DIR": str(tmp_path)}).test_client()
    ids = {client.get("/operator/login").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3


def test_a_refused_host_is_logged_as_unmatched(tmp_path: Path, json_lines: io.StringIO) -> None:
    client = create_issuer({"DATA_DIR": str(tmp_path)}).test_client()
    assert client.get("/offers/x", headers={"Host": "evil.example"}).status_code == 400
    (line,) = [line for line in _lines(json_lines) if "path" in line]
    assert (line["path"], line["status"]) == ("<unmatched>", 400)


def test_a_logged_exception_is_one_json_line_with_its_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("tests.ops.exception")
    log.addHandler(handler)
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("it failed")
    finally:
        log.removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "it failed" and record["request_id"] is None
    assert "ValueError: boom" in record["exception"]


def test_gunicorn_access_log_goes_nowhere_and_its_messages_are_json() -> None:
    config = gunicorn_logconfig()
    assert config["loggers"]["gunicorn.access"] == {"handlers": [], "propagate": False}
    assert config["root"]["handlers"] == ["stderr"]
    assert config["formatters"]["json"]["()"] == "kyc_wallet.web.logs.JsonFormatter"
